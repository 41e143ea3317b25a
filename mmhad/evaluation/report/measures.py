"""Lifelong heterogeneous learning measures: forgetting, Δm, mean rank.

All are pure functions of validated results dicts (:mod:`.results_io`) over
their headline metrics; ``@region`` diagnostics are kept out, so the
measures stay comparable with runs that did not compute them.

Direction: ``lower_is_better`` defaults to :data:`DEFAULT_LOWER_IS_BETTER`,
which lets each task definition decide (``get_task(task).direction``; keys of
unregistered tasks fall back to the names ``abs_err``, ``rel_err``,
``mean_angle``, ``median_angle``). Any other collection is taken as the
metric *names* (the part after the slash) or full keys whose lower values are
better.
"""
import math
from typing import Collection, Dict, List, Mapping

from ..task_info import TASK_DIRECTIONS, key_is_lower_better
from .matrix import final_metrics, first_trained, metric_task, \
    phase_task_matrix
from .results_io import Results

#: Default ``lower_is_better``: the task definitions decide.
DEFAULT_LOWER_IS_BETTER: Collection[str] = TASK_DIRECTIONS
#: Δm conventions: the flat mean over all shared metrics (Maninis et al.,
#: 2019), or the mean over tasks of each task's mean over its metrics (every
#: task weighs the same however many metrics it has).
DELTA_M_FLAT = 'flat'
DELTA_M_TASK_MEAN = 'task_mean'
DELTA_M_CONVENTIONS = (DELTA_M_FLAT, DELTA_M_TASK_MEAN)


def is_lower_better(
        key: str,
        lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER) -> bool:
    """Whether lower values of metric ``key`` are better.

    Args:
        key: Metric key ``'{task}/{name}'``.
        lower_is_better: :data:`DEFAULT_LOWER_IS_BETTER` (the task
            definitions decide), or metric names (or full keys) where lower
            is better.
    """
    return key_is_lower_better(key, lower_is_better)


def _sign(key: str, lower_is_better: Collection[str]) -> float:
    """-1 where lower is better, +1 otherwise (positive = better)."""
    return -1.0 if is_lower_better(key, lower_is_better) else 1.0


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
        lower_is_better: Direction (see the module docstring).

    Returns:
        ``{metric_key: best value}`` in matrix column order.
    """
    matrix = phase_task_matrix(results)
    last = len(matrix.phases) - 1
    first = first_trained(results)
    best = {}
    for j, key in enumerate(matrix.columns):
        start = first.get(metric_task(key), 0)
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
        lower_is_better: Direction (see the module docstring).

    Returns:
        ``{metric_key: forgetting}``.
    """
    final = final_metrics(results)
    return {
        key: _sign(key, lower_is_better) * (best - final[key])
        for key, best in best_before_final(results, lower_is_better).items()
    }


def _mean_per_task(values: Mapping[str, float]) -> Dict[str, float]:
    """``{task: mean of its keys' values}``, tasks by first appearance."""
    per_task: Dict[str, List[float]] = {}
    for key, value in values.items():
        per_task.setdefault(metric_task(key), []).append(value)
    return {task: sum(v) / len(v) for task, v in per_task.items()}


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
        lower_is_better: Direction (see the module docstring).

    Returns:
        ``{task: mean relative forgetting in %}``.
    """
    best = best_before_final(results, lower_is_better)
    return _mean_per_task({
        key: value / abs(best[key]) * 100.0
        for key, value in forgetting(results, lower_is_better).items()
        if best[key] != 0
    })


def delta_m(results: Results,
            baseline_results: Results,
            lower_is_better: Collection[str] = DEFAULT_LOWER_IS_BETTER,
            convention: str = DELTA_M_FLAT) -> float:
    """Multi-task performance change Δ_m in % against a baseline.

    Each final metric ``k`` present in both runs contributes ``d_k = s_k *
    (M_k - M_b,k) / M_b,k * 100``, with ``s_k = -1`` if lower is better else
    ``+1``; positive means better than the baseline. The convention says how
    the ``d_k`` are averaged:

    * ``'flat'`` (default; Maninis et al., 2019): ``mean_k d_k`` over all
      metrics, so a task with more metrics weighs more;
    * ``'task_mean'``: the mean over tasks of ``mean_{k in task} d_k``.

    Args:
        results: The run.
        baseline_results: The baseline run (e.g. fine-tuning).
        lower_is_better: Direction (see the module docstring).
        convention: :data:`DELTA_M_FLAT` or :data:`DELTA_M_TASK_MEAN`.

    Returns:
        Δ_m in %.

    Raises:
        ValueError: If no final metric is shared, a baseline value is 0, or
            the convention is unknown.
    """
    if convention not in DELTA_M_CONVENTIONS:
        raise ValueError(f'delta_m: unknown convention {convention!r}, '
                         f'expected one of {DELTA_M_CONVENTIONS}')
    final, base = final_metrics(results), final_metrics(baseline_results)
    common = [k for k in final if k in base]
    if not common:
        raise ValueError(
            'delta_m: no final metric common to the run and the baseline '
            f'(run: {sorted(final)}, baseline: {sorted(base)})')
    terms = {}
    for key in common:
        if base[key] == 0:
            raise ValueError(f'delta_m: baseline value of "{key}" is 0, the '
                             'relative change is undefined')
        terms[key] = (_sign(key, lower_is_better) *
                      (final[key] - base[key]) / base[key] * 100.0)
    if convention == DELTA_M_TASK_MEAN:
        terms = _mean_per_task(terms)
    return sum(terms.values()) / len(terms)


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
        lower_is_better: Direction (see the module docstring).

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
        sign = -_sign(key, lower_is_better)
        scores = {name: sign * f[key] for name, f in finals.items()}
        for name, rank in _average_ranks(scores).items():
            ranks[name].append(rank)
    return {name: sum(r) / len(r) for name, r in ranks.items()}
