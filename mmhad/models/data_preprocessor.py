"""Data preprocessor that pads every dense ground truth correctly."""
from typing import Any, Dict

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS

#: Fields padded with 0 (= invalid) instead of mmseg's ``seg_pad_val``.
ZERO_PADDED_FIELDS = ('gt_depth_map', 'gt_normal_map', 'gt_albedo_map',
                      'gt_shading_map')
#: Class-label fields padded with ``seg_pad_val`` (the ignore index).
LABEL_PADDED_FIELDS = ('gt_edge_map', )


@MODELS.register_module()
class MultiTaskDataPreProcessor(SegDataPreProcessor):
    """:class:`SegDataPreProcessor` for multi-task batches.

    mmseg's ``stack_batch`` pads ``gt_sem_seg`` with ``seg_pad_val`` (255,
    ignored), pads ``gt_depth_map`` with the same 255 (a valid-looking depth
    of 255 m) and does not pad the other dense fields at all. Here, by the
    same amount as the image, the regression targets of
    :data:`ZERO_PADDED_FIELDS` (depth, normals, albedo, shading) are padded
    with 0, their "invalid" value, and the edge labels of
    :data:`LABEL_PADDED_FIELDS` with ``seg_pad_val`` (ignored), whatever
    mmseg's version does with them. Arguments are those of
    :class:`SegDataPreProcessor`.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        pad_values = {k: 0 for k in ZERO_PADDED_FIELDS}
        pad_values.update({k: self.seg_pad_val for k in LABEL_PADDED_FIELDS})
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
