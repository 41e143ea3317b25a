"""The JSON-serialisable report of several continual runs."""
import math
from typing import Any, Collection, Dict, Mapping, Optional

from .matrix import final_metrics, phase_task_matrix
from .measures import (DEFAULT_LOWER_IS_BETTER, average_forgetting,
                       best_before_final, delta_m, forgetting, mean_rank,
                       shared_final_metrics)
from .results_io import Results


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
        lower_is_better: Direction (:mod:`.measures`); the summary records
            the lower-is-better metric names.
        baseline: Results of the Δ_m baseline, if any.
        baseline_name: Display name of the baseline.
        sources: ``{run or baseline name: path}`` recorded as ``source``.

    Returns:
        The summary dict (NaN written as ``None``); see
        ``tools/analysis_tools/lhl_report.py`` for its schema. ``delta_m_pct``
        is the flat Δ_m (:data:`.measures.DELTA_M_FLAT`).
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
