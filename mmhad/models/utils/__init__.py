from .channel_ops import channel_argmax, channel_cosine, unit_vectors

__all__ = ['channel_argmax', 'channel_cosine', 'unit_vectors']
