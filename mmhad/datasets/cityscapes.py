"""Cityscapes in MTAN's ``.npy`` layout: 7/19-class segmentation, disparity."""
from typing import Callable, Dict, Optional, Sequence, Union

from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .mtan_npy import MTANNpyDataset

#: MTAN's 7-class set (the Cityscapes categories without ``void``).
CITYSCAPES_7_METAINFO = dict(
    classes=('flat', 'construction', 'object', 'nature', 'sky', 'human',
             'vehicle'),
    palette=[[128, 64, 128], [70, 70, 70], [153, 153, 153], [107, 142, 35],
             [70, 130, 180], [220, 20, 60], [0, 0, 142]])
#: The 19 standard Cityscapes training classes (mmseg's own metainfo).
CITYSCAPES_19_METAINFO = CityscapesDataset.METAINFO


@DATASETS.register_module()
class CityscapesMultiTaskDataset(MTANNpyDataset):
    """Cityscapes (MTAN pre-processing, 128x256) for multi-task prediction.

    Layout (see ``docs/data_contract.md``)::

        {data_root}/{split}/image/{i}.npy      H x W x 3 float32, RGB in [0, 1]
        {data_root}/{split}/label_7/{i}.npy    H x W float32, 0..6, -1 ignored
        {data_root}/{split}/label_19/{i}.npy   H x W float32, 0..18, -1 ignored
        {data_root}/{split}/depth/{i}.npy      H x W x 1 float32, inverse depth
                                               (disparity, ~0-0.49), 0 invalid

    Because ``depth`` is disparity, the data infos carry
    ``depth_is_inverse=True`` so that ``RandomScaleCropMultiTask``
    multiplies it by the zoom factor instead of dividing.

    Args:
        data_root (str): Dataset root that holds the ``{split}`` folders.
        split (str): Sub-folder to read, usually ``'train'`` or ``'val'``.
            Defaults to ``'train'``.
        num_classes (int): 7 (``label_7``, MTAN's category set) or 19
            (``label_19``, the standard training classes). Chooses both the
            label folder and the default ``classes``/``palette``.
            Defaults to 7.
        tasks (str | Sequence[str], optional): Subset of
            ``('semantic', 'depth')``. Defaults to None (both).
        metainfo (dict, optional): Overrides the chosen class set's
            metainfo. Class-subset remapping (``label_map``) is not available
            here because the class set is chosen per instance.
            Defaults to None.
        indices, serialize_data, pipeline, test_mode, lazy_init,
            max_refetch, backend_args: As in
            :class:`~mmhad.datasets.mtan_npy.MTANNpyDataset`.

    Raises:
        ValueError: If ``num_classes`` is not 7 or 19, or ``tasks`` names an
            unsupported task.
    """

    METAINFO: dict = dict()  # chosen per instance from ``num_classes``
    CLASS_SETS: Dict[int, dict] = {
        7: CITYSCAPES_7_METAINFO,
        19: CITYSCAPES_19_METAINFO,
    }
    TASK_TYPES = ('semantic', 'depth')
    DEPTH_IS_INVERSE = True

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 num_classes: int = 7,
                 tasks: Optional[Union[str, Sequence[str]]] = None,
                 metainfo: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 backend_args: Optional[dict] = None) -> None:
        if num_classes not in self.CLASS_SETS:
            raise ValueError(
                f'{type(self).__name__}: num_classes must be one of '
                f'{sorted(self.CLASS_SETS)}, got {num_classes!r}')
        self.num_classes = num_classes
        chosen = dict(
            classes=tuple(self.CLASS_SETS[num_classes]['classes']),
            palette=[list(c) for c in self.CLASS_SETS[num_classes]['palette']])
        chosen.update(metainfo or {})
        super().__init__(
            data_root=data_root,
            split=split,
            tasks=tasks,
            metainfo=chosen,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch,
            backend_args=backend_args)

    def task_folders(self) -> Dict[str, str]:
        """Folder of each task: ``label_{num_classes}`` for the labels, the
        task type's (``depth``) otherwise."""
        return dict(
            super().task_folders(), semantic=f'label_{self.num_classes}')

    @property
    def num_disk_classes(self) -> int:
        """Number of class ids in the chosen label folder (7 or 19)."""
        return self.num_classes
