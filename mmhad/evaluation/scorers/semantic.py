"""Scorer of class-label maps: mIoU, aAcc and the class / boundary regions."""
import warnings
from collections import OrderedDict
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.logging import print_log
from prettytable import PrettyTable
from torch import Tensor

from mmseg.evaluation.metrics import IoUMetric
from mmhad.registry import SCORERS
from mmhad.tasks import TaskType
from ..metrics import region_stats as rs
from .base import RegionScorer


@SCORERS.register_module(name='semantic')
class SemanticScorer(RegionScorer):
    """mIoU and pixel accuracy of a label map, over the whole set.

    Statistics of one sample: per-class intersection / union / prediction /
    label areas, a ``(4, num_classes)`` int64 array (as
    :class:`mmseg.evaluation.IoUMetric` stores them, via its
    ``intersect_and_union`` helper); with ``region_metrics`` a pair of it and
    the same areas over the band of label edges.

    Metrics: ``mIoU`` in % over the classes with a non-zero union (classes
    absent from both prediction and ground truth are NaN and excluded, as in
    mmseg); ``aAcc`` in % over the pixels whose label is not
    ``ignore_index``. With ``region_metrics``: ``IoU@{class}`` of every
    class, ``mIoU@rare`` (classes whose ground-truth area over the set is
    below the median area of the classes present), ``mIoU@boundary`` and
    ``aAcc@boundary`` (over the band of label edges).

    Args:
        task (TaskType): The scored task.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
        num_classes (int, optional): Number of classes; None takes
            ``len(dataset_meta['classes'])``. Defaults to None.
        **options: ``region_metrics``, ``boundary_ratio``
            (:class:`RegionScorer`) and unused options.
    """

    def __init__(self,
                 task: TaskType,
                 ignore_index: int = 255,
                 num_classes: Optional[int] = None,
                 **options) -> None:
        super().__init__(task, **options)
        self.ignore_index = ignore_index
        self.num_classes = num_classes

    # ------------------------------------------------------ per-sample stats
    def _get_num_classes(self) -> int:
        if self.num_classes is not None:
            return self.num_classes
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError(
                'MultiTaskMetric needs the number of segmentation classes: '
                'pass num_classes=... or set dataset_meta["classes"]')
        return len(classes)

    def base_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Per-class areas of one image.

        Args:
            pred (Tensor): Predicted labels, 1xHxW (or HxW).
            gt (Tensor): Ground-truth labels, same shape; ``ignore_index``
                pixels are skipped.

        Returns:
            np.ndarray: int64 array of shape (4, num_classes): intersection,
            union, prediction and label area in pixels, per class.
        """
        pred_label = pred.squeeze()
        label = gt.squeeze().to(pred_label)
        # mmseg's helper histograms in float32: exact up to 2**24 pixels per
        # image; the int64 copy keeps the sum over the set exact.
        areas = IoUMetric.intersect_and_union(pred_label, label,
                                              self._get_num_classes(),
                                              self.ignore_index)
        return torch.stack(areas).round().to(torch.int64).numpy()

    def region_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Per-class areas (4, C) over the band of label edges."""
        label = gt.reshape(gt.shape[-2:])
        band = rs.label_band(label, self.ignore_index,
                             rs.band_width(*label.shape,
                                           self.boundary_ratio))
        in_band = torch.where(band, label,
                              torch.full_like(label, self.ignore_index))
        return self.base_stats(pred.reshape(label.shape), in_band)

    # -------------------------------------------------------- set reduction
    def compute(self, stats: List[Any]) -> Dict[str, float]:
        areas, regions = self.split(stats)
        total = np.sum(np.stack(areas), axis=0).astype(np.float64)
        total = torch.from_numpy(total)
        with warnings.catch_warnings():
            # 0/0 for classes absent from both pred and gt -> NaN, excluded.
            warnings.simplefilter('ignore', RuntimeWarning)
            per_class = IoUMetric.total_area_to_metrics(
                total[0], total[1], total[2], total[3], metrics=['mIoU'])
            miou = float(np.nanmean(per_class['IoU'])) * 100
        aacc = float(per_class['aAcc']) * 100
        metrics: Dict[str, float] = OrderedDict(mIoU=miou, aAcc=aacc)
        self._log_table(per_class, metrics)
        if self.region_metrics:
            metrics.update(self._region_metrics(areas, regions))
        return metrics

    def _class_names(self, num_classes: int) -> List[str]:
        classes = (self.dataset_meta or {}).get('classes')
        if not classes or len(classes) != num_classes:
            classes = [str(i) for i in range(num_classes)]
        return list(classes)

    def _log_table(self, per_class: Dict[str, np.ndarray],
                   metrics: Dict[str, float]) -> None:
        class_table = PrettyTable()
        class_table.add_column('Class',
                               self._class_names(len(per_class['IoU'])))
        class_table.add_column('IoU', np.round(per_class['IoU'] * 100, 2))
        class_table.add_column('Acc', np.round(per_class['Acc'] * 100, 2))
        print_log(f'{self.task.name}: per class results:', logger='current')
        print_log('\n' + class_table.get_string(), logger='current')
        self.log_summary(OrderedDict(metrics))

    def _region_metrics(self, stats: List[np.ndarray],
                        regions: List[np.ndarray]) -> Dict[str, float]:
        total = np.sum(np.stack(stats), axis=0).astype(np.float64)
        inter, union, label_area = total[0], total[1], total[3]
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = inter / union * 100  # NaN where the union is empty
        out: Dict[str, float] = OrderedDict(
            (f'IoU@{name}', float(v))
            for name, v in zip(self._class_names(len(iou)), iou))
        present = label_area > 0
        # rare: ground-truth area below the median area of present classes
        rare = present & (label_area < np.median(label_area[present])
                          if present.any() else False)
        out['mIoU@rare'] = (float(np.nanmean(iou[rare])) if
                            np.isfinite(iou[rare]).any() else float('nan'))
        band = np.sum(np.stack(regions), axis=0).astype(np.float64)
        with np.errstate(divide='ignore', invalid='ignore'):
            band_iou = band[0] / band[1]
        finite = np.isfinite(band_iou)
        out['mIoU@boundary'] = (float(band_iou[finite].mean()) * 100
                                if finite.any() else float('nan'))
        labelled = band[3].sum()
        out['aAcc@boundary'] = (float(band[0].sum() / labelled) * 100
                                if labelled else float('nan'))
        return out
