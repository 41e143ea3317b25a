"""Semantic segmentation: one class id per pixel."""
from typing import Optional, Tuple

import numpy as np

from . import register_task
from .base import HIGHER, ClassTask, Measure
from .checks import MAX_SHOWN, load_label_map


@register_task
class SemanticTask(ClassTask):
    """Class ids ``0 .. C-1`` (``-1`` = ignored on disk), mmseg's fields.

    - disk: ``{split}/label/{i}.npy``, H x W (or H x W x 1) integers in
      ``[-1, C-1]``; loaded as H x W uint8 ``gt_seg_map`` (255 = ignored),
      remapped by the dataset's ``label_map`` when it selects a subset;
    - sample: ``gt_sem_seg`` / ``pred_sem_seg`` / ``seg_logits`` (mmseg's);
    - metrics: ``mIoU``, ``aAcc`` in %; per-class ``IoU@{class}`` and the
      ``@rare`` / ``@boundary`` region metrics.
    """

    name = 'semantic'
    kind = 'classes'
    unit = 'class id'
    folder = 'label'
    path_key = 'seg_map_path'
    results_key = 'gt_seg_map'
    gt_field = 'gt_sem_seg'
    pred_field = 'pred_sem_seg'
    logits_field = 'seg_logits'
    metrics = dict(mIoU=Measure(HIGHER, '%'), aAcc=Measure(HIGHER, '%'),
                   IoU=Measure(HIGHER, '%'))
    scorer = 'semantic'
    position = 0
    head = dict(type='ASPPHead')
    loss = dict(type='CrossEntropyLoss', use_sigmoid=False,
                avg_non_ignore=True, loss_weight=1.0, loss_name='loss_ce')

    def load(self,
             path: str,
             hw: Optional[Tuple[int, int]] = None,
             results: Optional[dict] = None,
             backend_args: Optional[dict] = None,
             num_classes: Optional[int] = None,
             **options) -> np.ndarray:
        """Load a label map (see the class docstring).

        Args:
            num_classes (int, optional): Classes on disk. None: the sample's
                ``num_classes`` (set by the mmhad datasets), else
                ``len(label_map)``, else only ``[-1, 254]`` is checked.
        """
        results = results or {}
        label = load_label_map(path, 'label', hw, backend_args)
        num_classes = _num_classes(num_classes, results)
        values = np.unique(label)
        bad = values[(values != np.round(values)) | (values < -1) |
                     (values > num_classes - 1)]
        if bad.size:
            raise ValueError(
                f'label {path} must hold integer class ids in '
                f'[-1, {num_classes - 1}] (-1 = ignored); offending values: '
                f'{bad[:MAX_SHOWN].tolist()}')
        gt_seg_map = self.to_labels(label)
        label_map = results.get('label_map')
        if label_map:
            remapped = gt_seg_map.copy()
            for old_id, new_id in label_map.items():
                remapped[gt_seg_map == old_id] = new_id
            gt_seg_map = remapped
        return gt_seg_map


def _num_classes(num_classes: Optional[int], results: dict) -> int:
    """Number of on-disk classes to validate against."""
    if num_classes is not None:
        return num_classes
    if results.get('num_classes'):
        return int(results['num_classes'])
    if results.get('label_map'):
        return len(results['label_map'])
    return 255
