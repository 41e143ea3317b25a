"""NYUv2 in MTAN's ``.npy`` layout: 13-class segmentation, depth, normals."""
from mmseg.registry import DATASETS

from .mtan_npy import MTANNpyDataset


@DATASETS.register_module()
class NYUv2MultiTaskDataset(MTANNpyDataset):
    """NYUv2 (MTAN pre-processing, 288x384) for multi-task dense prediction.

    Layout (see ``docs/data_contract.md``)::

        {split}/image/{i}.npy    H x W x 3 float32, RGB in [0, 1]
        {split}/label/{i}.npy    H x W float32, 0..12, -1 = ignored
        {split}/depth/{i}.npy    H x W x 1 float32, metres, 0 = invalid
        {split}/normal/{i}.npy   H x W x 3 float32, unit vectors, 0 = invalid

    under ``data_root``.

    The 13 classes are MTAN's NYUv2 13-class set. Every argument is
    documented in :class:`~mmhad.datasets.mtan_npy.MTANNpyDataset`.

    Examples:
        >>> # phase 2 of a continual run: depth labels of samples 200..399
        >>> dataset = NYUv2MultiTaskDataset(
        ...     data_root='data/nyuv2', split='train', tasks=('depth', ),
        ...     indices=list(range(200, 400)))
    """

    METAINFO = dict(
        classes=('bed', 'books', 'ceiling', 'chair', 'floor', 'furniture',
                 'objects', 'painting', 'sofa', 'table', 'tv', 'wall',
                 'window'),
        palette=[[0, 0, 255], [232, 88, 47], [0, 217, 0], [148, 0, 240],
                 [222, 241, 23], [255, 205, 205], [0, 223, 228],
                 [106, 135, 204], [116, 28, 41], [240, 35, 235], [0, 166, 156],
                 [249, 139, 0], [225, 228, 194]])
    # TASK_TYPES and DEPTH_IS_INVERSE: the NYUv2-style defaults of
    # MTANNpyDataset (semantic/depth/normal, metric depth); each task's
    # folder is its type's (label/depth/normal).
