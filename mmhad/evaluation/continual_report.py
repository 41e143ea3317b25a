"""Reports for lifelong heterogeneous learning (LHL) runs.

The continual train loop writes ``continual_results.json`` into each run's work
dir::

    {"task_order": ["semantic", "depth", "normal"],
     "method": "had",                                  # optional label
     "phases": [{"phase": 0, "task": "semantic",
                 "metrics": {"semantic/mIoU": 40.1, ...}}, ...]}

Metric keys are ``{task}/{name}``; a name ``{metric}@{region}`` (e.g.
``semantic/mIoU@rare``) is a diagnostic restricted to some pixels or classes
(see :class:`MultiTaskMetric`). Diagnostics are shown in their own table and
kept out of Δm, forgetting and ranks, so those stay comparable with runs that
did not compute them. After each phase the model is evaluated on
every task learned so far, so a phase's ``metrics`` hold the metrics of those
tasks only. A joint (multi-task) run writes the same file with one phase.

Everything below is a pure function of the loaded dict(s), except
:func:`load_results`, which reads the file. The direction of a metric is
decided by ``lower_is_better``: a collection of metric *names* (the part after
the slash) or full keys whose lower values are better.
"""
import json
import math
import os
from dataclasses import dataclass
from typing import (Any, Collection, Dict, List, Mapping, Optional, Sequence,
                    Union)

RESULTS_FILENAME = 'continual_results.json'

# ``LOWER_IS_BETTER`` of ``mmhad.evaluation.metrics.multi_task_metric`` is the
# authoritative set; this literal only mirrors it for when that module is not
# importable.
_FALLBACK_LOWER_IS_BETTER = frozenset(
    {'abs_err', 'rel_err', 'mean_angle', 'median_angle'})
try:
    from mmhad.evaluation.metrics.multi_task_metric import \
        LOWER_IS_BETTER as _METRIC_LOWER_IS_BETTER
except ImportError:
    _METRIC_LOWER_IS_BETTER = _FALLBACK_LOWER_IS_BETTER
DEFAULT_LOWER_IS_BETTER = frozenset(_METRIC_LOWER_IS_BETTER)

Results = Dict[str, Any]
NAN = float('nan')


class ResultsSchemaError(ValueError):
    """A results dict or file does not follow the continual_results schema."""


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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_missing(value: Any) -> bool:
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
            if not (_is_number(value) or value is None):
                fail(f'{where}: metric "{key}" must be a number or null, '
                     f'got {value!r}')
    return results


def load_results(path_or_dir: Union[str, os.PathLike]) -> Results:
    """Loads and validates a run's ``continual_results.json``.

    Args:
        path_or_dir: The JSON file, or a work dir containing
            ``continual_results.json``.

    Returns:
        The validated results dict.

    Raises:
        FileNotFoundError: If the file does not exist.
        ResultsSchemaError: If it is not JSON or does not follow the schema.
    """
    path = os.fspath(path_or_dir)
    if os.path.isdir(path):
        path = os.path.join(path, RESULTS_FILENAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'results file not found: {path}')
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ResultsSchemaError(f'{path}: invalid JSON ({e})') from e
    return validate_results(data, source=path)


def is_region_metric(key: str) -> bool:
    """Whether ``key`` is a ``{task}/{metric}@{region}`` diagnostic."""
    return '@' in key.split('/', 1)[-1]


def metric_task(key: str) -> str:
    """Returns the task of metric key ``'{task}/{name}'``."""
    return key.split('/', 1)[0]


def is_lower_better(key: str, lower_is_better: Collection[str]) -> bool:
    """Whether lower values of metric ``key`` are better.

    Args:
        key: Metric key ``'{task}/{name}'``.
        lower_is_better: Metric names (or full keys) where lower is better.
    """
    name = key.split('/', 1)[-1].split('@')[0]
    return name in lower_is_better or key in lower_is_better


def _phase_tasks(phase: Mapping[str, Any]) -> List[str]:
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
        NAN if _is_missing(p['metrics'].get(key)) else float(p['metrics'][key])
        for key in columns
    ] for p in phases]
    return PhaseMatrix(
        phases=[p['phase'] for p in phases],
        tasks=['+'.join(_phase_tasks(p)) for p in phases],
        columns=columns,
        values=values)


def final_metrics(results: Results,
                  regions: bool = False) -> Dict[str, float]:
    """Returns the measured headline (or, with ``regions``, ``@region``)
    metrics of the last phase."""
    return {
        k: float(v)
        for k, v in results['phases'][-1]['metrics'].items()
        if not _is_missing(v) and is_region_metric(k) == regions
    }


def best_before_final(
        results: Results,
        lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER
) -> Dict[str, float]:
    """Best value of each metric over the phases before the last.

    Only phases at or after the first phase that trained the metric's task
    count (a task never named in any phase's ``task`` counts from phase 0).
    Metrics without such a value or without a final value are omitted, so
    tasks learned only in the final phase do not appear.

    Args:
        results: A validated results dict.
        lower_is_better: Metric names (or keys) where lower is better.

    Returns:
        ``{metric_key: best value}`` in matrix column order.
    """
    matrix = phase_task_matrix(results)
    last = len(matrix.phases) - 1
    first_trained: Dict[str, int] = {}
    for i, phase in enumerate(results['phases']):
        for task in _phase_tasks(phase):
            first_trained.setdefault(task, i)
    best = {}
    for j, key in enumerate(matrix.columns):
        start = first_trained.get(metric_task(key), 0)
        history = [matrix.values[i][j] for i in range(start, last)]
        history = [v for v in history if not math.isnan(v)]
        if history and not math.isnan(matrix.values[last][j]):
            pick = min if is_lower_better(key, lower_is_better) else max
            best[key] = pick(history)
    return best


def forgetting(
        results: Results,
        lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER
) -> Dict[str, float]:
    """Forgetting of each metric learned before the final phase.

    Forgetting is the best value before the last phase (see
    :func:`best_before_final`) against the final value, signed so that
    positive means worse: ``best - final`` if higher is better, ``final -
    best`` if lower is better. Negative values mean the metric improved.

    Args:
        results: A validated results dict.
        lower_is_better: Metric names (or keys) where lower is better.

    Returns:
        ``{metric_key: forgetting}``.
    """
    final = final_metrics(results)
    out = {}
    for key, best in best_before_final(results, lower_is_better).items():
        sign = -1.0 if is_lower_better(key, lower_is_better) else 1.0
        out[key] = sign * (best - final[key])
    return out


def average_forgetting(
        results: Results,
        lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER
) -> Dict[str, float]:
    """Relative forgetting per task, in %.

    For each task, the mean over its metrics of ``forgetting / |best| * 100``
    (positive = worse). Metrics whose best value is 0 have no relative change
    and are skipped; a task left with no metric is omitted.

    Args:
        results: A validated results dict.
        lower_is_better: Metric names (or keys) where lower is better.

    Returns:
        ``{task: mean relative forgetting in %}``.
    """
    best = best_before_final(results, lower_is_better)
    per_task: Dict[str, List[float]] = {}
    for key, value in forgetting(results, lower_is_better).items():
        if best[key] != 0:
            per_task.setdefault(metric_task(key), []).append(
                value / abs(best[key]) * 100.0)
    return {task: sum(v) / len(v) for task, v in per_task.items()}


def delta_m(results: Results,
            baseline_results: Results,
            lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER
            ) -> float:
    """Multi-task performance change Δ_m in % against a baseline.

    ``Δ_m = mean_k s_k * (M_k - M_b,k) / M_b,k * 100`` over the final metrics
    ``k`` present in both runs, with ``s_k = -1`` if lower is better else
    ``+1`` (Maninis et al., 2019). Positive means better than the baseline.

    Args:
        results: The run.
        baseline_results: The baseline run (e.g. fine-tuning).
        lower_is_better: Metric names (or keys) where lower is better.

    Returns:
        Δ_m in %.

    Raises:
        ValueError: If no final metric is shared, or a baseline value is 0.
    """
    final, base = final_metrics(results), final_metrics(baseline_results)
    common = [k for k in final if k in base]
    if not common:
        raise ValueError(
            'delta_m: no final metric common to the run and the baseline '
            f'(run: {sorted(final)}, baseline: {sorted(base)})')
    terms = []
    for key in common:
        if base[key] == 0:
            raise ValueError(f'delta_m: baseline value of "{key}" is 0, the '
                             'relative change is undefined')
        sign = -1.0 if is_lower_better(key, lower_is_better) else 1.0
        terms.append(sign * (final[key] - base[key]) / base[key] * 100.0)
    return sum(terms) / len(terms)


def shared_final_metrics(runs: Mapping[str, Results]) -> List[str]:
    """Final metric keys measured by every run, in the first run's order."""
    finals = [final_metrics(r) for r in runs.values()]
    if not finals:
        return []
    return [k for k in finals[0] if all(k in f for f in finals[1:])]


def _average_ranks(scores: Mapping[str, float]) -> Dict[str, float]:
    """Ranks ascending scores from 1; ties get the mean of their ranks."""
    values = list(scores.values())
    return {
        name: 1 + sum(v < s for v in values) + (sum(v == s
                                                    for v in values) - 1) / 2
        for name, s in scores.items()
    }


def mean_rank(runs: Mapping[str, Results],
              lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER
              ) -> Dict[str, float]:
    """Mean rank of each run over the final metrics shared by all runs.

    For each metric the runs are ranked (1 = best, ties get the average
    rank); the ranks are then averaged over metrics.

    Args:
        runs: ``{run name: results}``.
        lower_is_better: Metric names (or keys) where lower is better.

    Returns:
        ``{run name: mean rank}``.

    Raises:
        ValueError: If there is no run or no final metric shared by all.
    """
    metrics = shared_final_metrics(runs)
    if not metrics:
        raise ValueError('mean_rank: no final metric shared by all runs '
                         f'({sorted(runs)})')
    finals = {name: final_metrics(r) for name, r in runs.items()}
    ranks: Dict[str, List[float]] = {name: [] for name in runs}
    for key in metrics:
        sign = 1.0 if is_lower_better(key, lower_is_better) else -1.0
        scores = {name: sign * f[key] for name, f in finals.items()}
        for name, rank in _average_ranks(scores).items():
            ranks[name].append(rank)
    return {name: sum(r) / len(r) for name, r in ranks.items()}


def _json_float(value: float) -> Optional[float]:
    return None if math.isnan(value) else value


def build_summary(runs: Mapping[str, Results],
                  lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER,
                  baseline: Optional[Results] = None,
                  baseline_name: str = 'baseline',
                  sources: Optional[Mapping[str, str]] = None
                  ) -> Dict[str, Any]:
    """Builds the JSON-serialisable report of several runs.

    Args:
        runs: ``{run name: results}``, in display order.
        lower_is_better: Metric names (or keys) where lower is better.
        baseline: Results of the Δ_m baseline, if any.
        baseline_name: Display name of the baseline.
        sources: ``{run or baseline name: path}`` recorded as ``source``.

    Returns:
        The summary dict (NaN written as ``None``); see
        ``tools/analysis_tools/lhl_report.py`` for its schema.
    """
    sources = sources or {}
    out_runs = {}
    for name, results in runs.items():
        matrix = phase_task_matrix(results)
        out_runs[name] = {
            'source': sources.get(name),
            'method': results.get('method'),
            'task_order': list(results['task_order']),
            'matrix': {
                'phases': matrix.phases,
                'tasks': matrix.tasks,
                'columns': matrix.columns,
                'values': [[_json_float(v) for v in row]
                           for row in matrix.values],
            },
            'final': final_metrics(results),
            'final_regions': final_metrics(results, regions=True),
            'best_before_final': best_before_final(results, lower_is_better),
            'forgetting': forgetting(results, lower_is_better),
            'avg_forgetting_pct': average_forgetting(results,
                                                     lower_is_better),
            'delta_m_pct': (None if baseline is None else delta_m(
                results, baseline, lower_is_better)),
        }
    ranking = None
    if len(runs) >= 2:
        ranking = {
            'metrics': shared_final_metrics(runs),
            'ranks': mean_rank(runs, lower_is_better),
        }
    return {
        'lower_is_better': sorted(lower_is_better),
        'runs': out_runs,
        'baseline': None if baseline is None else {
            'name': baseline_name,
            'source': sources.get(baseline_name),
            'final': final_metrics(baseline),
        },
        'mean_rank': ranking,
    }


def _fmt(value: Optional[float], signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return '-'
    text = f'{value:+.4f}' if signed else f'{value:.4f}'
    return text.rstrip('0').rstrip('.')


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    return lines + ['| ' + ' | '.join(row) + ' |' for row in rows]


def render_markdown(summary: Mapping[str, Any]) -> str:
    """Renders a :func:`build_summary` dict as markdown.

    Args:
        summary: The summary dict.

    Returns:
        Markdown text: per run the phase × metric matrix, the forgetting
        table and relative forgetting per task; then Δ_m against the
        baseline and the mean rank, when present.
    """
    lines = ['# Lifelong heterogeneous learning report', '']
    for name, run in summary['runs'].items():
        m = run['matrix']
        lines += [f'## {name}', '',
                  f'method: {run["method"] or "-"}; task order: '
                  f'{" -> ".join(run["task_order"])}; source: '
                  f'{run["source"] or "-"}', '', '### Phase x metric', '']
        lines += _table(['phase', 'task'] + m['columns'],
                        [[str(p), t] + [_fmt(v) for v in row] for p, t, row
                         in zip(m['phases'], m['tasks'], m['values'])])
        lines += ['', '### Forgetting (positive = worse)', '']
        if run['forgetting']:
            lines += _table(
                ['metric', 'best before final', 'final', 'forgetting'],
                [[k, _fmt(run['best_before_final'][k]),
                  _fmt(run['final'][k]), _fmt(v, signed=True)]
                 for k, v in run['forgetting'].items()])
            lines += [''] + [
                f'- {task}: average relative forgetting '
                f'{_fmt(v, signed=True)} %'
                for task, v in run['avg_forgetting_pct'].items()]
        else:
            lines.append('No task learned before the final phase.')
        if run.get('final_regions'):
            lines += ['', '### Where HAD acts (final, @region diagnostics)',
                      '']
            lines += _table(['metric', 'final'],
                            [[k, _fmt(v)]
                             for k, v in run['final_regions'].items()])
        lines.append('')
    if summary['baseline'] is not None:
        lines += [f'## Delta_m vs {summary["baseline"]["name"]} (%, '
                  'positive = better)', '']
        lines += _table(['run', 'Delta_m (%)'],
                        [[n, _fmt(r['delta_m_pct'], signed=True)]
                         for n, r in summary['runs'].items()])
        lines.append('')
    if summary['mean_rank'] is not None:
        ranking = summary['mean_rank']
        lines += [f'## Mean rank over {len(ranking["metrics"])} final '
                  'metrics (1 = best)', '']
        lines += _table(['run', 'mean rank'],
                        [[n, _fmt(r)] for n, r in ranking['ranks'].items()])
        lines.append('')
    return '\n'.join(lines)
