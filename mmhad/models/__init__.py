from . import decode_heads, losses, segmentors, utils  # noqa: F401
from .data_preprocessor import MultiTaskDataPreProcessor

__all__ = ['MultiTaskDataPreProcessor']
