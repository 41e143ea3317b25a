"""Taskonomy in mmhad's MTAN ``.npy`` layout: pseudo-semantic segmentation,
z-buffer depth, surface normals and occlusion edges."""
from typing import Tuple

from mmseg.datasets import COCOStuffDataset
from mmseg.registry import DATASETS

from .mtan_npy import MTANNpyDataset

#: ``segment_semantic`` ids 0..17 as the release stores them (StanfordVL/
#: taskonomy ``data/README.md``): 0 ``uncertain`` (the converter's default
#: ``--ignore-ids 0`` writes it as -1), 1 ``background``, 2..17 the 16 MS COCO
#: classes of ``taskbank/assets/web_assets/pseudosemantics/
#: coco_selected_classes.txt``, in that file's order.
TASKONOMY_CLASSES: Tuple[str, ...] = (
    'uncertain', 'background', 'bottle', 'chair', 'couch', 'potted plant',
    'bed', 'dining table', 'toilet', 'tv', 'microwave', 'oven', 'toaster',
    'sink', 'refrigerator', 'book', 'clock', 'vase')

_COCO_COLOURS = dict(zip(COCOStuffDataset.METAINFO['classes'],
                         COCOStuffDataset.METAINFO['palette']))
#: Black ``uncertain``, grey ``background``, mmseg's COCO colour otherwise.
TASKONOMY_PALETTE = [[0, 0, 0], [128, 128, 128]] + [
    list(_COCO_COLOURS[name]) for name in TASKONOMY_CLASSES[2:]]


@DATASETS.register_module()
class TaskonomyMultiTaskDataset(MTANNpyDataset):
    """Taskonomy views converted by ``tools/dataset_converters/taskonomy.py``.

    Layout (the converter's docstring gives the decoding of each domain)::

        {split}/image/{i}.npy    H x W x 3 float32, RGB in [0, 1]
        {split}/label/{i}.npy    H x W float32, class ids 0..17 (see
                                 :data:`TASKONOMY_CLASSES`), -1 = ignored
                                 (``uncertain`` by default)
        {split}/depth/{i}.npy    H x W x 1 float32, z-buffer depth in metres,
                                 0 = invalid (no surface)
        {split}/normal/{i}.npy   H x W x 3 float32, unit vectors, 0 = invalid
        {split}/edge/{i}.npy     H x W float32, occlusion edge 1, other 0

    under ``data_root``. The labels are Taskonomy's own pseudo labels
    (distilled from FCIS), not human annotations.

    ``tasks=None`` reads all four; the converter writes only the domains of
    its ``--tasks``, so a tree converted with fewer needs ``tasks=`` the
    converted ones. Every argument is documented in
    :class:`~mmhad.datasets.mtan_npy.MTANNpyDataset`.

    Examples:
        >>> # a depth -> edge sequence: phase 2 reads the edges only
        >>> dataset = TaskonomyMultiTaskDataset(
        ...     data_root='data/taskonomy', split='train', tasks=('edge', ))
    """

    METAINFO = dict(classes=TASKONOMY_CLASSES, palette=TASKONOMY_PALETTE)
    TASK_TYPES: Tuple[str, ...] = ('semantic', 'depth', 'normal', 'edge')
    DEPTH_IS_INVERSE = False  # depth_zbuffer: metres along the optical axis
    # TASK_FOLDERS: none; each task's folder is its type's
    # (label/depth/normal/edge), which is where the converter writes it.

    def _missing_folder_hint(self) -> str:
        return ('; tools/dataset_converters/taskonomy.py writes only the '
                'domains given to --tasks: convert the missing one or leave '
                'its task out of `tasks`')
