"""Geometric augmentations that keep every task's values consistent.

How a task's values change under a flip or a zoom is the task type's rule
(:meth:`mmhad.tasks.TaskType.flip`, :meth:`~mmhad.tasks.TaskType.zoom`):
normals turn, depth scales, the other built-in maps keep their values.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomFlip
from mmseg.registry import TRANSFORMS

from mmhad.tasks import TaskType, get_task, task_names


def tasks_by_results_key() -> Dict[str, TaskType]:
    """Every registered task type, keyed by its pipeline ``results_key``."""
    return {get_task(n).results_key: get_task(n) for n in task_names()}


@TRANSFORMS.register_module()
class RandomFlipMultiTask(RandomFlip):
    """Random flip that also fixes the values of vector-valued maps.

    mmseg's ``RandomFlip`` (an mmcv ``RandomFlip``) mirrors ``img`` and every
    key in ``seg_fields``. Mirroring the image also mirrors the scene, so
    each map that is a task's ``results_key`` then goes through the task
    type's :meth:`~mmhad.tasks.TaskType.flip`, which negates the channels of
    its ``flip_negate`` (normals: a horizontal flip negates x, a vertical
    flip y, a diagonal flip both, in the camera frame of
    ``docs/data_contract.md``: x right, y down, z forward), keeping invalid
    all-zero vectors zero. Every other map keeps its values.

    Required Keys:

    - img
    - seg_fields and the keys it lists (optional)

    Modified Keys:

    - img
    - the keys listed in seg_fields

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
        # ``seg_fields``, which would corrupt the regression maps.
        super().__init__(prob=prob, direction=direction, swap_seg_labels=None)

    def _flip(self, results: dict) -> None:
        """Flip the image and maps, then apply each task's flip rule."""
        super()._flip(results)
        tasks = tasks_by_results_key()
        for key in results.get('seg_fields', []):
            task = tasks.get(key)
            if task is not None and results.get(key) is not None:
                results[key] = task.flip(results[key],
                                         results['flip_direction'])


@TRANSFORMS.register_module()
class RandomScaleCropMultiTask(BaseTransform):
    """MTAN's random scale-crop: zoom into a random window, keep the size.

    A scale ``s`` is drawn uniformly from ``scales``; a window of
    ``(int(H / s), int(W / s))`` pixels at a uniformly random position is
    cropped and resized back to ``H x W``: the image bilinear, each
    ``seg_fields`` map that is a task's ``results_key`` with the task type's
    ``interpolation`` (``'nearest'`` for every built-in type, so ignore
    labels and invalid zeros are never blended), any other map nearest.

    Zooming by ``s`` is like moving the camera ``s`` times closer; each task
    map's values then go through its type's
    :meth:`~mmhad.tasks.TaskType.zoom`: metric depth is divided by ``s``,
    inverse depth (disparity, e.g. Cityscapes in MTAN's layout) multiplied
    by ``s``, invalid zeros stay zero; the other built-in maps keep their
    values (edge bands get ``s`` times wider, as the zoomed image's
    boundaries do).

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
        depth_is_inverse (bool, optional): Whether the depth map holds
            inverse depth (passed to the zoom rules as
            ``results['depth_is_inverse']``). None (default) follows
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
        tasks = tasks_by_results_key()
        zoom_info = None  # ``results`` with the resolved depth_is_inverse
        for key in results.get('seg_fields', []):
            if results.get(key) is None:
                continue
            task = tasks.get(key)
            interpolation = task.interpolation if task else 'nearest'
            resized = mmcv.imresize(
                results[key][window], (width, height),
                interpolation=interpolation)
            if task is not None and _changes_on_zoom(task):
                if zoom_info is None:
                    zoom_info = dict(
                        results, depth_is_inverse=self._inverse(results))
                resized = task.zoom(resized, scale, zoom_info)
            results[key] = resized
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scales={self.scales}, '
                f'depth_is_inverse={self.depth_is_inverse})')


def _changes_on_zoom(task: TaskType) -> bool:
    """Whether ``task`` overrides :meth:`TaskType.zoom` (the default keeps
    the values), so the zoom needs the resolved ``depth_is_inverse``."""
    return type(task).zoom is not TaskType.zoom
