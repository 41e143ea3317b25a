"""Issue 7: exact resume at a phase boundary; --resume checks in train.py."""
import math
import os.path as osp

import pytest
import torch

from tests.test_engine.test_continual_loop import (  # noqa: F401
    CrashAt, load_results, scenes)
from tests.test_engine.utils import tiny_config, train
from tests.test_tools.utils import load_tool

train_tool = load_tool('train.py')

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


def _same(a, b):
    """Metric values equal (rel 1e-5), a NaN equal only to a NaN."""
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k]))
        or math.isclose(a[k], b[k], rel_tol=1e-5, abs_tol=1e-6) for k in a)


def _weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


# phase 1 runs iters 3..5: iter_6.pth is its last iteration, saved before the
# phase-end evaluation; phase1_depth.pth is saved after it; iter_8.pth is in
# the middle of phase 2 (iters 6..8)
CRASH_AT = {'iter_6.pth': 6, 'phase1_depth.pth': 7, 'iter_8.pth': 8}


@pytest.mark.parametrize('resume_from', list(CRASH_AT))
def test_resume_at_a_phase_boundary_repeats_uninterrupted_run(
        scenes, tmp_path, resume_from):
    straight = str(tmp_path / 'straight')
    train(tiny_config(HAD, scenes, straight))
    broken = str(tmp_path / 'broken')
    cfg = tiny_config(HAD, scenes, broken)
    crash_at = CRASH_AT[resume_from]
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='CrashAt', at=crash_at)]
    with pytest.raises(KeyboardInterrupt):
        train(cfg)
    ckpt = osp.join(broken, resume_from)
    assert osp.isfile(ckpt)
    resumed = train(tiny_config(HAD, scenes, broken, resume=True,
                                load_from=ckpt))
    assert resumed.iter == 9
    want, got = load_results(straight)['phases'], load_results(broken)['phases']
    assert [p['phase'] for p in got] == [0, 1, 2]
    for a, b in zip(want, got):
        assert _same(a['metrics'], b['metrics']), (a, b)
    w1 = _weights(osp.join(straight, 'iter_9.pth'))
    w2 = _weights(osp.join(broken, 'iter_9.pth'))
    assert w1.keys() == w2.keys()  # student and teacher
    for key in w1:
        assert torch.equal(w1[key], w2[key]), key


def test_resume_flag_in_an_empty_work_dir_warns(tmp_path):
    work_dir = str(tmp_path / 'w')
    args = train_tool.parse_args([HAD, '--work-dir', work_dir, '--resume'])
    with pytest.warns(UserWarning, match='starts from scratch') as record:
        cfg = train_tool.build_config(args)
    assert any(work_dir in str(w.message) and 'no last_checkpoint' in
               str(w.message) for w in record)
    assert cfg.resume is True and cfg.load_from is None


def test_resume_from_a_missing_file_is_an_error(tmp_path):
    args = train_tool.parse_args([HAD, '--work-dir', str(tmp_path / 'w'),
                                  '--resume', str(tmp_path / 'gone.pth')])
    with pytest.raises(FileNotFoundError, match='gone.pth'):
        train_tool.build_config(args)


def test_resume_with_another_phase_plan_is_refused(scenes, tmp_path):
    broken = str(tmp_path / 'broken')
    cfg = tiny_config(HAD, scenes, broken)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='CrashAt', at=5)]
    with pytest.raises(KeyboardInterrupt):
        train(cfg)
    before = load_results(broken)
    reordered = tiny_config(HAD, scenes, broken, resume=True)
    phases = reordered.train_cfg.phases
    phases[1], phases[2] = phases[2], phases[1]
    with pytest.raises(ValueError, match=r'phase 1 tasks: checkpoint'):
        train(reordered)
    assert load_results(broken) == before  # nothing rewritten
    assert not osp.exists(osp.join(broken, 'iter_6.pth'))


def test_plan_difference_names_chunk_and_method():
    from mmhad.engine.runner.phase_plan import (Phase, plan_difference,
                                                plan_record)
    a = [Phase(0, ['semantic'], [0, 1, 2], 0, 3)]
    b = [Phase(0, ['semantic'], [0, 1, 3], 0, 3)]
    assert plan_difference(plan_record(a, 'had'), plan_record(a, 'had')) \
        is None
    assert plan_difference(plan_record(a, 'had'),
                           plan_record(b, 'had')).startswith('phase 0 chunk')
    assert plan_difference(plan_record(a, 'had'),
                           plan_record(a, 'lwf')).startswith('method')


def _dist_train(work_dir, options, *extra):
    """``tools/dist_train.sh`` with 2 gloo processes; its return code."""
    import os
    import subprocess
    import sys

    from tests.test_tools.test_train_test_tools import REPO, free_port
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1')
    return subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'),
         osp.join(REPO, HAD), '2', '--work-dir', work_dir, *extra,
         '--cfg-options', *options], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=600).returncode


def test_two_process_gloo_resume_repeats_uninterrupted_run(tmp_path):
    """Kill a 2-process run in the middle of phase 1 (after iter_3.pth),
    ``--resume`` it: results and weights equal the uninterrupted run's
    (ranks share one seed, mmengine's default ``diff_rank_seed=False``)."""
    from mmhad.datasets.synthetic_scenes import generate_dataset
    from tests.test_tools.test_train_test_tools import tiny_options
    root = str(tmp_path / 'scenes')
    generate_dataset(root, num_train=12, num_val=5, height=32, width=48,
                     seed=0)
    options = tiny_options(root, phase_iters=(2, 2, 2)) + [
        'default_hooks.checkpoint.save_last=True',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=100']
    straight, broken = str(tmp_path / 'straight'), str(tmp_path / 'broken')
    assert _dist_train(straight, options) == 0
    crash = ['custom_imports.imports=[mmhad,tests.test_engine.'
             'test_continual_loop]', 'default_hooks.crash.type=CrashAt',
             'default_hooks.crash.at=3']
    assert _dist_train(broken, options + crash) != 0
    assert not osp.exists(osp.join(broken, 'iter_4.pth'))
    assert _dist_train(broken, options, '--resume') == 0
    want, got = load_results(straight)['phases'], load_results(broken)['phases']
    assert [p['phase'] for p in got] == [0, 1, 2]
    for a, b in zip(want, got):
        assert _same(a['metrics'], b['metrics']), (a, b)
    w1 = torch.load(osp.join(straight, 'iter_6.pth'), map_location='cpu',
                    weights_only=False)
    w2 = torch.load(osp.join(broken, 'iter_6.pth'), map_location='cpu',
                    weights_only=False)
    for part in ('state_dict', 'mmhad_teacher'):
        assert w1[part].keys() == w2[part].keys()
        for key in w1[part]:
            assert torch.equal(w1[part][key], w2[part][key]), (part, key)
