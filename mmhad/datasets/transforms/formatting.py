"""Pack a multi-task sample into ``inputs`` and a ``SegDataSample``."""
from typing import List, Optional, Sequence, Tuple

from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from mmhad.tasks import TaskType, get_task, task_names

#: ``SegDataSample`` field that mmseg's ``PackSegInputs`` itself fills (from
#: ``gt_seg_map``); the task type with this ``gt_field`` is packed by mmseg.
MMSEG_GT_FIELD = 'gt_sem_seg'
#: ``PackSegInputs``'s meta keys around the task path keys.
_META_HEAD = ('img_path', )
_META_TAIL = ('tasks', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
              'flip', 'flip_direction', 'reduce_zero_label')


def dense_tasks() -> List[TaskType]:
    """Registered task types packed by mmhad (all but mmseg's semantic
    labels), in their ``position`` order (ties by name)."""
    tasks = [get_task(n) for n in task_names()]
    tasks.sort(key=lambda t: (getattr(t, 'position', 100), t.name))
    return [t for t in tasks if t.gt_field != MMSEG_GT_FIELD]


def default_meta_keys() -> Tuple[str, ...]:
    """``PackSegInputs``'s meta keys plus every registered task's path key
    (``seg_map_path`` first) and ``tasks``."""
    semantic = [get_task(n).path_key for n in task_names()
                if get_task(n).gt_field == MMSEG_GT_FIELD]
    paths = semantic + [t.path_key for t in dense_tasks()]
    return (*_META_HEAD, *paths, *_META_TAIL)


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """``PackSegInputs`` that also packs every dense task's ground truth.

    Packs only the ground truth present in ``results`` (a sample carries only
    the tasks its dataset lists), following ``docs/data_contract.md``:

    - ``inputs``: C x H x W tensor (the image, as ``PackSegInputs``);
    - ``gt_sem_seg``: ``PixelData`` of 1 x H x W int64, from ``gt_seg_map``
      (mmseg's packing);
    - for every other registered task type whose ``results_key`` is in
      ``results``: its ``gt_field``, a ``PixelData`` of the task's
      :meth:`~mmhad.tasks.TaskType.pack` (C x H x W of its ``pack_dtype``,
      e.g. ``gt_depth_map`` 1 x H x W float32 from an H x W or H x W x 1
      map, ``gt_normal_map`` 3 x H x W float32, ``gt_edge_map`` 1 x H x W
      int64 with 255 = ignored).

    Args:
        meta_keys (Sequence[str], optional): Keys copied into the sample's
            metainfo. Defaults to None: ``PackSegInputs``'s keys plus the
            path key of every task registered when the transform runs, and
            ``tasks``.
    """

    def __init__(self, meta_keys: Optional[Sequence[str]] = None) -> None:
        super().__init__(
            meta_keys=None if meta_keys is None else tuple(meta_keys))

    @property
    def meta_keys(self) -> Tuple[str, ...]:
        """The keys copied into the metainfo (see the class docstring)."""
        if self._meta_keys is None:
            return default_meta_keys()
        return self._meta_keys

    @meta_keys.setter
    def meta_keys(self, value: Optional[Tuple[str, ...]]) -> None:
        self._meta_keys = value

    def transform(self, results: dict) -> dict:
        """Pack the image and every present ground-truth map.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` (torch.Tensor) and ``data_samples``
            (``SegDataSample``).

        Raises:
            ValueError: If a task's map does not have its H x W (x C) shape.
        """
        tasks = dense_tasks()
        # The parent packs ``gt_depth_map`` and ``gt_edge_map`` without a
        # dtype or shape check; the task types pack them below instead.
        own = {t.results_key for t in tasks}
        packed = super().transform(
            {k: v for k, v in results.items() if k not in own})
        data_sample = packed['data_samples']
        for task in tasks:
            if results.get(task.results_key) is None:
                continue
            data = task.pack(results[task.results_key])
            data_sample.set_data(
                {task.gt_field: PixelData(data=to_tensor(data))})
        return packed
