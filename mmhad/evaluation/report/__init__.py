"""Reports of lifelong heterogeneous learning (LHL) runs.

- :mod:`.results_io`: the results file (its name, schema, reading);
- :mod:`.matrix`: the phases x metrics table and final metrics of a run;
- :mod:`.measures`: forgetting, Δm (two conventions), mean rank;
- :mod:`.summary`: the JSON report of several runs;
- :mod:`.markdown`: its markdown rendering.
"""
from .markdown import render_markdown
from .matrix import (PhaseMatrix, final_metrics, is_region_metric,
                     metric_task, phase_task_matrix)
from .measures import (DEFAULT_LOWER_IS_BETTER, DELTA_M_CONVENTIONS,
                       DELTA_M_FLAT, DELTA_M_TASK_MEAN, average_forgetting,
                       best_before_final, delta_m, forgetting,
                       is_lower_better, mean_rank, shared_final_metrics)
from .results_io import (RESULTS_FILENAME, Results, ResultsSchemaError,
                         load_results, results_path, validate_results)
from .summary import build_summary

__all__ = [
    'RESULTS_FILENAME', 'Results', 'ResultsSchemaError', 'results_path',
    'load_results', 'validate_results', 'PhaseMatrix', 'phase_task_matrix',
    'final_metrics', 'is_region_metric', 'metric_task',
    'DEFAULT_LOWER_IS_BETTER', 'DELTA_M_FLAT', 'DELTA_M_TASK_MEAN',
    'DELTA_M_CONVENTIONS', 'is_lower_better', 'best_before_final',
    'forgetting', 'average_forgetting', 'delta_m', 'shared_final_metrics',
    'mean_rank', 'build_summary', 'render_markdown'
]
