"""Data preprocessor that pads every dense ground truth correctly."""
from typing import Any, Dict

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS

from mmhad.tasks import get_task, task_names

#: The field mmseg's ``stack_batch`` pads itself (with ``seg_pad_val``).
MMSEG_GT_FIELD = 'gt_sem_seg'


def gt_pad_values() -> Dict[str, float]:
    """``gt_field`` -> ``pad_value`` of every registered task type but the
    one whose ground truth is mmseg's ``gt_sem_seg``."""
    tasks = [get_task(n) for n in task_names()]
    return {
        t.gt_field: t.pad_value
        for t in tasks if t.gt_field != MMSEG_GT_FIELD
    }


@MODELS.register_module()
class MultiTaskDataPreProcessor(SegDataPreProcessor):
    """:class:`SegDataPreProcessor` for multi-task batches.

    mmseg's ``stack_batch`` pads ``gt_sem_seg`` with ``seg_pad_val`` (255,
    ignored), pads ``gt_depth_map`` with the same 255 (a valid-looking depth
    of 255 m) and does not pad the other dense fields at all. Here, by the
    same amount as the image, the ground truth of every other registered task
    type (its ``gt_field``) is padded with the type's ``pad_value``, its
    "invalid" value (0 for regressions such as depth and normals,
    the ignore index 255 for class labels such as edges), whatever mmseg's
    version does with it. ``gt_sem_seg`` stays mmseg's. Arguments are those
    of :class:`SegDataPreProcessor`.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        pad_values = gt_pad_values()
        originals = [{
            k: s.get(k).data
            for k in pad_values if k in s
        } for s in data.get('data_samples') or []] if training else []
        out = super().forward(data, training)
        for sample, fields in zip(out['data_samples'] or [], originals):
            left, right, top, bottom = sample.metainfo.get(
                'padding_size', (0, 0, 0, 0))
            for key, value in fields.items():
                padded = F.pad(value, (left, right, top, bottom),
                               value=pad_values[key])
                setattr(sample, key,
                        PixelData(data=padded.to(out['inputs'].device)))
        return out
