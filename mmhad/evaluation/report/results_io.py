"""The results file of a continual run: its name, schema, reading.

The continual train loop writes :data:`RESULTS_FILENAME` into each run's
work dir::

    {"task_order": ["semantic", "depth", "normal"],
     "method": "had",                                  # optional label
     "phases": [{"phase": 0, "task": "semantic",
                 "metrics": {"semantic/mIoU": 40.1, ...}}, ...]}

Metric keys are ``{task}/{name}``; a name ``{metric}@{region}`` (e.g.
``semantic/mIoU@rare``) is a diagnostic restricted to some pixels or classes
(see :class:`MultiTaskMetric`). After each phase the model is evaluated on
every task learned so far, so a phase's ``metrics`` hold the metrics of those
tasks only. A joint (multi-task) run writes the same file with one phase.
This module is the one place that knows the file name.
"""
import json
import math
import os
from typing import Any, Dict, Union

#: Name of the results file in a run's work dir.
RESULTS_FILENAME = 'continual_results.json'

Results = Dict[str, Any]


class ResultsSchemaError(ValueError):
    """A results dict or file does not follow the continual_results schema."""


def results_path(work_dir: Union[str, os.PathLike]) -> str:
    """The results file of the run in ``work_dir``."""
    return os.path.join(os.fspath(work_dir), RESULTS_FILENAME)


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_missing(value: Any) -> bool:
    """Whether a metric value is absent (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def validate_results(results: Any, source: str = '<results>') -> Results:
    """Checks ``results`` against the continual_results schema.

    Args:
        results: The decoded JSON.
        source: Name used in error messages (normally the file path).

    Returns:
        ``results`` unchanged.

    Raises:
        ResultsSchemaError: Naming ``source`` and the offending key.
    """

    def fail(msg: str) -> None:
        raise ResultsSchemaError(f'{source}: {msg}')

    if not isinstance(results, dict):
        fail(f'top level must be an object, got {type(results).__name__}')
    for key in ('task_order', 'phases'):
        if key not in results:
            fail(f'missing key "{key}"')
    order = results['task_order']
    if not isinstance(order, list) or not all(
            isinstance(t, str) for t in order):
        fail('"task_order" must be a list of task names')
    phases = results['phases']
    if not isinstance(phases, list) or not phases:
        fail('"phases" must be a non-empty list')
    previous = None
    for i, phase in enumerate(phases):
        where = f'phases[{i}]'
        if not isinstance(phase, dict):
            fail(f'{where} must be an object')
        for key in ('phase', 'task', 'metrics'):
            if key not in phase:
                fail(f'{where}: missing key "{key}"')
        number, task, metrics = phase['phase'], phase['task'], phase['metrics']
        if not isinstance(number, int) or isinstance(number, bool):
            fail(f'{where}: "phase" must be an integer, got {number!r}')
        if previous is not None and number <= previous:
            fail(f'{where}: phase numbers must increase, got {number} '
                 f'after {previous}')
        previous = number
        if not (isinstance(task, str) or
                (isinstance(task, list) and task
                 and all(isinstance(t, str) for t in task))):
            fail(f'{where}: "task" must be a task name or a list of them')
        if not isinstance(metrics, dict):
            fail(f'{where}: "metrics" must be an object')
        for key, value in metrics.items():
            if '/' not in key:
                fail(f'{where}: metric key "{key}" is not "{{task}}/{{name}}"')
            if not (is_number(value) or value is None):
                fail(f'{where}: metric "{key}" must be a number or null, '
                     f'got {value!r}')
    return results


def load_results(path_or_dir: Union[str, os.PathLike]) -> Results:
    """Loads and validates a run's results file.

    Args:
        path_or_dir: The JSON file, or a work dir containing
            :data:`RESULTS_FILENAME`.

    Returns:
        The validated results dict.

    Raises:
        FileNotFoundError: If the file does not exist.
        ResultsSchemaError: If it is not JSON or does not follow the schema.
    """
    path = os.fspath(path_or_dir)
    if os.path.isdir(path):
        path = results_path(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'results file not found: {path}')
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ResultsSchemaError(f'{path}: invalid JSON ({e})') from e
    return validate_results(data, source=path)
