"""Markdown rendering of a :func:`.summary.build_summary` dict."""
import math
from typing import Any, List, Mapping, Optional, Sequence


def _fmt(value: Optional[float], signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return '-'
    text = f'{value:+.4f}' if signed else f'{value:.4f}'
    return text.rstrip('0').rstrip('.')


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    return lines + ['| ' + ' | '.join(row) + ' |' for row in rows]


def _run_section(name: str, run: Mapping[str, Any]) -> List[str]:
    """Matrix, forgetting and @region tables of one run."""
    m = run['matrix']
    lines = [f'## {name}', '',
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
        lines += ['', '### Where HAD acts (final, @region diagnostics)', '']
        lines += _table(['metric', 'final'],
                        [[k, _fmt(v)]
                         for k, v in run['final_regions'].items()])
    lines.append('')
    return lines


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
        lines += _run_section(name, run)
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
