"""What evaluation reads from the task definitions: order and direction.

* :func:`ordered_tasks`: task names in :attr:`TaskType.position` order (the
  order of metric keys);
* :func:`is_lower_better`: the direction of a metric, from
  ``get_task(task).direction(metric)``; only the metric keys of tasks that
  are not registered (results files of other code bases) fall back to the
  metric names that were lower-is-better before the task definitions
  existed;
* :data:`TASK_DIRECTIONS`: a live collection of the lower-is-better metric
  names of every registered task, the default ``lower_is_better`` of the
  report functions (which then decide per key from the definitions).
"""
from typing import Collection, Iterable, Iterator, Optional, Tuple

from mmhad.registry import TASKS
from mmhad.tasks import LOWER, get_task, task_names

#: Lower-is-better metric names for tasks that have no registered type.
UNREGISTERED_LOWER_IS_BETTER = frozenset(
    {'abs_err', 'rel_err', 'mean_angle', 'median_angle'})


def ordered_tasks(names: Optional[Iterable[str]] = None) -> Tuple[str, ...]:
    """Registered task names (or the given ones) by position, then name."""
    names = task_names() if names is None else set(names)
    return tuple(sorted(names, key=lambda n: (get_task(n).position, n)))


def is_registered(task: str) -> bool:
    """Whether a task type of that name is registered."""
    return task in TASKS.module_dict


def is_lower_better(task: str, metric: str) -> bool:
    """Whether a lower value of ``{task}/{metric}`` is better.

    Args:
        task (str): Task name.
        metric (str): Metric name, with or without a region suffix
            (``abs_err@edge`` scores like ``abs_err``).

    Raises:
        KeyError: If the task is registered but has no such metric.
    """
    if is_registered(task):
        return get_task(task).direction(metric) == LOWER
    return metric.split('@')[0] in UNREGISTERED_LOWER_IS_BETTER


def lower_metric_names() -> Tuple[str, ...]:
    """Lower-is-better metric names of the registered tasks, by position,
    each once."""
    names = []
    for task in ordered_tasks():
        for name, measure in get_task(task).metrics.items():
            if measure.direction == LOWER and name not in names:
                names.append(name)
    return tuple(names)


class TaskDirections(Collection):
    """The directions the task definitions declare, as a collection.

    Iterating yields :func:`lower_metric_names` (read live, so task types
    registered later count); report functions given this collection decide
    each key with :func:`is_lower_better` instead of matching names.
    """

    def __iter__(self) -> Iterator[str]:
        return iter(lower_metric_names())

    def __len__(self) -> int:
        return len(lower_metric_names())

    def __contains__(self, name: object) -> bool:
        return name in lower_metric_names()

    def __repr__(self) -> str:
        return f'TaskDirections({list(self)})'


#: Default ``lower_is_better`` of the report functions.
TASK_DIRECTIONS = TaskDirections()


def split_key(key: str) -> Tuple[str, str]:
    """``(task, metric)`` of a metric key, with or without a prefix.

    The task is the first ``/``-separated part that names a registered
    task (``'val/depth/abs_err'`` -> ``('depth', 'abs_err')``); for keys of
    unregistered tasks, the part before the last slash.
    """
    parts = key.split('/')
    for i, part in enumerate(parts[:-1]):
        if is_registered(part):
            return part, '/'.join(parts[i + 1:])
    return (parts[-2] if len(parts) > 1 else ''), parts[-1]


def key_is_lower_better(key: str,
                        lower_is_better: Optional[Collection[str]] = None
                        ) -> bool:
    """Whether lower values of metric key ``'{task}/{name}'`` are better.

    Args:
        key (str): Metric key, optionally prefixed (``'val/depth/abs_err'``)
            when the task definitions decide.
        lower_is_better (Collection[str], optional): None or
            :data:`TASK_DIRECTIONS`: the task definitions decide
            (:func:`is_lower_better`). Otherwise the metric names (the part
            after the first slash, without a region suffix) or full keys
            where lower is better.
    """
    if lower_is_better is None or isinstance(lower_is_better,
                                             TaskDirections):
        return is_lower_better(*split_key(key))
    name = key.split('/', 1)[-1].split('@')[0]
    return name in lower_is_better or key in lower_is_better
