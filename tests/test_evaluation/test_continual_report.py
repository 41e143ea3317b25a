"""Tests of mmhad.evaluation.continual_report and lhl_report.py.

All expected numbers are computed by hand in the comments.
"""
import copy
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from mmhad.evaluation.continual_report import (
    DEFAULT_LOWER_IS_BETTER, ResultsSchemaError, average_forgetting,
    best_before_final, build_summary, delta_m, forgetting, load_results,
    mean_rank, phase_task_matrix, render_markdown, validate_results)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / 'tools' / 'analysis_tools' / 'lhl_report.py'
LOWER = ('abs_err', 'rel_err', 'mean_angle', 'median_angle')


def three_phase():
    """semantic -> depth -> normal, evaluated on the tasks learned so far."""
    return {
        'task_order': ['semantic', 'depth', 'normal'],
        'method': 'had',
        'phases': [
            {'phase': 0, 'task': 'semantic',
             'metrics': {'semantic/mIoU': 40.0, 'semantic/aAcc': 70.0}},
            {'phase': 1, 'task': 'depth',
             'metrics': {'semantic/mIoU': 35.0, 'semantic/aAcc': 72.0,
                         'depth/abs_err': 0.5, 'depth/rel_err': 0.2}},
            {'phase': 2, 'task': 'normal',
             'metrics': {'normal/mean_angle': 30.0, 'normal/within_30': 55.0,
                         'semantic/mIoU': 33.0, 'semantic/aAcc': 66.0,
                         'depth/abs_err': 0.6, 'depth/rel_err': 0.25}},
        ]}


def single_phase(metrics, method=None):
    """A joint-run style results dict with one phase."""
    out = {'task_order': sorted({k.split('/')[0] for k in metrics}),
           'phases': [{'phase': 0, 'task': 'joint', 'metrics': metrics}]}
    if method:
        out['method'] = method
    return out


# ----------------------------------------------------------------- matrix


def test_matrix_columns_follow_task_order_and_first_appearance():
    m = phase_task_matrix(three_phase())
    assert m.columns == ['semantic/mIoU', 'semantic/aAcc', 'depth/abs_err',
                         'depth/rel_err', 'normal/mean_angle',
                         'normal/within_30']
    assert m.phases == [0, 1, 2]
    assert m.tasks == ['semantic', 'depth', 'normal']
    # Joint run listing normal first: columns still follow task_order, and a
    # task missing from task_order comes last.
    joint = single_phase({'extra/x': 1.0, 'normal/mean_angle': 30.0,
                          'depth/rel_err': 0.2, 'depth/abs_err': 0.5,
                          'semantic/mIoU': 40.0})
    joint['task_order'] = ['semantic', 'depth', 'normal']
    assert phase_task_matrix(joint).columns == [
        'semantic/mIoU', 'depth/rel_err', 'depth/abs_err',
        'normal/mean_angle', 'extra/x']


def test_matrix_cells_and_nan_for_not_yet_learned():
    m = phase_task_matrix(three_phase())
    assert m.cell(0, 'semantic/mIoU') == 40.0
    assert m.cell(1, 'semantic/aAcc') == 72.0
    assert m.cell(1, 'depth/abs_err') == 0.5
    assert m.cell(2, 'normal/within_30') == 55.0
    assert math.isnan(m.cell(0, 'depth/abs_err'))
    assert math.isnan(m.cell(0, 'normal/mean_angle'))
    assert math.isnan(m.cell(1, 'normal/mean_angle'))
    assert sum(math.isnan(v) for row in m.values for v in row) == 6


def test_matrix_null_value_is_nan_and_task_list_is_joined():
    results = single_phase({'semantic/mIoU': None, 'depth/abs_err': 0.4})
    results['phases'][0]['task'] = ['semantic', 'depth']
    m = phase_task_matrix(results)
    assert math.isnan(m.cell(0, 'semantic/mIoU'))
    assert m.tasks == ['semantic+depth']


# ------------------------------------------------------------- forgetting


def test_forgetting_both_directions():
    f = forgetting(three_phase(), LOWER)
    # normal is learned only in the final phase -> omitted.
    assert list(f) == ['semantic/mIoU', 'semantic/aAcc', 'depth/abs_err',
                       'depth/rel_err']
    assert f['semantic/mIoU'] == pytest.approx(7.0)  # max(40, 35) - 33
    assert f['semantic/aAcc'] == pytest.approx(6.0)  # max(70, 72) - 66
    assert f['depth/abs_err'] == pytest.approx(0.1)  # 0.6 - 0.5, worse > 0
    assert f['depth/rel_err'] == pytest.approx(0.05)  # 0.25 - 0.2


def test_forgetting_negative_when_improved():
    results = three_phase()
    results['phases'][2]['metrics']['depth/abs_err'] = 0.45
    results['phases'][2]['metrics']['semantic/mIoU'] = 41.0
    f = forgetting(results, LOWER)
    assert f['depth/abs_err'] == pytest.approx(-0.05)  # 0.45 - 0.5
    assert f['semantic/mIoU'] == pytest.approx(-1.0)  # 40 - 41


def test_forgetting_uses_the_given_direction():
    # With nothing lower-is-better, abs_err counts as higher-is-better:
    # best 0.5 - final 0.6 = -0.1.
    f = forgetting(three_phase(), lower_is_better=())
    assert f['depth/abs_err'] == pytest.approx(-0.1)
    # Full keys are accepted too.
    f = forgetting(three_phase(), lower_is_better={'depth/abs_err'})
    assert f['depth/abs_err'] == pytest.approx(0.1)


def test_default_direction_covers_contract_names():
    assert set(LOWER) <= set(DEFAULT_LOWER_IS_BETTER)
    assert 'mIoU' not in DEFAULT_LOWER_IS_BETTER
    assert forgetting(three_phase())['depth/abs_err'] == pytest.approx(0.1)


def test_forgetting_repeated_task_picks_min_for_lower_is_better():
    results = {
        'task_order': ['semantic', 'depth', 'semantic', 'normal'],
        'phases': [
            {'phase': 0, 'task': 'semantic', 'metrics': {'semantic/mIoU': 40}},
            {'phase': 1, 'task': 'depth',
             'metrics': {'semantic/mIoU': 30, 'depth/abs_err': 0.5}},
            {'phase': 2, 'task': 'semantic',
             'metrics': {'semantic/mIoU': 42, 'depth/abs_err': 0.4}},
            {'phase': 3, 'task': 'normal',
             'metrics': {'semantic/mIoU': 38, 'depth/abs_err': 0.6,
                         'normal/mean_angle': 30}},
        ]}
    m = phase_task_matrix(results)
    assert [row[0] for row in m.values] == [40, 30, 42, 38]
    f = forgetting(results, LOWER)
    assert f == pytest.approx({'semantic/mIoU': 4.0,  # 42 - 38
                               'depth/abs_err': 0.2})  # 0.6 - min(0.5, 0.4)


def test_values_measured_before_the_task_was_trained_are_ignored():
    results = three_phase()
    # A zero-shot depth evaluation after phase 0 (depth not trained yet).
    results['phases'][0]['metrics']['depth/abs_err'] = 0.3
    assert best_before_final(results, LOWER)['depth/abs_err'] == 0.5
    assert forgetting(results, LOWER)['depth/abs_err'] == pytest.approx(0.1)


def test_average_forgetting_relative_percent():
    avg = average_forgetting(three_phase(), LOWER)
    assert set(avg) == {'semantic', 'depth'}
    # semantic: (7/40 + 6/72) / 2 * 100 = (17.5 + 8.3333) / 2 = 12.91667
    assert avg['semantic'] == pytest.approx(12.916667, abs=1e-5)
    # depth: (0.1/0.5 + 0.05/0.2) / 2 * 100 = (20 + 25) / 2 = 22.5
    assert avg['depth'] == pytest.approx(22.5)


def test_average_forgetting_skips_zero_best():
    results = three_phase()
    for phase in results['phases'][:2]:
        phase['metrics']['semantic/aAcc'] = 0.0
    # only mIoU left for semantic: 7 / 40 * 100 = 17.5
    assert average_forgetting(results, LOWER)['semantic'] == pytest.approx(
        17.5)


def test_single_phase_run_has_no_forgetting():
    assert forgetting(single_phase({'semantic/mIoU': 40.0})) == {}
    assert average_forgetting(single_phase({'semantic/mIoU': 40.0})) == {}


# ---------------------------------------------------------------- delta_m


def test_delta_m_by_hand():
    baseline = single_phase({'semantic/mIoU': 30.0, 'depth/abs_err': 0.5,
                             'normal/mean_angle': 32.0, 'other/x': 1.0})
    # mIoU: +(33 - 30) / 30 = +10 %; abs_err: -(0.6 - 0.5) / 0.5 = -20 %;
    # mean_angle: -(30 - 32) / 32 = +6.25 %; mean = -3.75 / 3 = -1.25 %.
    assert delta_m(three_phase(), baseline, LOWER) == pytest.approx(-1.25)
    assert delta_m(baseline, baseline, LOWER) == 0.0


def test_delta_m_errors():
    with pytest.raises(ValueError, match='no final metric common'):
        delta_m(three_phase(), single_phase({'other/x': 1.0}), LOWER)
    with pytest.raises(ValueError, match='"semantic/mIoU" is 0'):
        delta_m(three_phase(), single_phase({'semantic/mIoU': 0.0}), LOWER)


# -------------------------------------------------------------- mean rank


def test_mean_rank_with_tie():
    runs = {
        'A': single_phase({'semantic/mIoU': 40.0, 'depth/abs_err': 0.5,
                           'normal/mean_angle': 20.0}),
        'B': single_phase({'semantic/mIoU': 40.0, 'depth/abs_err': 0.4,
                           'normal/mean_angle': 30.0}),
        'C': single_phase({'semantic/mIoU': 30.0, 'depth/abs_err': 0.6}),
    }
    # mean_angle is not in C -> not ranked.
    # mIoU: A 1.5, B 1.5, C 3; abs_err (lower better): B 1, A 2, C 3.
    assert mean_rank(runs, LOWER) == pytest.approx(
        {'A': 1.75, 'B': 1.25, 'C': 3.0})


def test_mean_rank_needs_shared_metric():
    runs = {'A': single_phase({'semantic/mIoU': 1.0}),
            'B': single_phase({'depth/abs_err': 1.0})}
    with pytest.raises(ValueError, match='no final metric shared'):
        mean_rank(runs, LOWER)


# ------------------------------------------------------- schema / loading


def _write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_load_results_accepts_dir_and_file(tmp_path):
    path = _write(tmp_path / 'continual_results.json', three_phase())
    assert load_results(tmp_path) == three_phase()
    assert load_results(path) == three_phase()


def test_load_results_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=str(tmp_path / 'continual_results.json')):
        load_results(tmp_path)


@pytest.mark.parametrize('mutate, message', [
    (lambda r: r.pop('phases'), 'missing key "phases"'),
    (lambda r: r.pop('task_order'), 'missing key "task_order"'),
    (lambda r: r['phases'][1].pop('metrics'),
     r'phases\[1\]: missing key "metrics"'),
    (lambda r: r['phases'][0].pop('task'), r'phases\[0\]: missing key "task"'),
    (lambda r: r['phases'][0]['metrics'].update(mIoU=1.0),
     'metric key "mIoU" is not'),
    (lambda r: r['phases'][2]['metrics'].update({'depth/abs_err': 'x'}),
     r'phases\[2\]: metric "depth/abs_err" must be a number'),
    (lambda r: r['phases'][1].update(phase=0), 'phase numbers must increase'),
    (lambda r: r.update(phases=[]), '"phases" must be a non-empty list'),
])
def test_malformed_schema_names_file_and_key(tmp_path, mutate, message):
    results = three_phase()
    mutate(results)
    path = _write(tmp_path / 'continual_results.json', results)
    with pytest.raises(ResultsSchemaError, match=message) as info:
        load_results(tmp_path)
    assert str(path) in str(info.value)


def test_invalid_json_and_non_object(tmp_path):
    path = _write(tmp_path / 'bad.json', '{"phases": [')
    with pytest.raises(ResultsSchemaError, match='invalid JSON'):
        load_results(path)
    with pytest.raises(ResultsSchemaError, match='<results>: top level'):
        validate_results([1, 2])


# ------------------------------------------------------- summary / render


def test_summary_is_json_serialisable_and_render_shows_tables():
    baseline = single_phase({'semantic/mIoU': 30.0, 'depth/abs_err': 0.5})
    runs = {'had': three_phase(), 'ft': copy.deepcopy(baseline)}
    summary = build_summary(runs, LOWER, baseline=baseline,
                            baseline_name='ft')
    decoded = json.loads(json.dumps(summary, allow_nan=False))
    assert decoded['runs']['had']['matrix']['values'][0][2] is None
    # had: (+10 - 20) / 2 = -5 %; ft vs itself: 0 %.
    assert decoded['runs']['had']['delta_m_pct'] == pytest.approx(-5.0)
    assert decoded['runs']['ft']['delta_m_pct'] == 0.0
    # mIoU: had 33 -> 1, ft 30 -> 2; abs_err: had 0.6 -> 2, ft 0.5 -> 1.
    # Means: had 1.5, ft 1.5.
    assert decoded['mean_rank'] == {
        'metrics': ['semantic/mIoU', 'depth/abs_err'],
        'ranks': {'had': 1.5, 'ft': 1.5}}
    md = render_markdown(summary)
    assert ('| phase | task | semantic/mIoU | semantic/aAcc | depth/abs_err'
            in md)
    assert '| 0 | semantic | 40 | 70 | - | - | - | - |' in md
    assert '| depth/abs_err | 0.5 | 0.6 | +0.1 |' in md
    assert '- depth: average relative forgetting +22.5 %' in md
    assert '| had | -5 |' in md


# -------------------------------------------------------------------- CLI


def _load_tool():
    spec = importlib.util.spec_from_file_location('lhl_report', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_dirs(tmp_path):
    had = tmp_path / 'had_run'
    ft = tmp_path / 'ft_run'
    had.mkdir()
    ft.mkdir()
    _write(had / 'continual_results.json', three_phase())
    ft_results = three_phase()
    ft_results['method'] = 'ft'
    ft_results['phases'][2]['metrics'].update({'semantic/mIoU': 30.0,
                                               'depth/abs_err': 0.8})
    _write(ft / 'continual_results.json', ft_results)
    return had, ft


def test_cli_writes_json_and_markdown(tmp_path, capsys):
    had, ft = _run_dirs(tmp_path)
    out = tmp_path / 'report'
    code = _load_tool().main(
        [str(had), str(ft), '--baseline', str(ft), '--out', str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert '## had' in printed and '## ft' in printed
    assert '| 1 | depth | 35 | 72 | 0.5 | 0.2 | - | - |' in printed
    summary = json.loads((out / 'lhl_report.json').read_text())
    assert list(summary['runs']) == ['had', 'ft']
    assert summary['runs']['had']['source'] == str(had)
    assert summary['baseline']['name'] == 'ft'
    # mIoU +(33-30)/30 = +10; abs_err -(0.6-0.8)/0.8 = +25; other 4 equal.
    assert summary['runs']['had']['delta_m_pct'] == pytest.approx(35 / 6)
    # had better on mIoU and abs_err, tied on 4 others: (2*1 + 4*1.5)/6.
    assert summary['mean_rank']['ranks'] == pytest.approx(
        {'had': 8 / 6, 'ft': 10 / 6})
    assert (out / 'lhl_report.md').read_text() in printed


def test_cli_default_out_and_names(tmp_path, capsys):
    had, ft = _run_dirs(tmp_path)
    assert _load_tool().main([str(had), '--names', 'mine']) == 0
    summary = json.loads((had / 'lhl_report.json').read_text())
    assert list(summary['runs']) == ['mine']
    assert summary['mean_rank'] is None and summary['baseline'] is None
    assert (had / 'lhl_report.md').is_file()


def test_cli_errors(tmp_path, capsys):
    had, _ = _run_dirs(tmp_path)
    tool = _load_tool()
    with pytest.raises(SystemExit):
        tool.main([str(had), '--names', 'a', 'b'])
    assert tool.main([str(had), str(tmp_path / 'nope')]) == 1
    assert 'results file not found' in capsys.readouterr().err
    assert not (had / 'lhl_report.json').exists()


def test_default_names_disambiguate(tmp_path):
    tool = _load_tool()
    assert tool.default_names(['x/a', 'y/b'], [{'method': 'm'}, {}]) == [
        'm', 'b']
    assert tool.default_names(['x/a', 'y/b'], [{'method': 'm'}] * 2) == [
        'a', 'b']
    assert tool.default_names(['x/a', 'y/a'], [{}, {}]) == ['a [0]', 'a [1]']


def test_cli_script_runs_outside_repo_root(tmp_path):
    had, _ = _run_dirs(tmp_path)
    proc = subprocess.run([sys.executable, str(TOOL), str(had)],
                          cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert '## had' in proc.stdout
    assert (had / 'lhl_report.json').is_file()


def test_cli_accepts_results_file_path(tmp_path, capsys):
    had, _ = _run_dirs(tmp_path)
    tool = _load_tool()
    path = str(had / 'continual_results.json')
    assert tool.default_names([path], [{}]) == ['had_run']
    assert tool.main([path]) == 0
    assert (had / 'lhl_report.json').is_file()
