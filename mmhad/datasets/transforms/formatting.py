"""Pack a multi-task sample into ``inputs`` and a ``SegDataSample``."""
from typing import Sequence

import numpy as np
from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """``PackSegInputs`` that also packs depth and surface normals.

    Packs only the ground truth present in ``results`` (a sample carries only
    the tasks its dataset lists), following ``docs/data_contract.md``:

    - ``inputs``: C x H x W tensor (the image, as ``PackSegInputs``);
    - ``gt_sem_seg``: ``PixelData`` of 1 x H x W int64, from ``gt_seg_map``;
    - ``gt_depth_map``: ``PixelData`` of 1 x H x W float32, from an H x W (or
      H x W x 1) ``gt_depth_map``;
    - ``gt_normal_map``: ``PixelData`` of 3 x H x W float32, from an
      H x W x 3 ``gt_normal_map``.

    Args:
        meta_keys (Sequence[str]): Keys copied into the sample's metainfo.
            Defaults to ``PackSegInputs``'s keys plus ``depth_map_path``,
            ``normal_map_path`` and ``tasks``.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = ('img_path', 'seg_map_path',
                                    'depth_map_path', 'normal_map_path',
                                    'tasks', 'ori_shape', 'img_shape',
                                    'pad_shape', 'scale_factor', 'flip',
                                    'flip_direction', 'reduce_zero_label')
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
            ValueError: If ``gt_depth_map`` is not H x W (x 1) or
                ``gt_normal_map`` is not H x W x 3.
        """
        # The parent packs ``gt_depth_map`` as ``[None]`` without a dtype or
        # shape check; it is packed below instead.
        without_depth = {
            k: v
            for k, v in results.items() if k != 'gt_depth_map'
        }
        packed = super().transform(without_depth)
        data_sample = packed['data_samples']

        depth = results.get('gt_depth_map')
        if depth is not None:
            if depth.ndim == 3 and depth.shape[2] == 1:
                depth = depth[..., 0]
            if depth.ndim != 2:
                raise ValueError('gt_depth_map must be H x W, got shape '
                                 f'{depth.shape}')
            depth = np.ascontiguousarray(depth[None], dtype=np.float32)
            data_sample.set_data(
                dict(gt_depth_map=PixelData(data=to_tensor(depth))))

        normal = results.get('gt_normal_map')
        if normal is not None:
            if normal.ndim != 3 or normal.shape[2] != 3:
                raise ValueError('gt_normal_map must be H x W x 3, got shape '
                                 f'{normal.shape}')
            normal = np.ascontiguousarray(
                normal.transpose(2, 0, 1), dtype=np.float32)
            data_sample.set_data(
                dict(gt_normal_map=PixelData(data=to_tensor(normal))))
        return packed
