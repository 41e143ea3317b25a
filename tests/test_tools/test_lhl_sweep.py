import json
import os.path as osp

import pytest

from tests.test_engine.utils import make_tiny_scenes
from tests.test_tools.test_lhl_benchmark import SMALL_HEADS
from tests.test_tools.utils import load_tool


def test_sweep_runs_each_setting_against_one_baseline(tmp_path):
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    work = str(tmp_path / 'sweep')
    tool = load_tool('analysis_tools/lhl_sweep.py')
    rows = tool.main([
        '--work-dir', work, '--method', 'had', '--seeds', '12',
        '--param', 'distill_loss.loss_weight=0.0,30.0',
        '--quick', '--phase-iters', '1', '--batch-size', '2',
        '--data-root', root, '--cfg-options', *SMALL_HEADS,
        'val_dataloader.batch_size=2'])
    assert [r['setting'] for r in rows] == [
        {'distill_loss.loss_weight': '0.0'},
        {'distill_loss.loss_weight': '30.0'}]
    for r, value in zip(rows, ('0.0', '30.0')):
        run_dir = osp.join(work, f'loss_weight-{value}', 'had_s-d-n_seed12')
        record = json.load(open(osp.join(run_dir, 'benchmark_run.json')))
        assert f'distill_loss.loss_weight={value}' in record['command']
        assert len(r['delta_m']) == 1 and r['n'] == 1
    # one fine-tuning baseline serves every setting
    assert osp.isfile(osp.join(work, 'baseline', 'finetune_s-d-n_seed12',
                               'continual_results.json'))
    table = open(osp.join(work, 'sweep.md')).read()
    assert '| loss_weight-30.0 |' in table

    # a second table over the same work dir and baseline, from the runs above
    out = osp.join(work, 'sweep_30.md')
    again = tool.main([
        '--work-dir', work, '--method', 'had', '--seeds', '12',
        '--param', 'distill_loss.loss_weight=30.0', '--out', out,
        '--tabulate-only', '--quick', '--data-root', root])
    assert again[0]['delta_m'] == rows[1]['delta_m']
    assert json.load(open(osp.join(work, 'sweep_30.json')))[0]['setting'] == {
        'distill_loss.loss_weight': '30.0'}
    assert '| loss_weight-0.0 |' not in open(out).read()
    assert open(osp.join(work, 'sweep.md')).read() == table


def test_sweep_refuses_held_out_seeds_and_bad_params(capsys):
    tool = load_tool('analysis_tools/lhl_sweep.py')
    for argv, message in (
        (['--method', 'had', '--seeds', '0', '10', '--param', 'a=1'],
         'held-out benchmark seeds'),
        (['--method', 'had', '--param', 'novalues'], 'expected KEY=V1'),
    ):
        with pytest.raises(SystemExit):
            tool.parse_args(argv)
        assert message in capsys.readouterr().err
    assert tool.settings([('a', ['1', '2']), ('b', ['x'])]) == [
        {'a': '1', 'b': 'x'}, {'a': '2', 'b': 'x'}]


def test_joined_keys_take_one_value_and_name_the_setting():
    tool = load_tool('analysis_tools/lhl_sweep.py')
    key, values = tool.parse_param(
        'distill_loss.losses.semantic.k+distill_loss.losses.depth.k=0.5,0.95')
    setting = tool.settings([(key, values)])[1]
    assert tool.options(setting) == ['distill_loss.losses.semantic.k=0.95',
                                     'distill_loss.losses.depth.k=0.95']
    assert tool.tag(setting) == 'k-0.95'
    grid = {'distill_loss.loss_weight': '1', 'a.eps': '0.1'}
    assert tool.options(grid) == ['distill_loss.loss_weight=1', 'a.eps=0.1']
    assert tool.tag(grid) == 'loss_weight-1_eps-0.1'
