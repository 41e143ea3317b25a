import json
import math
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmhad.engine.runner import plan_phases, split_indices
from mmhad.engine.runner.phase_plan import merge_overrides
from tests.test_engine.utils import make_tiny_scenes, tiny_config, train

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
FINETUNE = 'configs/baselines/finetune_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
EWC = 'configs/baselines/ewc_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
HAD6 = 'configs/had/had_r18-d8_1xb8-6x150it_synthetic-96x128_seg-depth-normal-edge-albedo-shading_mmhad-protocol.py'
SIX_TASKS = ['semantic', 'depth', 'normal', 'edge', 'albedo', 'shading']


@pytest.fixture(scope='module')
def scenes(tmp_path_factory):
    return make_tiny_scenes(str(tmp_path_factory.mktemp('scenes')))


def load_results(work_dir):
    with open(osp.join(work_dir, 'continual_results.json')) as f:
        return json.load(f)


def state(path):
    return torch.load(path, map_location='cpu', weights_only=False)


# ---------------------------------------------------------------- phase plan
def test_split_indices_contiguous_and_shuffled():
    assert split_indices(7, 3) == [[0, 1], [2, 3], [4, 5]]  # remainder out
    chunks = split_indices(12, 3, mode='shuffle', seed=1)
    flat = sum(chunks, [])
    assert sorted(flat) == list(range(12)) and flat != list(range(12))
    assert chunks == split_indices(12, 3, mode='shuffle', seed=1)
    with pytest.raises(ValueError, match='mode'):
        split_indices(12, 3, mode='random')
    with pytest.raises(ValueError, match='cannot split 2'):
        split_indices(2, 3)


def test_plan_phases_epochs_iters_and_bad_keys():
    per_epoch = lambda n, over: -(-n // over.get('batch_size', 4))  # noqa
    phases = plan_phases(
        [dict(task='semantic', max_epochs=2),
         dict(task='depth', max_iters=5, dataloader=dict(batch_size=2)),
         dict(task=['normal', 'semantic'], max_epochs=1,
              indices=[0, 1, 2])], 30, per_epoch)
    assert [(p.begin, p.end) for p in phases] == [(0, 6), (6, 11), (11, 12)]
    assert phases[1].indices == list(range(10, 20))
    assert phases[2].tasks == ['normal', 'semantic']
    assert phases[2].name == 'normal+semantic'
    with pytest.raises(KeyError, match=r'phases\[0\]: unknown key'):
        plan_phases([dict(task='semantic', max_iter=3)], 9, per_epoch)
    with pytest.raises(KeyError, match='exactly one of'):
        plan_phases([dict(task='semantic')], 9, per_epoch)
    assert phases[0].optim_wrapper == {}
    with pytest.raises(KeyError, match='split: unknown'):
        plan_phases([dict(task='depth', max_iters=1)] * 2, 9, per_epoch,
                    split=dict(mode='contiguous', shuffle=True))


def test_phase_optimizer_overrides_merge_key_by_key():
    base = dict(type='OptimWrapper',
                optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-5))
    phases = plan_phases(
        [dict(task='semantic', max_iters=1),
         dict(task='depth', max_iters=1,
              optim_wrapper=dict(optimizer=dict(lr=1e-4)))], 4,
        lambda n, over: n)
    merged = merge_overrides(base, phases[1].optim_wrapper)
    assert merged == dict(type='OptimWrapper',
                          optimizer=dict(type='Adam', lr=1e-4,
                                         weight_decay=1e-5))
    assert base['optimizer']['lr'] == 1e-3  # the base is not modified
    assert merge_overrides(base, phases[0].optim_wrapper) == base
    # a non-dict value replaces the whole entry
    assert merge_overrides(base, dict(optimizer=None))['optimizer'] is None


class RecordLr(Hook):
    """Remember the learning rate of every training iteration."""

    def __init__(self) -> None:
        self.lrs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])


HOOKS.register_module(module=RecordLr, force=True)


# ---------------------------------------------------------------- full runs
def test_had_three_phases_grow_tasks_and_freeze_teacher(scenes, tmp_path):
    work = str(tmp_path / 'had')
    runner = train(tiny_config(HAD, scenes, work))
    assert runner.iter == 9
    results = load_results(work)
    assert results['task_order'] == ['semantic', 'depth', 'normal']
    assert [p['iter'] for p in results['phases']] == [3, 6, 9]
    tasks_scored = [sorted({k.split('/')[0] for k in p['metrics']})
                    for p in results['phases']]
    assert tasks_scored == [['semantic'], ['depth', 'semantic'],
                            ['depth', 'normal', 'semantic']]
    # each phase saw its own third of the 12 training images, own labels
    loop = runner.train_loop
    assert [p.indices for p in loop.phases] == [[0, 1, 2, 3], [4, 5, 6, 7],
                                               [8, 9, 10, 11]]
    assert list(loop.dataloader.dataset.tasks) == ['normal']
    # the teacher of phase 2 is the model saved at the end of phase 1
    end_of_phase1 = state(osp.join(work, 'phase1_depth.pth'))['state_dict']
    teacher = runner.model.teacher.state_dict()
    assert set(teacher) == set(end_of_phase1)
    for key, value in end_of_phase1.items():
        assert torch.equal(teacher[key].cpu(), value), key
    assert runner.model.teacher.learned_tasks == ['semantic', 'depth']
    assert not runner.model.teacher.training
    # and it is in the checkpoints, but not inside the model's state dict
    final = state(osp.join(work, 'iter_9.pth'))
    assert 'mmhad_teacher' in final
    assert not any(k.startswith('teacher') for k in final['state_dict'])
    phase0 = state(osp.join(work, 'phase0_semantic.pth'))['state_dict']
    # one flag per task sorted by name: depth, normal, semantic
    assert phase0['learned_mask'].tolist() == [False, False, True]


def test_had_six_phases_score_all_six_tasks(scenes, tmp_path):
    work = str(tmp_path / 'had6')
    cfg = tiny_config(HAD6, scenes, work, phase_iters=1,
                      **{'train_cfg.save_phase_checkpoint': False,
                         'default_hooks.checkpoint.interval': 100})
    runner = train(cfg)
    assert runner.iter == 6
    results = load_results(work)
    assert results['task_order'] == SIX_TASKS
    assert results['method'] == 'had'
    assert [p['iter'] for p in results['phases']] == [1, 2, 3, 4, 5, 6]
    scored = [[t for t in SIX_TASKS
               if any(k.startswith(f'{t}/') for k in p['metrics'])]
              for p in results['phases']]
    assert scored == [SIX_TASKS[:k + 1] for k in range(6)]
    final = results['phases'][-1]['metrics']
    for key in ('semantic/mIoU', 'depth/abs_err', 'normal/mean_angle',
                'edge/F1', 'edge/IoU', 'albedo/abs_err', 'shading/abs_err'):
        assert key in final and math.isfinite(final[key]), key
    assert 0 <= final['albedo/abs_err'] <= 1
    # each phase saw its own sixth of the 12 images, its own labels only
    loop = runner.train_loop
    assert [p.indices for p in loop.phases] == [[2 * k, 2 * k + 1]
                                               for k in range(6)]
    assert list(loop.dataloader.dataset.tasks) == ['shading']
    # the last phase distils the five old tasks from the frozen teacher
    assert runner.model.teacher.learned_tasks == SIX_TASKS[:5]
    assert runner.model.distilled_tasks() == SIX_TASKS[:5]


def test_any_order_and_repeated_tasks(scenes, tmp_path):
    work = str(tmp_path / 'order')
    phases = [dict(task='normal', max_iters=2), dict(task='semantic',
                                                     max_iters=2),
              dict(task='normal', max_iters=2)]
    cfg = tiny_config(HAD, scenes, work, phase_iters=None)
    cfg.train_cfg.phases = phases
    runner = train(cfg)
    results = load_results(work)
    assert results['task_order'] == ['normal', 'semantic', 'normal']
    assert runner.model.learned_tasks == ['semantic', 'normal']
    # phase 2 relearns normals on labels and distils only semantics
    assert runner.model.active_tasks == ['normal']
    assert runner.model.distilled_tasks() == ['semantic']


def test_each_phase_builds_its_own_optimizer_settings(scenes, tmp_path):
    cfg = tiny_config(FINETUNE, scenes, str(tmp_path / 'lr'),
                      phase_iters=2)
    cfg.optim_wrapper.optimizer.lr = 1e-3
    cfg.train_cfg.phases[1].optim_wrapper = dict(optimizer=dict(lr=1e-4))
    cfg.train_cfg.phases[2].optim_wrapper = dict(optimizer=dict(lr=5e-5))
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='RecordLr')]
    runner = train(cfg)
    record = [h for h in runner.hooks if isinstance(h, RecordLr)][0]
    assert record.lrs == pytest.approx([1e-3] * 2 + [1e-4] * 2 + [5e-5] * 2)
    assert runner.optim_wrapper.optimizer.defaults['weight_decay'] == 1e-5


class CrashAt(Hook):
    """Stop training like a kill would, after iteration ``at`` was saved."""
    priority = 'LOWEST'  # after CheckpointHook

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.at:
            raise KeyboardInterrupt(f'simulated kill after iter {self.at}')


HOOKS.register_module(module=CrashAt, force=True)


@pytest.mark.parametrize('config', [HAD, FINETUNE, EWC])
def test_resume_mid_phase_repeats_uninterrupted_run(scenes, tmp_path,
                                                    config):
    straight = str(tmp_path / 'straight')
    train(tiny_config(config, scenes, straight))

    broken = str(tmp_path / 'broken')
    cfg = tiny_config(config, scenes, broken)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='CrashAt', at=5)]  # phase 1 runs iters 3..5
    with pytest.raises(KeyboardInterrupt):
        train(cfg)
    assert load_results(broken)['phases'][-1]['phase'] == 0
    resumed = train(tiny_config(config, scenes, broken, resume=True))
    assert resumed.iter == 9

    want, got = load_results(straight), load_results(broken)
    assert [p['phase'] for p in got['phases']] == [0, 1, 2]
    for a, b in zip(want['phases'], got['phases']):
        assert b['metrics'] == pytest.approx(a['metrics'], rel=1e-5)
    w1 = state(osp.join(straight, 'iter_9.pth'))['state_dict']
    w2 = state(osp.join(broken, 'iter_9.pth'))['state_dict']
    for key in w1:
        assert torch.allclose(w1[key].float(), w2[key].float(),
                              atol=1e-5), key
