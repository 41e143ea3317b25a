"""The procedural synthetic scenes, read like NYUv2 (same MTAN layout)."""
from typing import Dict, Tuple

from mmseg.registry import DATASETS

from .nyuv2 import NYUv2MultiTaskDataset
from .synthetic_scenes import (GENERATOR_VERSION, SYNTHETIC_CLASSES,
                               SYNTHETIC_PALETTE, TASK_FOLDERS)


@DATASETS.register_module()
class SyntheticScenesDataset(NYUv2MultiTaskDataset):
    """Scenes written by ``tools/dataset_converters/make_synthetic_scenes.py``.

    Same layout, dtypes and invalid-pixel conventions as
    :class:`NYUv2MultiTaskDataset`; the classes differ (floor, wall,
    ceiling, box, sphere, cylinder) and more dense tasks are available: every
    task of the generator's ``TASK_FOLDERS``
    (:mod:`mmhad.datasets.synthetic_scenes`), each in its own
    ``{split}/{folder}/{i}.npy`` (shapes and values:
    ``docs/data_contract.md``).

    ``tasks=None`` loads the classic three (:attr:`DEFAULT_TASKS`: semantic,
    depth, normal), so data written before generator 1.1.0 (without the
    newer folders) and every 3-task config keep working; configs with more
    tasks list ``tasks`` explicitly.

    Examples:
        >>> dataset = SyntheticScenesDataset(
        ...     data_root='data/synthetic_scenes', split='val',
        ...     tasks=SyntheticScenesDataset.TASK_TYPES)
    """

    METAINFO = dict(
        classes=SYNTHETIC_CLASSES,
        palette=[list(c) for c in SYNTHETIC_PALETTE])
    TASK_TYPES: Tuple[str, ...] = tuple(TASK_FOLDERS)
    TASK_FOLDERS: Dict[str, str] = dict(TASK_FOLDERS)
    DEFAULT_TASKS: Tuple[str, ...] = ('semantic', 'depth', 'normal')

    def _missing_folder_hint(self) -> str:
        extra = set(self.tasks) - set(self.DEFAULT_TASKS)
        if not extra:
            return ''
        return (f'; tasks {sorted(extra)} need data written by generator '
                f'>= 1.1.0 (this is {GENERATOR_VERSION}): rerun `make data` '
                'or tools/dataset_converters/make_synthetic_scenes.py')
