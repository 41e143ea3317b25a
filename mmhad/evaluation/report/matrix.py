"""The phases x metrics table of a continual run and its final metrics."""
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping

from .results_io import Results, is_missing

NAN = float('nan')


@dataclass(frozen=True)
class PhaseMatrix:
    """Phases × metrics table of one run.

    Attributes:
        phases: Phase number of each row.
        tasks: Task trained in each row's phase (``'+'``-joined if several).
        columns: Metric keys, grouped by task in ``task_order`` (tasks not in
            it follow, by first appearance), then by first appearance.
        values: ``values[row][col]``; NaN where the metric was not measured
            (its task not learned yet).
    """
    phases: List[int]
    tasks: List[str]
    columns: List[str]
    values: List[List[float]]

    def cell(self, phase: int, key: str) -> float:
        """Returns the value of metric ``key`` after phase number ``phase``."""
        return self.values[self.phases.index(phase)][self.columns.index(key)]


def is_region_metric(key: str) -> bool:
    """Whether ``key`` is a ``{task}/{metric}@{region}`` diagnostic."""
    return '@' in key.split('/', 1)[-1]


def metric_task(key: str) -> str:
    """Returns the task of metric key ``'{task}/{name}'``."""
    return key.split('/', 1)[0]


def phase_tasks(phase: Mapping[str, Any]) -> List[str]:
    """The task(s) trained in one phase of a results dict."""
    task = phase['task']
    return [task] if isinstance(task, str) else list(task)


def phase_task_matrix(results: Results, regions: bool = False) -> PhaseMatrix:
    """Builds the phases × metrics matrix of one run.

    Args:
        results: A validated results dict.
        regions: Build it of the ``@region`` diagnostics instead of the
            headline metrics.

    Returns:
        The :class:`PhaseMatrix`, NaN where a metric was not measured.
    """
    phases = results['phases']
    seen: Dict[str, List[str]] = {}
    for phase in phases:
        for key in phase['metrics']:
            if is_region_metric(key) != regions:
                continue
            keys = seen.setdefault(metric_task(key), [])
            if key not in keys:
                keys.append(key)
    order = [t for t in results['task_order'] if t in seen]
    order += [t for t in seen if t not in order]
    columns = [key for task in order for key in seen[task]]
    values = [[
        NAN if is_missing(p['metrics'].get(key)) else float(p['metrics'][key])
        for key in columns
    ] for p in phases]
    return PhaseMatrix(
        phases=[p['phase'] for p in phases],
        tasks=['+'.join(phase_tasks(p)) for p in phases],
        columns=columns,
        values=values)


def final_metrics(results: Results,
                  regions: bool = False) -> Dict[str, float]:
    """Returns the measured headline (or, with ``regions``, ``@region``)
    metrics of the last phase."""
    return {
        k: float(v)
        for k, v in results['phases'][-1]['metrics'].items()
        if not is_missing(v) and is_region_metric(k) == regions
    }


def first_trained(results: Results) -> Dict[str, int]:
    """Index of the first phase that trained each task."""
    first: Dict[str, int] = {}
    for i, phase in enumerate(results['phases']):
        for task in phase_tasks(phase):
            first.setdefault(task, i)
    return first

