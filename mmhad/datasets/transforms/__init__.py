"""Data transforms for multi-task dense prediction (MTAN ``.npy`` data)."""
from .formatting import PackMultiTaskInputs
from .loading import LoadMultiTaskAnnotations, LoadMultiTaskImageFromNpy
from .transforms import RandomFlipMultiTask, RandomScaleCropMultiTask

__all__ = [
    'LoadMultiTaskImageFromNpy', 'LoadMultiTaskAnnotations',
    'RandomFlipMultiTask', 'RandomScaleCropMultiTask', 'PackMultiTaskInputs'
]
