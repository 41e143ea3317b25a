"""tools/analysis_tools/plot_lhl.py: the plotted values are the results
files' values (checked by hand), the figure is written."""
import json
import math

import matplotlib.image as mpimg
import pytest

from tests.test_tools.utils import load_tool

plot_lhl = load_tool('analysis_tools/plot_lhl.py')

#: Two tiny runs, semantic -> depth. By hand: HAD forgets (40 - 36) / 40 =
#: 10 % of semantic, fine-tuning (40 - 20) / 40 = 50 %; Δm of HAD against
#: fine-tuning = mean(+(36-20)/20, -(0.5-0.4)/0.4, -(0.2-0.25)/0.25) * 100
#: = mean(+80, -25, +20) = +25 %.
HAD = dict(task_order=['semantic', 'depth'], method='had', phases=[
    dict(phase=0, task='semantic',
         metrics={'semantic/mIoU': 40.0, 'semantic/IoU@wall': 50.0}),
    dict(phase=1, task='depth',
         metrics={'semantic/mIoU': 36.0, 'depth/abs_err': 0.5,
                  'depth/rel_err': 0.2}),
])
FINETUNE = dict(task_order=['semantic', 'depth'], method='finetune', phases=[
    dict(phase=0, task='semantic', metrics={'semantic/mIoU': 40.0}),
    dict(phase=1, task='depth',
         metrics={'semantic/mIoU': 20.0, 'depth/abs_err': 0.4,
                  'depth/rel_err': 0.25}),
])


def write_run(folder, results):
    folder.mkdir()
    (folder / 'continual_results.json').write_text(json.dumps(results))
    return str(folder)


def same(a, b):
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y)
        for x, y in zip(a, b))


def test_prepare_holds_the_results_values():
    data = plot_lhl.prepare({'had': HAD, 'finetune': FINETUNE},
                            baseline=('finetune', FINETUNE))
    series = {s.key: s for s in data.series}
    assert list(series) == ['semantic/mIoU', 'depth/abs_err',
                            'depth/rel_err']  # no @region diagnostic
    nan = float('nan')
    assert same(series['semantic/mIoU'].values['had'], [40.0, 36.0])
    assert same(series['semantic/mIoU'].values['finetune'], [40.0, 20.0])
    assert same(series['depth/abs_err'].values['had'], [nan, 0.5])
    assert same(series['depth/rel_err'].values['finetune'], [nan, 0.25])
    assert series['depth/abs_err'].phases == [0, 1]
    assert series['depth/abs_err'].ticks == ['0\nsemantic', '1\ndepth']
    assert series['depth/abs_err'].ylabel == 'abs_err (m, lower is better)'
    assert series['semantic/mIoU'].ylabel == 'mIoU (%, higher is better)'
    assert series['depth/rel_err'].ylabel == 'rel_err (lower is better)'
    assert data.forgetting_pct['had'] == {'semantic': pytest.approx(10.0)}
    assert data.forgetting_pct['finetune'] == {
        'semantic': pytest.approx(50.0)}
    assert data.delta_m_pct['had'] == pytest.approx(25.0)
    assert data.delta_m_pct['finetune'] == 0.0
    assert data.final['had'] == {'semantic/mIoU': 36.0,
                                 'depth/abs_err': 0.5, 'depth/rel_err': 0.2}


def test_prepare_defaults_and_selection():
    data = plot_lhl.prepare({'finetune': FINETUNE, 'had': HAD},
                            metrics=['mIoU', 'depth/abs_err'])
    assert data.baseline == 'finetune'  # the first run
    assert [s.key for s in data.series] == ['semantic/mIoU', 'depth/abs_err']
    with pytest.raises(ValueError, match=r"no run measured \['IoU'\]"):
        plot_lhl.prepare({'had': HAD}, metrics=['IoU'])


def test_runs_of_other_orders_and_lengths_share_the_axis():
    swapped = dict(task_order=['depth', 'semantic'], phases=[
        dict(phase=0, task='depth', metrics={'depth/abs_err': 0.7})])
    data = plot_lhl.prepare({'had': HAD, 'depth_only': swapped})
    series = {s.key: s for s in data.series}
    assert series['depth/abs_err'].ticks == ['0\nsemantic/depth', '1\ndepth']
    assert same(series['depth/abs_err'].values['depth_only'],
                [0.7, float('nan')])
    assert same(series['semantic/mIoU'].values['depth_only'],
                [float('nan')] * 2)
    # -(0.7 - 0.5) / 0.5 on the one shared final metric
    assert data.delta_m_pct['depth_only'] == pytest.approx(-40.0)
    normal = dict(task_order=['normal'], phases=[
        dict(phase=0, task='normal', metrics={'normal/mean_angle': 30.0})])
    data = plot_lhl.prepare({'had': HAD, 'normal_only': normal})
    assert math.isnan(data.delta_m_pct['normal_only'])  # nothing shared
    assert data.notes[0].startswith('normal_only: delta_m: no final metric')


def test_unregistered_task_label():
    assert plot_lhl.metric_label('toy/abs_err') == 'abs_err (lower is better)'
    assert plot_lhl.metric_label('toy/score') == 'score (higher is better)'


def test_cli_writes_the_figure_and_the_table(tmp_path, capsys):
    had = write_run(tmp_path / 'had', HAD)
    ft = write_run(tmp_path / 'ft', FINETUNE)
    out = tmp_path / 'fig.png'
    assert plot_lhl.main([had, ft, '--out', str(out), '--baseline', ft,
                          '--labels', 'HAD', 'FT']) == 0
    image = mpimg.imread(str(out))
    # 3 metric panels + 2 bar panels: 4 columns x 2 rows at 100 dpi
    assert image.shape[1] == 1680 and 600 <= image.shape[0] <= 800
    assert out.stat().st_size > 20_000
    text = capsys.readouterr().out
    assert '|  | HAD | FT |' in text
    assert '| semantic/mIoU (%, higher is better) | 36 | 20 |' in text
    assert ('| forgetting of semantic (% of its best, lower is better) | '
            '+10.00 | +50.00 |') in text
    assert '| Δm vs FT (%, higher is better) | +25.00 | +0.00 |' in text


def test_cli_errors(tmp_path, capsys):
    had = write_run(tmp_path / 'had', HAD)
    assert plot_lhl.main([had, str(tmp_path / 'nowhere'), '--out',
                          str(tmp_path / 'f.png')]) == 1
    assert 'plot_lhl: error: results file not found' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        plot_lhl.main([had, '--out', 'f.png', '--labels', 'a', 'b'])
