"""Plot lifelong heterogeneous learning runs: metrics, forgetting, Δm.

One figure: every metric after every phase, forgetting and Δm.

Usage (from the repo root)::

    python tools/analysis_tools/plot_lhl.py WORK_DIR [WORK_DIR ...] \\
        --out FIG.png [--labels NAME ...] [--metrics KEY ...] \\
        [--baseline WORK_DIR] [--title TEXT]

Reads each run's results file (``continual_results.json``, through
:func:`mmhad.evaluation.report.load_results`) and draws:

- one panel per task metric (``depth/abs_err``...): its value after each
  phase (x: phase number and the task it trained), one line per run; the
  y label carries the metric's unit and direction from the task definition
  (``abs_err (m, lower is better)``);
- relative forgetting per task (%, positive = worse;
  :func:`mmhad.evaluation.report.average_forgetting`), one bar per run;
- Δm against the baseline (%, positive = better; the flat convention of
  :func:`mmhad.evaluation.report.delta_m`), one bar per run. The baseline is
  ``--baseline`` or else the first run.

It also prints the final metrics, forgetting and Δm of the runs side by
side (a markdown table). Only headline metrics are drawn (``@region``
diagnostics are left out, as in the report's measures); ``--metrics`` keeps
the given keys (``depth/abs_err``) or metric names (``abs_err``).
"""
import argparse
import math
import os.path as osp
import runpy
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from mmhad.evaluation.report import (  # noqa: E402
    RESULTS_FILENAME, Results, average_forgetting, delta_m, final_metrics,
    is_lower_better, load_results, phase_task_matrix)
from mmhad.evaluation.task_info import is_registered  # noqa: E402
from mmhad.tasks import get_task  # noqa: E402

#: lhl_report.py (``tools/`` is no package): its run names and dir helper.
_REPORT = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                  'lhl_report.py'))
NAN = float('nan')


@dataclass
class MetricSeries:
    """One metric's panel: its value after each phase for every run.

    Attributes:
        key: Metric key, ``'{task}/{name}'``.
        ylabel: ``'{name} ({unit}, lower is better)'``.
        phases: Phase numbers on the x axis (all runs' phases, ascending).
        ticks: One x tick label per phase: ``'{phase}\\n{task}'``.
        values: ``{run: [value after each phase]}``, NaN where the run did
            not measure the metric then (task not learned yet, no phase).
    """
    key: str
    ylabel: str
    phases: List[int]
    ticks: List[str]
    values: Dict[str, List[float]]


@dataclass
class PlotData:
    """What the figure shows (see :func:`prepare`).

    Attributes:
        names: Run names, in display order.
        baseline: Name of the Δm baseline.
        series: One :class:`MetricSeries` per drawn metric.
        final: ``{run: {key: final value}}`` of the drawn metrics.
        forgetting_pct: ``{run: {task: relative forgetting in %}}``.
        delta_m_pct: ``{run: Δm in %}`` (NaN where undefined).
        notes: Why some Δm is undefined.
    """
    names: List[str]
    baseline: str
    series: List[MetricSeries]
    final: Dict[str, Dict[str, float]]
    forgetting_pct: Dict[str, Dict[str, float]]
    delta_m_pct: Dict[str, float]
    notes: List[str] = field(default_factory=list)


def metric_label(key: str) -> str:
    """Axis label of a metric key: its name, unit and direction, from the
    task definition (``'abs_err (m, lower is better)'``); keys of
    unregistered tasks get the direction of the report's fallback."""
    task, name = key.split('/', 1)
    unit = ''
    if is_registered(task):
        unit = get_task(task).measure(name).unit
    direction = 'lower' if is_lower_better(key) else 'higher'
    return f'{name} ({unit + ", " if unit else ""}{direction} is better)'


def select_metrics(columns: Sequence[str],
                   wanted: Optional[Sequence[str]]) -> List[str]:
    """The columns to draw: all, or those named by key or metric name.

    Raises:
        ValueError: If a wanted metric matches no column.
    """
    if not wanted:
        return list(columns)
    unknown = [w for w in wanted
               if not any(w in (c, c.split('/', 1)[1]) for c in columns)]
    if unknown:
        raise ValueError(f'--metrics: no run measured {unknown}; the runs '
                         f'have {list(columns)}')
    return [c for c in columns
            if any(w in (c, c.split('/', 1)[1]) for w in wanted)]


def _phase_axis(runs: Mapping[str, Results]) -> Tuple[List[int], List[str]]:
    """Phase numbers of all runs and their tick labels (the trained task;
    ``a/b`` where the runs trained different tasks in that phase)."""
    tasks: Dict[int, List[str]] = {}
    for results in runs.values():
        matrix = phase_task_matrix(results)
        for phase, task in zip(matrix.phases, matrix.tasks):
            names = tasks.setdefault(phase, [])
            if task not in names:
                names.append(task)
    phases = sorted(tasks)
    return phases, [f'{p}\n{"/".join(tasks[p])}' for p in phases]


def _delta_m(results: Results, base: Results, name: str,
             notes: List[str]) -> float:
    """Δm in %, NaN (and a note) where it is undefined."""
    try:
        return delta_m(results, base)
    except ValueError as e:
        notes.append(f'{name}: {e}')
        return NAN


def prepare(runs: Mapping[str, Results],
            baseline: Optional[Tuple[str, Results]] = None,
            metrics: Optional[Sequence[str]] = None) -> PlotData:
    """Everything the figure and the table show, from validated results.

    Args:
        runs: ``{run name: results}``, in display order.
        baseline: ``(name, results)`` of the Δm baseline; None: the first
            run.
        metrics: Metric keys or names to draw; None: every headline metric
            of any run (task order of the first run, then first appearance).

    Returns:
        PlotData: The values exactly as the results files hold them.
    """
    names = list(runs)
    base_name, base = baseline or (names[0], runs[names[0]])
    matrices = {n: phase_task_matrix(r) for n, r in runs.items()}
    columns: List[str] = []
    for matrix in matrices.values():
        columns += [c for c in matrix.columns if c not in columns]
    keys = select_metrics(columns, metrics)
    phases, ticks = _phase_axis(runs)
    series = []
    for key in keys:
        values = {}
        for name, m in matrices.items():
            row = {p: vals[m.columns.index(key)] if key in m.columns else NAN
                   for p, vals in zip(m.phases, m.values)}
            values[name] = [row.get(p, NAN) for p in phases]
        series.append(MetricSeries(key, metric_label(key), phases, ticks,
                                   values))
    notes: List[str] = []
    return PlotData(
        names=names,
        baseline=base_name,
        series=series,
        final={n: {k: v for k, v in final_metrics(r).items() if k in keys}
               for n, r in runs.items()},
        forgetting_pct={n: average_forgetting(r) for n, r in runs.items()},
        delta_m_pct={n: _delta_m(r, base, n, notes)
                     for n, r in runs.items()},
        notes=notes)


def forgotten_tasks(data: PlotData) -> List[str]:
    """Tasks with a forgetting value in some run, in the runs' order."""
    tasks: List[str] = []
    for per_task in data.forgetting_pct.values():
        tasks += [t for t in per_task if t not in tasks]
    return tasks


def _fmt(value: Optional[float], signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return '-'
    return f'{value:+.2f}' if signed else f'{value:.4g}'


def comparison_table(data: PlotData) -> str:
    """The runs side by side (markdown): final value of each drawn metric,
    relative forgetting of each task and Δm against the baseline."""
    header = ['', *data.names]
    rows = [[f'{s.key} ({s.ylabel.split(" (", 1)[1]}'] +
            [_fmt(data.final[n].get(s.key)) for n in data.names]
            for s in data.series]
    rows += [[f'forgetting of {t} (% of its best, lower is better)'] +
             [_fmt(data.forgetting_pct[n].get(t), True) for n in data.names]
             for t in forgotten_tasks(data)]
    rows.append([f'Δm vs {data.baseline} (%, higher is better)'] +
                [_fmt(data.delta_m_pct[n], True) for n in data.names])
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines + [f'- {note}' for note in data.notes])


def _bars(ax, groups: Sequence[str], names: Sequence[str],
          values: Mapping[str, Mapping[str, float]], colours) -> None:
    """Grouped bars: one group per entry of ``groups``, one bar per run,
    each bar labelled with its value."""
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        xs = [g + (i - (len(names) - 1) / 2) * width
              for g in range(len(groups))]
        ys = [values[name].get(group, NAN) for group in groups]
        bars = ax.bar(xs, ys, width, color=colours[name], label=name)
        ax.bar_label(bars, labels=[_fmt(y, True) for y in ys], fontsize=7,
                     padding=2)
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    zero_line(ax, [v for n in names for v in values[n].values()])


def zero_line(ax, values: Sequence[float]) -> None:
    """A line at 0 and y limits around 0 and ``values`` with room for the
    bar labels on both sides."""
    finite = [v for v in values if not math.isnan(v)] + [0.0]
    low, high = min(finite), max(finite)
    pad = 0.2 * ((high - low) or 1.0)
    ax.set_ylim(low - pad, high + pad)
    ax.axhline(0, color='black', lw=0.8)


def draw(data: PlotData, out: str, title: Optional[str] = None) -> None:
    """Write the figure of ``data`` to ``out`` (PNG, Agg backend)."""
    panels = len(data.series) + 2
    cols = min(4, panels)
    rows = math.ceil(panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows),
                             squeeze=False, layout='constrained')
    cycle = plt.rcParams['axes.prop_cycle'].by_key()['color']
    colours = {n: cycle[i % len(cycle)] for i, n in enumerate(data.names)}
    flat = [ax for row in axes for ax in row]
    for ax, s in zip(flat, data.series):
        for name in data.names:
            ax.plot(s.phases, s.values[name], marker='o', color=colours[name],
                    label=name)
        ax.set_xticks(s.phases, s.ticks, fontsize=8)
        ax.set_xlim(s.phases[0] - 0.3, s.phases[-1] + 0.3)
        ax.set_title(s.key, fontsize=10)
        ax.set_xlabel('after phase', fontsize=8)
        ax.set_ylabel(s.ylabel, fontsize=8)
        ax.grid(alpha=0.3)
    ax = flat[len(data.series)]
    tasks = forgotten_tasks(data)
    _bars(ax, tasks, data.names, data.forgetting_pct, colours)
    ax.set_title('forgetting per task', fontsize=10)
    ax.set_ylabel('% of its best (lower is better)', fontsize=8)
    if not tasks:
        ax.text(0.5, 0.5, 'no task learned\nbefore the final phase',
                ha='center', va='center', transform=ax.transAxes)
    ax = flat[len(data.series) + 1]
    ys = [data.delta_m_pct[n] for n in data.names]
    bars = ax.bar(range(len(ys)), ys, 0.6,
                  color=[colours[n] for n in data.names])
    ax.bar_label(bars, padding=2, fontsize=7, labels=[
        'baseline' if n == data.baseline else _fmt(y, True)
        for n, y in zip(data.names, ys)])
    ax.set_xticks(range(len(ys)), data.names, fontsize=8)
    zero_line(ax, ys)
    ax.set_title(f'Δm vs {data.baseline} (all final metrics)', fontsize=10)
    ax.set_ylabel('% (higher is better)', fontsize=8)
    for ax in flat[panels:]:
        ax.set_visible(False)
    handles, labels = flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='outside lower center',
               ncols=len(data.names), fontsize=9)
    fig.suptitle(title or 'Value after each phase, forgetting and Δm',
                 fontsize=12)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add = parser.add_argument
    add('work_dirs', nargs='+', metavar='WORK_DIR',
        help=f'work dir containing {RESULTS_FILENAME} (or the file)')
    add('--out', required=True, metavar='FIG.png', help='the figure (PNG)')
    add('--labels', nargs='+', metavar='NAME',
        help='one display name per WORK_DIR')
    add('--metrics', nargs='+', metavar='KEY',
        help='metric keys (depth/abs_err) or names to draw')
    add('--baseline', metavar='WORK_DIR',
        help='Delta_m baseline (default: the first run)')
    add('--title', help='figure title')
    args = parser.parse_args(argv)
    if args.labels is not None and (len(args.labels) != len(args.work_dirs)
                                    or len(set(args.labels)) !=
                                    len(args.labels)):
        parser.error(f'--labels needs {len(args.work_dirs)} unique names, '
                     f'got {args.labels}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the tool; returns the exit code (1 on unreadable results)."""
    args = parse_args(argv)
    try:
        results = [load_results(d) for d in args.work_dirs]
        names = args.labels or _REPORT['default_names'](args.work_dirs,
                                                        results)
        runs = dict(zip(names, results))
        baseline = None
        if args.baseline:
            path = osp.abspath(args.baseline)
            same = [n for n, d in zip(names, args.work_dirs)
                    if osp.abspath(d) == path]
            base = load_results(args.baseline)
            baseline = (same[0] if same else base.get('method')
                        or osp.basename(osp.normpath(
                            _REPORT['_dir_of'](args.baseline))), base)
        data = prepare(runs, baseline, args.metrics)
    except (OSError, ValueError) as e:
        print(f'plot_lhl: error: {e}', file=sys.stderr)
        return 1
    draw(data, args.out, args.title)
    print(comparison_table(data))
    print(f'Wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
