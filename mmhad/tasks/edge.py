"""Occlusion edges: a binary label per pixel."""
from typing import Optional, Tuple

import numpy as np

from . import register_task
from .base import HIGHER, ClassTask, Measure
from .checks import MAX_SHOWN, load_label_map


@register_task
class EdgeTask(ClassTask):
    """Edge (1) / no edge (0) per pixel, ``-1`` = ignored on disk.

    - disk: ``{split}/edge/{i}.npy``, H x W (or H x W x 1) in ``{-1, 0, 1}``;
      loaded as H x W uint8 ``gt_edge_map`` (255 = ignored);
    - prediction: ``pred_edge_map`` (argmax of 2 logits, ``edge_logits``);
    - metrics: ``F1`` and ``IoU`` of the edge class and ``aAcc``, in %.
    """

    name = 'edge'
    kind = 'binary'
    unit = 'class id'
    metrics = dict(F1=Measure(HIGHER, '%'), IoU=Measure(HIGHER, '%'),
                   aAcc=Measure(HIGHER, '%'))
    scorer = 'edge'
    position = 3
    head = dict(type='EdgeASPPHead')
    loss = dict(type='WeightedCrossEntropyLoss', use_sigmoid=False,
                class_weight=[1.0, 5.0], avg_non_ignore=True,
                loss_weight=1.0, loss_name='loss_edge')
    draw = dict(style='colormap', cmap='gray', value_range=(0, 1))

    def load(self,
             path: str,
             hw: Optional[Tuple[int, int]] = None,
             results: Optional[dict] = None,
             backend_args: Optional[dict] = None,
             **options) -> np.ndarray:
        edge = load_label_map(path, 'edge', hw, backend_args, finite=False)
        values = np.unique(edge)
        bad = values[~np.isin(values, (-1, 0, 1))]
        if bad.size:
            raise ValueError(
                f'edge {path} must hold 1 (edge), 0 (no edge) or -1 '
                f'(ignored); offending values: {bad[:MAX_SHOWN].tolist()}')
        return self.to_labels(edge)
