from .multi_task_metric import LOWER_IS_BETTER, TASK_KEYS, MultiTaskMetric

__all__ = ['MultiTaskMetric', 'LOWER_IS_BETTER', 'TASK_KEYS']
