"""Scorer of depth maps: absolute / relative error, at edges, rare depths."""
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from torch import Tensor

from mmhad.registry import SCORERS
from mmhad.tasks import TaskType
from ..metrics import region_stats as rs
from .base import RegionScorer


@SCORERS.register_module(name='depth')
class DepthScorer(RegionScorer):
    """Mean absolute and relative depth error over the valid pixels of a set.

    A pixel is valid where the ground truth is finite and ``> 0``.
    Statistics of one sample: ``(sum |pred - gt|, sum |pred - gt| / gt,
    valid count)``; with ``region_metrics`` a pair of it and the region
    statistics (:meth:`region_stats`).

    Metrics: ``abs_err`` (mean ``|pred - gt|``, in the depth unit: metres,
    or disparity for Cityscapes) and ``rel_err`` (mean ``|pred - gt| /
    gt``). With ``region_metrics``: ``abs_err@edge`` / ``rel_err@edge`` over
    the band of depth discontinuities, ``abs_err@rare`` / ``rel_err@rare``
    over the rarest depth range (:mod:`..metrics.region_stats`).

    Args:
        task (TaskType): The scored task.
        depth_rel_jump (float): Relative depth jump of a depth edge.
            Defaults to 0.1.
        rare_fraction (float): Share of the valid pixels that the rare depth
            range holds at most. Defaults to 0.1.
        **options: ``region_metrics``, ``boundary_ratio``
            (:class:`RegionScorer`) and unused options.
    """

    def __init__(self,
                 task: TaskType,
                 depth_rel_jump: float = 0.1,
                 rare_fraction: float = 0.1,
                 **options) -> None:
        super().__init__(task, **options)
        self.depth_rel_jump = depth_rel_jump
        self.rare_fraction = rare_fraction

    def base_stats(self, pred: Tensor, gt: Tensor) -> Tuple[float, float, int]:
        """Error sums of one depth map over its valid pixels.

        Args:
            pred (Tensor): Predicted depth, 1xHxW, in the unit of ``gt``.
            gt (Tensor): Ground-truth depth, same shape; valid where finite
                and > 0.

        Returns:
            tuple: ``(sum |pred - gt|, sum |pred - gt| / gt, valid count)``.
        """
        gt = gt.double()
        valid = torch.isfinite(gt) & (gt > 0)
        gt_valid = gt[valid]
        abs_diff = (pred.double()[valid] - gt_valid).abs()
        return (float(abs_diff.sum()), float((abs_diff / gt_valid).sum()),
                int(valid.sum()))

    def region_stats(self, pred: Tensor, gt: Tensor) -> Dict[str, np.ndarray]:
        """Error sums over the depth-edge band and per depth bin.

        Returns:
            dict: ``edge`` (sum |e|, sum |e| / gt, count) and ``bins``
            (3, NUM_DEPTH_BINS): count, sum |e|, sum |e| / gt per bin.
        """
        g = gt.reshape(gt.shape[-2:]).double()
        valid = torch.isfinite(g) & (g > 0)
        abs_diff = (pred.reshape(g.shape).double() - g).abs()
        band = rs.edge_band(rs.depth_edges(g, valid, self.depth_rel_jump),
                            self.boundary_ratio)
        sel = band & valid
        edge = np.array([float(abs_diff[sel].sum()),
                         float((abs_diff[sel] / g[sel]).sum()),
                         float(sel.sum())])
        ids = rs.depth_bin_ids(g[valid])
        bins = torch.zeros((3, rs.NUM_DEPTH_BINS), dtype=torch.float64)
        bins[0].index_add_(0, ids, torch.ones_like(g[valid]))
        bins[1].index_add_(0, ids, abs_diff[valid])
        bins[2].index_add_(0, ids, abs_diff[valid] / g[valid])
        return dict(edge=edge, bins=bins.numpy())

    def compute(self, stats: List[Any]) -> Dict[str, float]:
        errors, regions = self.split(stats)
        sum_abs = sum(s[0] for s in errors)
        sum_rel = sum(s[1] for s in errors)
        count = sum(s[2] for s in errors)
        if count == 0:
            abs_err = rel_err = float('nan')
        else:
            abs_err, rel_err = sum_abs / count, sum_rel / count
        metrics: Dict[str, float] = OrderedDict(
            abs_err=abs_err, rel_err=rel_err)
        self.log_summary(metrics, valid_pixels=count)
        if self.region_metrics:
            metrics.update(self._region_metrics(regions))
        return metrics

    def _region_metrics(self, regions: List[Dict[str, np.ndarray]]
                        ) -> Dict[str, float]:
        nan = float('nan')
        edge = np.sum([r['edge'] for r in regions], axis=0)
        bins = np.sum([r['bins'] for r in regions], axis=0)
        rare = rs.rare_bins(bins[0], self.rare_fraction)
        count = bins[0][rare].sum()
        return OrderedDict([
            ('abs_err@edge', float(edge[0] / edge[2]) if edge[2] else nan),
            ('rel_err@edge', float(edge[1] / edge[2]) if edge[2] else nan),
            ('abs_err@rare', float(bins[1][rare].sum() / count) if count
             else nan),
            ('rel_err@rare', float(bins[2][rare].sum() / count) if count
             else nan),
        ])
