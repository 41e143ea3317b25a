"""Data preprocessor that pads every dense ground truth correctly."""
from typing import Any, Dict

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS

# Fields padded with 0 (= invalid) instead of mmseg's ``seg_pad_val``.
ZERO_PADDED_FIELDS = ('gt_depth_map', 'gt_normal_map')


@MODELS.register_module()
class MultiTaskDataPreProcessor(SegDataPreProcessor):
    """:class:`SegDataPreProcessor` for multi-task batches.

    mmseg's ``stack_batch`` pads ``gt_sem_seg`` with ``seg_pad_val`` (255,
    ignored), pads ``gt_depth_map`` with the same 255 (a valid-looking depth
    of 255 m) and does not pad ``gt_normal_map`` at all. Here depth and
    normals are padded with 0, their "invalid" value, by the same amount as
    the image. Arguments are those of :class:`SegDataPreProcessor`.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        originals = [{
            k: s.get(k).data
            for k in ZERO_PADDED_FIELDS if k in s
        } for s in data.get('data_samples') or []] if training else []
        out = super().forward(data, training)
        for sample, fields in zip(out['data_samples'] or [], originals):
            left, right, top, bottom = sample.metainfo.get(
                'padding_size', (0, 0, 0, 0))
            for key, value in fields.items():
                padded = F.pad(value, (left, right, top, bottom), value=0)
                setattr(sample, key,
                        PixelData(data=padded.to(out['inputs'].device)))
        return out
