from .metrics import LOWER_IS_BETTER, TASK_KEYS, MultiTaskMetric
from .report import RESULTS_FILENAME
from .scorers import SCORERS, BaseScorer

__all__ = [
    'MultiTaskMetric', 'LOWER_IS_BETTER', 'TASK_KEYS', 'SCORERS',
    'BaseScorer', 'RESULTS_FILENAME'
]
