"""Reductions over the channel axis of dense maps, fast on CPU.

On the pinned torch CPU build, ``argmax``, ``linalg.vector_norm`` (hence
``F.normalize``) and ``F.cosine_similarity`` over dim 1 of a contiguous
(B, C, H, W) map take a slow strided path: on a (4, 7, 96, 128) map one
thread measured ~15 ms for ``argmax`` against ~2 ms for ``max(1).indices``,
and ~9 ms (``normalize``) or ~16 ms (``cosine_similarity``) against ~1.3 ms
for the sums of squares below, forward + backward. The results are the same.
"""
from torch import Tensor


def channel_argmax(x: Tensor, dim: int = 1) -> Tensor:
    """Index of the largest value along ``dim`` (first one on ties).

    Same result as ``x.argmax(dim)``, without its slow CPU path.

    Args:
        x (Tensor): Scores, e.g. logits (B, C, H, W).
        dim (int): Channel axis. Defaults to 1.

    Returns:
        Tensor: int64 indices, ``x`` without ``dim``.
    """
    return x.max(dim=dim).indices


def unit_vectors(x: Tensor, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``x / max(|x|, eps)`` along ``dim``, as ``F.normalize(x, dim=dim)``.

    The clamp is applied to the squared norm before the square root, so a
    zero vector maps to zero with the finite gradient ``1 / eps`` of
    ``F.normalize`` (not NaN).

    Args:
        x (Tensor): Vectors along ``dim``, e.g. normals (B, 3, H, W).
        dim (int): Vector axis. Defaults to 1.
        eps (float): Smallest norm divided by. Defaults to 1e-12.

    Returns:
        Tensor: Same shape as ``x``; unit length where ``|x| >= eps``.
    """
    sq = x.pow(2).sum(dim=dim, keepdim=True)
    return x * sq.clamp(min=eps * eps).rsqrt()


def channel_cosine(a: Tensor, b: Tensor, dim: int = 1,
                   eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``a`` and ``b`` along ``dim``.

    ``<a, b> / (max(|a|, eps) * max(|b|, eps))``, as
    ``F.cosine_similarity(a, b, dim, eps)``.

    Args:
        a (Tensor): (B, C, H, W) vectors.
        b (Tensor): Same shape as ``a``.
        dim (int): Vector axis. Defaults to 1.
        eps (float): Smallest norm divided by. Defaults to 1e-8.

    Returns:
        Tensor: Cosines in [-1, 1], shape of ``a`` without ``dim``.
    """
    return (unit_vectors(a, dim, eps) * unit_vectors(b, dim, eps)).sum(dim)
