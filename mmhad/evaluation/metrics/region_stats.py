"""Pixel regions where HAD claims to act: label / geometry edges, rare values.

DB-HAD balances the distillation loss over groups of pseudo-label values
(classes, low / high depth), SG-HAD weighs the pixels where the loss map has
strong gradients (object boundaries). Scores pooled over all pixels barely
see either, so :class:`MultiTaskMetric` (``region_metrics=True``) also scores
these regions, built here from the ground truth of one sample:

* **band** of width ``d`` (``d`` = 2 % of the image diagonal rounded, at
  least 1, the width Boundary IoU uses, Cheng et al., CVPR 2021): the valid
  pixels within Chebyshev distance ``d`` of the other side of an edge.
  Segmentation: of a labelled pixel of another class (ignored pixels in
  between do not matter). Depth / normals: a 4-neighbour pair of valid
  pixels is an edge pair when the depths differ by more than a relative
  jump, ``max / min > 1 + rel_jump``, or the normals by more than an angle;
  both pixels of the pair are edge pixels, and the band is every pixel at
  distance ``< d`` from one (a ``(2d - 1) x (2d - 1)`` dilation);
* **rare depths**: depth is histogrammed in bins of 1/20 decade (``log10``
  from -3 to 3, ends clamped; metres or disparity alike); over the whole set,
  the least populated bins that together hold at most ``rare_fraction`` of
  the valid pixels are the rare depth range.

All functions take one sample (no batch dimension) and return bool masks or
small count arrays; they never modify their inputs.
"""
import math
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: log10 range and bins per decade of the depth histogram.
DEPTH_LOG10_RANGE: Tuple[float, float] = (-3.0, 3.0)
DEPTH_BINS_PER_DECADE = 20
NUM_DEPTH_BINS = int(
    (DEPTH_LOG10_RANGE[1] - DEPTH_LOG10_RANGE[0]) * DEPTH_BINS_PER_DECADE)


def band_width(height: int, width: int, ratio: float = 0.02) -> int:
    """Band width ``d = max(1, round(ratio * sqrt(H^2 + W^2)))`` in pixels."""
    return max(1, int(round(ratio * math.hypot(height, width))))


def _pair_edges(horizontal: Tensor, vertical: Tensor) -> Tensor:
    """Mark both pixels of every edge pair.

    Args:
        horizontal (Tensor): (H, W - 1) bool, pair (y, x)-(y, x + 1).
        vertical (Tensor): (H - 1, W) bool, pair (y, x)-(y + 1, x).

    Returns:
        Tensor: (H, W) bool edge pixels.
    """
    h, w = vertical.shape[0] + 1, horizontal.shape[1] + 1
    edges = torch.zeros((h, w), dtype=torch.bool, device=horizontal.device)
    edges[:, :-1] |= horizontal
    edges[:, 1:] |= horizontal
    edges[:-1, :] |= vertical
    edges[1:, :] |= vertical
    return edges


def label_band(label: Tensor, ignore_index: int, width: int) -> Tensor:
    """Labelled pixels within Chebyshev distance ``width`` of another class.

    Ignored pixels neither belong to the band nor break it: datasets often
    mark the thin line between two objects as unlabelled (the synthetic
    scenes do), so the two classes face each other across it.

    Args:
        label (Tensor): (H, W) class ids.
        ignore_index (int): Label of unlabelled pixels.
        width (int): Band width d >= 1.

    Returns:
        Tensor: (H, W) bool.
    """
    valid = label != ignore_index
    band = torch.zeros_like(valid)
    for cls in torch.unique(label[valid]):
        # distance <= width, i.e. < width + 1
        band |= valid & (label != cls) & dilate(label == cls, width + 1)
    return band


def depth_edges(depth: Tensor, valid: Tensor, rel_jump: float = 0.1) -> Tensor:
    """Pixels at a depth discontinuity, ``max / min > 1 + rel_jump``.

    Args:
        depth (Tensor): (H, W) depth (> 0 where valid).
        valid (Tensor): (H, W) bool.
        rel_jump (float): Relative jump that makes an edge. Defaults to 0.1.

    Returns:
        Tensor: (H, W) bool.
    """
    d = depth.double()

    def jump(a: Tensor, b: Tensor) -> Tensor:
        return torch.maximum(a, b) > (1.0 + rel_jump) * torch.minimum(a, b)

    hor = valid[:, 1:] & valid[:, :-1] & jump(d[:, 1:], d[:, :-1])
    ver = valid[1:, :] & valid[:-1, :] & jump(d[1:, :], d[:-1, :])
    return _pair_edges(hor, ver)


def normal_edges(normal: Tensor, valid: Tensor,
                 angle_deg: float = 30.0) -> Tensor:
    """Pixels whose normal differs from a neighbour's by more than an angle.

    Args:
        normal (Tensor): (3, H, W) unit normals.
        valid (Tensor): (H, W) bool.
        angle_deg (float): Angle in degrees. Defaults to 30.

    Returns:
        Tensor: (H, W) bool.
    """
    n = normal.double()
    cos_t = math.cos(math.radians(angle_deg))
    hor = valid[:, 1:] & valid[:, :-1] & (
        (n[:, :, 1:] * n[:, :, :-1]).sum(0) < cos_t)
    ver = valid[1:, :] & valid[:-1, :] & (
        (n[:, 1:, :] * n[:, :-1, :]).sum(0) < cos_t)
    return _pair_edges(hor, ver)


def dilate(mask: Tensor, width: int) -> Tensor:
    """Pixels at Chebyshev distance ``< width`` from a True pixel.

    Args:
        mask (Tensor): (H, W) bool.
        width (int): Band width d >= 1 (1 returns the mask itself).

    Returns:
        Tensor: (H, W) bool.
    """
    if width <= 1:
        return mask.clone()
    k = 2 * width - 1
    out = F.max_pool2d(mask.float()[None, None], k, stride=1,
                       padding=width - 1)
    return out[0, 0] > 0


def edge_band(edges: Tensor, ratio: float = 0.02) -> Tensor:
    """The band of width :func:`band_width` around ``edges``, (H, W) bool."""
    return dilate(edges, band_width(*edges.shape, ratio))


def depth_bin_ids(depth: Tensor) -> Tensor:
    """Histogram bin of each depth value (1/20 decade, ends clamped).

    Args:
        depth (Tensor): Depths (> 0), any shape.

    Returns:
        Tensor: int64 bin ids in ``[0, NUM_DEPTH_BINS)``, same shape.
    """
    low = DEPTH_LOG10_RANGE[0]
    ids = torch.floor((torch.log10(depth.double()) - low) *
                      DEPTH_BINS_PER_DECADE)
    return ids.clamp(0, NUM_DEPTH_BINS - 1).long()


def rare_bins(counts: np.ndarray, rare_fraction: float = 0.1) -> np.ndarray:
    """The least populated bins that hold at most ``rare_fraction`` of all.

    Non-empty bins are taken in order of increasing count (ties: lower bin
    first) while their cumulative count stays ``<= rare_fraction * total``;
    if even the least populated one holds more, it alone is taken.

    Args:
        counts (np.ndarray): (num_bins, ) pixel counts over the set.
        rare_fraction (float): Share of the pixels, in (0, 1].

    Returns:
        np.ndarray: bool (num_bins, ), True for a rare bin; all False if
        every bin is empty.
    """
    counts = np.asarray(counts)
    rare = np.zeros(counts.shape, dtype=bool)
    nonempty = np.flatnonzero(counts > 0)
    if nonempty.size == 0:
        return rare
    order = nonempty[np.argsort(counts[nonempty], kind='stable')]
    cumulative = np.cumsum(counts[order])
    take = order[cumulative <= rare_fraction * counts.sum()]
    rare[take if take.size else order[:1]] = True
    return rare
