"""Datasets and transforms for multi-task dense prediction."""
from .cityscapes import CityscapesMultiTaskDataset
from .mtan_npy import MTANNpyDataset
from .nyuv2 import NYUv2MultiTaskDataset
from .synthetic import SyntheticScenesDataset
from .taskonomy import TaskonomyMultiTaskDataset
from .transforms import (LoadMultiTaskAnnotations, LoadMultiTaskImageFromNpy,
                         PackMultiTaskInputs, RandomFlipMultiTask,
                         RandomScaleCropMultiTask)

__all__ = [
    'MTANNpyDataset', 'NYUv2MultiTaskDataset', 'CityscapesMultiTaskDataset',
    'SyntheticScenesDataset', 'TaskonomyMultiTaskDataset',
    'LoadMultiTaskImageFromNpy', 'LoadMultiTaskAnnotations',
    'RandomFlipMultiTask', 'RandomScaleCropMultiTask', 'PackMultiTaskInputs'
]
