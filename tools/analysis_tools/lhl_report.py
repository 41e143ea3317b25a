"""Report of lifelong heterogeneous learning runs.

Usage (from the repo root)::

    python tools/analysis_tools/lhl_report.py WORK_DIR [WORK_DIR ...] \\
        [--baseline FT_WORK_DIR] [--names a b c] [--out DIR]

Reads the results file of each work dir
(:data:`mmhad.evaluation.report.RESULTS_FILENAME`), prints (markdown) the
phase x metric matrix and the forgetting of each run, Δ_m against the
baseline (if given) and the mean rank (if at least 2 runs), and writes
``lhl_report.md`` and ``lhl_report.json`` into ``--out`` (default: the first
work dir). The baseline is not ranked; list it as a run too to rank it.
Metric directions come from the task definitions
(``get_task(task).direction``); Δ_m is the flat mean over metrics
(:data:`mmhad.evaluation.report.DELTA_M_FLAT`).

``lhl_report.json`` schema (NaN written as ``null``)::

    {"lower_is_better": [name, ...],
     "runs": {run_name: {
         "source": path, "method": str | null, "task_order": [task, ...],
         "matrix": {"phases": [int], "tasks": [str], "columns": [metric_key],
                    "values": [[float | null]]},          # phases x columns
         "final": {metric_key: float},
         "best_before_final": {metric_key: float},
         "forgetting": {metric_key: float},                # positive = worse
         "avg_forgetting_pct": {task: float},              # positive = worse
         "delta_m_pct": float | null}},                    # positive = better
     "baseline": {"name": str, "source": path, "final": {metric_key: float}}
                 | null,
     "mean_rank": {"metrics": [metric_key], "ranks": {run_name: float}}
                  | null}
"""
import sys

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from typing import Any, Dict, List, Optional, Sequence  # noqa: E402

from mmhad.utils.checkpoint_io import atomic_write  # noqa: E402
from mmhad.evaluation.report import (  # noqa: E402
    RESULTS_FILENAME, build_summary, load_results, render_markdown)

JSON_NAME = 'lhl_report.json'
MD_NAME = 'lhl_report.md'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(
        description='Phase x metric matrix, forgetting, Delta_m and mean '
        'rank of lifelong heterogeneous learning runs.')
    parser.add_argument(
        'work_dirs', nargs='+', metavar='WORK_DIR',
        help=f'work dir containing {RESULTS_FILENAME} (or the file)')
    parser.add_argument('--baseline', metavar='FT_WORK_DIR',
                        help='baseline work dir for Delta_m')
    parser.add_argument('--names', nargs='+', metavar='NAME',
                        help='one display name per WORK_DIR')
    parser.add_argument('--out', metavar='DIR',
                        help='output dir (default: the first WORK_DIR)')
    args = parser.parse_args(argv)
    if args.names is not None:
        if len(args.names) != len(args.work_dirs):
            parser.error(f'--names got {len(args.names)} names for '
                         f'{len(args.work_dirs)} work dirs')
        if len(set(args.names)) != len(args.names):
            parser.error('--names must be unique')
    return args


def _dir_of(path: str) -> str:
    """The work dir of ``path`` (a work dir or its results file)."""
    return (os.path.dirname(path) or '.') if os.path.isfile(path) else path


def default_names(work_dirs: Sequence[str],
                  results: Sequence[Dict[str, Any]]) -> List[str]:
    """Unique display names: the ``method`` label, else the dir's basename.

    Falls back to basenames if labels collide, then appends ``[index]``.
    """
    bases = [os.path.basename(os.path.normpath(_dir_of(d))) for d in work_dirs]
    names = [r.get('method') or b for r, b in zip(results, bases)]
    if len(set(names)) < len(names):
        names = bases
    if len(set(names)) < len(names):
        names = [f'{n} [{i}]' for i, n in enumerate(names)]
    return names


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the tool; returns the exit code (1 on unreadable results)."""
    args = parse_args(argv)
    try:
        results = [load_results(d) for d in args.work_dirs]
        baseline = load_results(args.baseline) if args.baseline else None
        names = args.names or default_names(args.work_dirs, results)
        baseline_name = 'baseline'
        if baseline is not None:
            baseline_name = (baseline.get('method') or os.path.basename(
                os.path.normpath(_dir_of(args.baseline))))
        sources = dict(zip(names, map(os.path.abspath, args.work_dirs)))
        if args.baseline:
            sources.setdefault(baseline_name, os.path.abspath(args.baseline))
        summary = build_summary(
            dict(zip(names, results)),
            baseline=baseline,
            baseline_name=baseline_name,
            sources=sources)
    except (OSError, ValueError) as e:
        print(f'lhl_report: error: {e}', file=sys.stderr)
        return 1
    markdown = render_markdown(summary)
    out_dir = args.out or _dir_of(args.work_dirs[0])
    os.makedirs(out_dir, exist_ok=True)
    json_path = os.path.join(out_dir, JSON_NAME)
    md_path = os.path.join(out_dir, MD_NAME)
    atomic_write(json_path, json.dumps(summary, indent=2))
    atomic_write(md_path, markdown)
    print(markdown)
    print(f'Wrote {json_path} and {md_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
