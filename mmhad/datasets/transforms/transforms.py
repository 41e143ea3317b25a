"""Geometric augmentations that keep depth and surface normals consistent."""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomFlip
from mmseg.registry import TRANSFORMS

#: Normal-vector components negated by each flip direction (x right, y down).
_NORMAL_AXES_FLIPPED = {
    'horizontal': (0, ),
    'vertical': (1, ),
    'diagonal': (0, 1),
}


@TRANSFORMS.register_module()
class RandomFlipMultiTask(RandomFlip):
    """Random flip that also turns the surface normals.

    mmseg's ``RandomFlip`` (an mmcv ``RandomFlip``) mirrors ``img`` and every
    key in ``seg_fields`` (``gt_seg_map``, ``gt_depth_map``,
    ``gt_normal_map``, ``gt_edge_map``, ``gt_albedo_map``,
    ``gt_shading_map``). Mirroring the image also mirrors the scene, so the
    normals' components along the flipped axes change sign: a horizontal flip
    negates x, a vertical flip negates y, a diagonal flip both (camera frame
    of ``docs/data_contract.md``: x right, y down, z forward). All-zero
    (invalid) normals stay zero. Every other map keeps its values.

    Required Keys:

    - img
    - seg_fields and the keys it lists (optional)

    Modified Keys:

    - img
    - gt_seg_map, gt_depth_map, gt_normal_map, gt_edge_map, gt_albedo_map,
      gt_shading_map (optional)

    Added Keys:

    - flip
    - flip_direction

    Args:
        prob (float | list[float]): Flip probability, as in mmcv
            ``RandomFlip``.
        direction (str | list[str]): ``'horizontal'``, ``'vertical'`` or
            ``'diagonal'``, or a list of them. Defaults to ``'horizontal'``.
    """

    def __init__(self,
                 prob: Union[float, Sequence[float]],
                 direction: Union[str, Sequence[str]] = 'horizontal') -> None:
        # Label swapping is not offered: mmseg applies it to every key in
        # ``seg_fields``, which would corrupt depth and normals.
        super().__init__(prob=prob, direction=direction, swap_seg_labels=None)

    def _flip(self, results: dict) -> None:
        """Flip the image and maps, then negate the flipped normal axes."""
        super()._flip(results)
        normal = results.get('gt_normal_map')
        if normal is not None:
            normal = normal.copy()
            for axis in _NORMAL_AXES_FLIPPED[results['flip_direction']]:
                normal[..., axis] *= -1
            normal[normal == 0] = 0  # no -0.0 in invalid vectors
            results['gt_normal_map'] = normal


@TRANSFORMS.register_module()
class RandomScaleCropMultiTask(BaseTransform):
    """MTAN's random scale-crop: zoom into a random window, keep the size.

    A scale ``s`` is drawn uniformly from ``scales``; a window of
    ``(int(H / s), int(W / s))`` pixels at a uniformly random position is
    cropped and resized back to ``H x W`` (image bilinear; ``gt_seg_map``,
    ``gt_depth_map``, ``gt_normal_map``, ``gt_edge_map``, ``gt_albedo_map``,
    ``gt_shading_map`` and any other ``seg_fields`` key nearest, so ignore
    labels and invalid zeros are never blended).

    Zooming by ``s`` is like moving the camera ``s`` times closer, so metric
    depth is divided by ``s``; inverse depth (disparity, e.g. Cityscapes in
    MTAN's layout) is multiplied by ``s``. Invalid zeros stay zero. Every
    other map (normals, edges, albedo, shading) keeps its values (edge bands
    get ``s`` times wider, as the zoomed image's boundaries do).

    Required Keys:

    - img
    - seg_fields and the keys it lists (optional)
    - depth_is_inverse (optional, set by the mmhad datasets)

    Modified Keys:

    - img
    - img_shape
    - the keys listed in seg_fields

    Args:
        scales (Sequence[float]): Candidate zoom factors, each ``>= 1``.
            Defaults to ``(1.0, 1.2, 1.5)`` (MTAN).
        depth_is_inverse (bool, optional): Whether ``gt_depth_map`` holds
            inverse depth. None (default) follows
            ``results['depth_is_inverse']`` (NYUv2 False, Cityscapes True)
            and falls back to False. A bool is used as is; if it contradicts
            ``results['depth_is_inverse']`` a ``ValueError`` is raised.
    """

    def __init__(self,
                 scales: Sequence[float] = (1.0, 1.2, 1.5),
                 depth_is_inverse: Optional[bool] = None) -> None:
        scales = tuple(float(s) for s in scales)
        if not scales or min(scales) < 1:
            raise ValueError(f'scales must be a non-empty sequence of values '
                             f'>= 1, got {scales}')
        self.scales = scales
        self.depth_is_inverse = depth_is_inverse

    @cache_randomness
    def _sample_window(self, height: int,
                       width: int) -> Tuple[float, int, int, int, int]:
        """Draw the zoom factor and the crop window.

        Args:
            height (int): Image height H in pixels.
            width (int): Image width W in pixels.

        Returns:
            tuple: ``(scale, top, left, crop_h, crop_w)`` in pixels.
        """
        scale = self.scales[np.random.randint(len(self.scales))]
        crop_h = max(int(height / scale), 1)
        crop_w = max(int(width / scale), 1)
        top = np.random.randint(height - crop_h + 1)
        left = np.random.randint(width - crop_w + 1)
        return scale, top, left, crop_h, crop_w

    def _inverse(self, results: dict) -> bool:
        """Resolve whether the depth map holds inverse depth."""
        from_data = results.get('depth_is_inverse')
        if self.depth_is_inverse is None:
            return bool(from_data)
        if from_data is not None and bool(from_data) != self.depth_is_inverse:
            raise ValueError(
                f'{self.__class__.__name__}(depth_is_inverse='
                f'{self.depth_is_inverse}) contradicts the dataset, which '
                f'says depth_is_inverse={bool(from_data)}')
        return self.depth_is_inverse

    def transform(self, results: dict) -> dict:
        """Scale-crop the image and every map in ``seg_fields``.

        Args:
            results (dict): Result dict with ``img`` (H x W x C).

        Returns:
            dict: ``results`` with the same H x W, zoomed by the drawn scale.
        """
        img = results['img']
        height, width = img.shape[:2]
        scale, top, left, crop_h, crop_w = self._sample_window(height, width)
        window = (slice(top, top + crop_h), slice(left, left + crop_w))

        results['img'] = mmcv.imresize(
            img[window], (width, height), interpolation='bilinear')
        for key in results.get('seg_fields', []):
            if results.get(key) is None:
                continue
            resized = mmcv.imresize(
                results[key][window], (width, height), interpolation='nearest')
            if key == 'gt_depth_map':
                factor = np.float32(scale)
                resized = resized * factor if self._inverse(results) \
                    else resized / factor
            results[key] = resized
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scales={self.scales}, '
                f'depth_is_inverse={self.depth_is_inverse})')
