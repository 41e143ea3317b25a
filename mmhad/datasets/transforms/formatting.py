"""Pack a multi-task sample into ``inputs`` and a ``SegDataSample``."""
from typing import Sequence, Tuple

import numpy as np
from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

#: ``results`` key -> (channels C, dtype): packed as a C x H x W tensor from
#: an H x W (C = 1; H x W x 1 is accepted too) or H x W x C array.
DENSE_GT_KEYS = {
    'gt_depth_map': (1, np.float32),
    'gt_normal_map': (3, np.float32),
    'gt_edge_map': (1, np.int64),
    'gt_albedo_map': (3, np.float32),
    'gt_shading_map': (1, np.float32),
}


def _to_chw(array: np.ndarray, key: str, spec: Tuple[int, type]) -> np.ndarray:
    """Turn an H x W (x C) map into a contiguous C x H x W array."""
    channels, dtype = spec
    if array.ndim == 2 and channels == 1:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] != channels:
        expected = 'H x W' if channels == 1 else f'H x W x {channels}'
        raise ValueError(f'{key} must be {expected}, got shape '
                         f'{array.shape}')
    return np.ascontiguousarray(array.transpose(2, 0, 1), dtype=dtype)


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """``PackSegInputs`` that also packs every dense task's ground truth.

    Packs only the ground truth present in ``results`` (a sample carries only
    the tasks its dataset lists), following ``docs/data_contract.md``:

    - ``inputs``: C x H x W tensor (the image, as ``PackSegInputs``);
    - ``gt_sem_seg``: ``PixelData`` of 1 x H x W int64, from ``gt_seg_map``;
    - ``gt_depth_map``: 1 x H x W float32, from an H x W (or H x W x 1)
      ``gt_depth_map``;
    - ``gt_normal_map``: 3 x H x W float32, from an H x W x 3
      ``gt_normal_map``;
    - ``gt_edge_map``: 1 x H x W int64 (255 = ignored), from an H x W
      ``gt_edge_map``;
    - ``gt_albedo_map``: 3 x H x W float32, from an H x W x 3
      ``gt_albedo_map``;
    - ``gt_shading_map``: 1 x H x W float32, from an H x W (or H x W x 1)
      ``gt_shading_map``.

    Args:
        meta_keys (Sequence[str]): Keys copied into the sample's metainfo.
            Defaults to ``PackSegInputs``'s keys plus the path key of every
            task and ``tasks``.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('img_path', 'seg_map_path',
                                    'depth_map_path', 'normal_map_path',
                                    'edge_map_path', 'albedo_map_path',
                                    'shading_map_path', 'tasks', 'ori_shape',
                                    'img_shape', 'pad_shape', 'scale_factor',
                                    'flip', 'flip_direction',
                                    'reduce_zero_label')
    ) -> None:
        super().__init__(meta_keys=tuple(meta_keys))

    def transform(self, results: dict) -> dict:
        """Pack the image and every present ground-truth map.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` (torch.Tensor) and ``data_samples``
            (``SegDataSample``).

        Raises:
            ValueError: If a map of :data:`DENSE_GT_KEYS` does not have its
                H x W (x C) shape.
        """
        # The parent packs ``gt_depth_map`` and ``gt_edge_map`` without a
        # dtype or shape check; they are packed below instead.
        packed = super().transform(
            {k: v for k, v in results.items() if k not in DENSE_GT_KEYS})
        data_sample = packed['data_samples']
        for key, spec in DENSE_GT_KEYS.items():
            if results.get(key) is None:
                continue
            data = _to_chw(results[key], key, spec)
            data_sample.set_data({key: PixelData(data=to_tensor(data))})
        return packed
