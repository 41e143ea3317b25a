from .channel_ops import channel_argmax, channel_cosine, unit_vectors
from .output_activations import OUTPUT_ACTIVATIONS, OutputActivation

__all__ = [
    'channel_argmax', 'channel_cosine', 'unit_vectors', 'OUTPUT_ACTIVATIONS',
    'OutputActivation'
]
