from .continual_hook import ContinualHook
from .dump_predictions_hook import DumpPredictionsHook
from .ewc_hook import EWCHook
from .student_mode_hook import StudentModeHook
from .sync_norm_hook import SyncNormStatsHook
from .teacher_hook import TeacherHook
from .visualization_hook import MultiTaskVisualizationHook

__all__ = [
    'ContinualHook', 'DumpPredictionsHook', 'EWCHook',
    'MultiTaskVisualizationHook', 'StudentModeHook', 'SyncNormStatsHook',
    'TeacherHook'
]
