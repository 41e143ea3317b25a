"""Scorer of unit-vector maps: angular errors, at normal discontinuities."""
from collections import OrderedDict
from typing import Any, Dict, List, Sequence

import numpy as np
import torch
from torch import Tensor

from mmhad.registry import SCORERS
from mmhad.tasks import TaskType
from ..metrics import region_stats as rs
from .base import RegionScorer


@SCORERS.register_module(name='normal')
class NormalScorer(RegionScorer):
    """Angular error of unit vectors over the valid pixels of a set.

    A pixel is valid when its ground-truth vector is finite and not
    all-zero. Statistics of one sample: the angular error in degrees of every
    valid pixel, a float32 array (a true median over the set needs all of
    them: **4 bytes per valid pixel**, e.g. about 290 MB for the 654 NYUv2
    test images at 288x384, held in host memory on each rank and, after
    collection, all on rank 0); with ``region_metrics`` a pair of it and
    ``(sum of errors, count)`` over the band of normal discontinuities.

    Metrics: ``mean_angle``, ``median_angle`` (degrees) and
    ``within_{t:g}`` (% of valid pixels whose error is ``< t`` degrees) for
    each ``t`` of ``normal_thresholds``. With ``region_metrics``:
    ``mean_angle@edge``.

    Args:
        task (TaskType): The scored task.
        normal_thresholds (Sequence[float]): Angles in degrees of the
            ``within_*`` metrics. Defaults to (11.25, 22.5, 30.0).
        normal_edge_deg (float): Angle in degrees between neighbouring
            vectors that makes an edge. Defaults to 30.
        **options: ``region_metrics``, ``boundary_ratio``
            (:class:`RegionScorer`) and unused options.
    """

    def __init__(self,
                 task: TaskType,
                 normal_thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                 normal_edge_deg: float = 30.0,
                 **options) -> None:
        super().__init__(task, **options)
        self.normal_thresholds = tuple(float(t) for t in normal_thresholds)
        self.normal_edge_deg = normal_edge_deg

    @staticmethod
    def angles(pred: Tensor, gt: Tensor) -> np.ndarray:
        """Angular error of every valid pixel of one vector map.

        Both vectors are normalised first (the prediction defensively: a
        zero predicted vector scores 90 degrees). Angle =
        ``degrees(arccos(clamp(<p, g>, -1, 1)))``.

        Args:
            pred (Tensor): Predicted vectors, CxHxW.
            gt (Tensor): Ground-truth vectors, CxHxW; a pixel is valid when
                its vector is finite and not all-zero.

        Returns:
            np.ndarray: float32 array of shape (num_valid, ), degrees.
        """
        gt = gt.double()
        pred = pred.double()
        valid = torch.isfinite(gt).all(0) & (gt != 0).any(0)
        gt_valid = gt[:, valid]
        pred_valid = pred[:, valid]
        gt_unit = gt_valid / gt_valid.norm(dim=0, keepdim=True)
        pred_unit = pred_valid / pred_valid.norm(
            dim=0, keepdim=True).clamp_min(1e-12)
        cos = (gt_unit * pred_unit).sum(0).clamp(-1.0, 1.0)
        return torch.rad2deg(torch.arccos(cos)).to(
            torch.float32).cpu().numpy()

    def region_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """(sum of angular errors in degrees, count) over the edge band."""
        g = gt.double()
        valid = torch.isfinite(g).all(0) & (g != 0).any(0)
        unit = g / g.norm(dim=0, keepdim=True).clamp_min(1e-12)
        band = rs.edge_band(rs.normal_edges(unit, valid, self.normal_edge_deg),
                            self.boundary_ratio)
        errors = self.angles(pred, torch.where(band, g, 0.0))
        return np.array([float(errors.sum(dtype=np.float64)),
                         float(errors.size)])

    def base_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        return self.angles(pred, gt)

    def compute(self, stats: List[Any]) -> Dict[str, float]:
        errors, regions = self.split(stats)
        errors = np.concatenate(errors)
        metrics: Dict[str, float] = OrderedDict()
        if errors.size == 0:
            metrics['mean_angle'] = metrics['median_angle'] = float('nan')
            for t in self.normal_thresholds:
                metrics[f'within_{t:g}'] = float('nan')
        else:
            metrics['mean_angle'] = float(errors.mean(dtype=np.float64))
            metrics['median_angle'] = float(np.median(errors))
            for t in self.normal_thresholds:
                metrics[f'within_{t:g}'] = float(
                    np.count_nonzero(errors < t)) / errors.size * 100
        self.log_summary(metrics, valid_pixels=int(errors.size))
        if self.region_metrics:
            total, count = np.sum(regions, axis=0)
            metrics['mean_angle@edge'] = (float(total / count) if count
                                          else float('nan'))
        return metrics
