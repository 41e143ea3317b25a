"""Scorer of binary maps: F1 / IoU of the positive class, pixel accuracy."""
from collections import OrderedDict
from typing import Dict, List

import numpy as np
from torch import Tensor

from mmhad.registry import SCORERS
from mmhad.tasks import TaskType
from .base import BaseScorer


@SCORERS.register_module(name='edge')
class EdgeScorer(BaseScorer):
    """F1, IoU of the edge class (label 1) and pixel accuracy over a set.

    Statistics of one sample: int64 ``(TP, FP, FN, correct, labelled)``
    pixel counts, over the labelled pixels (label not ``ignore_index``).

    Metrics, in %: ``F1`` ``2 TP / (2 TP + FP + FN)`` and ``IoU`` ``TP /
    (TP + FP + FN)`` (NaN when neither prediction nor ground truth has an
    edge), ``aAcc`` over the labelled pixels.

    Args:
        task (TaskType): The scored task.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
    """

    def __init__(self, task: TaskType, ignore_index: int = 255,
                 **options) -> None:
        super().__init__(task, **options)
        self.ignore_index = ignore_index

    def process(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Edge-class pixel counts of one map (labels 0 / 1, 1xHxW)."""
        labelled = gt != self.ignore_index
        pred_edge = (pred == 1) & labelled
        gt_edge = (gt == 1) & labelled
        counts = [pred_edge & gt_edge, pred_edge & ~gt_edge,
                  ~pred_edge & gt_edge, (pred == gt) & labelled, labelled]
        return np.array([int(c.sum()) for c in counts], dtype=np.int64)

    def compute(self, stats: List[np.ndarray]) -> Dict[str, float]:
        tp, fp, fn, correct, labelled = np.sum(np.stack(stats), axis=0)
        nan = float('nan')
        metrics = OrderedDict(
            F1=float(2 * tp / (2 * tp + fp + fn)) * 100 if tp + fp + fn
            else nan,
            IoU=float(tp / (tp + fp + fn)) * 100 if tp + fp + fn else nan,
            aAcc=float(correct / labelled) * 100 if labelled else nan)
        self.log_summary(metrics, valid_pixels=int(labelled))
        return metrics
