from . import decode_heads, losses, segmentors  # noqa: F401
