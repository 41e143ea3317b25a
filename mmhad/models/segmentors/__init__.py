from .contract import ContinualModel, Penalty
from .multi_task_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['ContinualModel', 'MultiTaskEncoderDecoder', 'Penalty']
