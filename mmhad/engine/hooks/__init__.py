"""Engine hooks. Every module of this package is imported, so a new method
hook is one file here that registers itself (``docs/adding_a_method.md``)."""
import importlib
import pkgutil

from .continual_hook import ContinualHook
from .dump_predictions_hook import DumpPredictionsHook
from .ewc_hook import EWCHook
from .student_mode_hook import StudentModeHook
from .sync_norm_hook import SyncNormStatsHook
from .teacher_hook import TeacherHook
from .visualization_hook import MultiTaskVisualizationHook



def _import_all_hooks() -> None:
    """Import every module of this package (each registers its hooks)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f'{__name__}.{info.name}')


_import_all_hooks()

__all__ = [
    'ContinualHook', 'DumpPredictionsHook', 'EWCHook',
    'MultiTaskVisualizationHook', 'StudentModeHook', 'SyncNormStatsHook',
    'TeacherHook'
]
