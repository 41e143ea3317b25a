"""Scorer of plain real-valued maps: mean absolute error."""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from mmhad.registry import SCORERS
from .base import BaseScorer


@SCORERS.register_module(name='abs_err')
class AbsErrScorer(BaseScorer):
    """Mean ``|pred - gt|`` over the valid pixels and channels of a set.

    A pixel is valid where its ground truth is finite in every channel and
    non-zero in at least one. Statistics of one sample: ``(sum |pred - gt|,
    number of valid values, number of valid pixels)``; a valid pixel holds C
    values. Metric: ``abs_err``, in the task's unit.
    """

    def process(self, pred: Tensor, gt: Tensor) -> Tuple[float, int, int]:
        gt = gt.double()
        valid = torch.isfinite(gt).all(0) & (gt != 0).any(0)
        abs_diff = (pred.double()[:, valid] - gt[:, valid]).abs()
        return (float(abs_diff.sum()), int(abs_diff.numel()),
                int(valid.sum()))

    def compute(self, stats: List[Tuple[float, int, int]]
                ) -> Dict[str, float]:
        total = sum(s[0] for s in stats)
        count = sum(s[1] for s in stats)
        metrics = OrderedDict(
            abs_err=total / count if count else float('nan'))
        self.log_summary(metrics, valid_pixels=sum(s[2] for s in stats))
        return metrics
