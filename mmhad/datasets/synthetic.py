"""The procedural synthetic scenes, read like NYUv2 (same MTAN layout)."""
from mmseg.registry import DATASETS

from .nyuv2 import NYUv2MultiTaskDataset
from .synthetic_scenes import SYNTHETIC_CLASSES, SYNTHETIC_PALETTE


@DATASETS.register_module()
class SyntheticScenesDataset(NYUv2MultiTaskDataset):
    """Scenes written by ``tools/dataset_converters/make_synthetic_scenes.py``.

    Same layout, dtypes and invalid-pixel conventions as
    :class:`NYUv2MultiTaskDataset`; only the classes differ (floor, wall,
    ceiling, box, sphere, cylinder).
    """

    METAINFO = dict(
        classes=SYNTHETIC_CLASSES,
        palette=[list(c) for c in SYNTHETIC_PALETTE])
