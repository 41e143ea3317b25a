"""Issue 7 item 5: steps with a NaN/inf loss are skipped; too many stop."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmhad.engine.runner.nonfinite_guard import NonFiniteGuard
from mmhad.utils.errors import NonFiniteLossError, NonFiniteTeacherError
from tests.test_engine.test_continual_loop import scenes  # noqa: F401
from tests.test_engine.utils import tiny_config, train

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


class InjectNaN(Hook):
    """Make one loss term NaN at the given global iterations."""

    def __init__(self, iters, key=None) -> None:
        self.iters = set(iters)
        self.key = key

    def before_train(self, runner) -> None:
        model = runner.model
        model = model.module if is_model_wrapper(model) else model
        loss, hook = model.loss, self

        def nan_loss(*args, **kwargs):
            losses = loss(*args, **kwargs)
            if runner.iter in hook.iters:
                key = hook.key or next(k for k in losses if 'loss' in k)
                losses[key] = losses[key] * float('nan')
            return losses

        model.loss = nan_loss


HOOKS.register_module(module=InjectNaN, force=True)


def _ckpt(work_dir, name):
    return torch.load(osp.join(work_dir, name), map_location='cpu',
                      weights_only=False)


def _all_finite(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return all(bool(torch.isfinite(v).all())
               for part in ('state_dict', 'mmhad_teacher')
               for v in (ckpt.get(part) or {}).values()
               if torch.is_tensor(v) and v.is_floating_point())


def test_nan_steps_are_skipped_and_training_continues(
        scenes, tmp_path, caplog):  # noqa: F811
    work_dir = str(tmp_path / 'w')
    cfg = tiny_config(HAD, scenes, work_dir)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='InjectNaN', iters=[1, 2])]
    runner = train(cfg)
    assert runner.iter == 9
    # iterations 1 and 2 (saved as iter_2 / iter_3) changed nothing: weights,
    # BN statistics and the optimizer state are those after iteration 0
    first = _ckpt(work_dir, 'iter_1.pth')
    for name in ('iter_2.pth', 'iter_3.pth'):
        later = _ckpt(work_dir, name)
        for key, value in first['state_dict'].items():
            assert torch.equal(value, later['state_dict'][key]), (name, key)
        for idx, slot in first['optimizer']['state'].items():
            for k, v in slot.items():
                assert torch.equal(v, later['optimizer']['state'][idx][k])
    # then training went on and changed the weights again
    last = _ckpt(work_dir, 'iter_4.pth')['state_dict']
    assert any(not torch.equal(v, last[k])
               for k, v in first['state_dict'].items()
               if v.is_floating_point())
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        assert _all_finite(path), path
    log = '\n'.join(
        open(f).read() for f in glob.glob(osp.join(work_dir, '*', '*.log')))
    assert 'phase 0 (semantic), iter 1: non-finite loss' in log
    assert 'iter 2: non-finite loss' in log and '2/5 in a row' in log


def test_consecutive_nan_steps_stop_with_one_clear_error(
        scenes, tmp_path):  # noqa: F811
    work_dir = str(tmp_path / 'w')
    cfg = tiny_config(HAD, scenes, work_dir)
    cfg.train_cfg.max_nonfinite_steps = 3
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='InjectNaN', iters=range(3, 9))]
    with pytest.raises(NonFiniteLossError) as error:
        train(cfg)
    message = str(error.value)
    assert 'phase 1 (depth) at iteration 5' in message
    assert '3 steps in a row' in message and 'iterations 3-5' in message
    assert 'Lower the learning rate' in message
    assert osp.isfile(osp.join(work_dir, 'iter_5.pth'))
    assert not osp.exists(osp.join(work_dir, 'iter_6.pth'))
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        assert _all_finite(path), path


def test_huge_lr_stops_after_n_steps_and_saves_nothing_non_finite(
        scenes, tmp_path):  # noqa: F811
    work_dir = str(tmp_path / 'w')
    cfg = tiny_config(HAD, scenes, work_dir, phase_iters=6)
    cfg.optim_wrapper.optimizer.lr = 1e30
    cfg.train_cfg.max_nonfinite_steps = 2
    with pytest.raises(NonFiniteLossError, match='Lower the learning rate'):
        train(cfg)
    saved = glob.glob(osp.join(work_dir, '*.pth'))
    assert saved
    for path in saved:
        assert _all_finite(path), path
    named = open(osp.join(work_dir, 'last_checkpoint')).read().strip()
    assert _all_finite(named)


def test_guard_off_and_bad_setting():
    with pytest.raises(ValueError, match='max_nonfinite_steps'):
        NonFiniteGuard(0)
    guard = NonFiniteGuard(None)
    model = torch.nn.Linear(2, 1)
    calls = []
    model.train_step = lambda data, optim_wrapper: calls.append(data) or {}
    assert guard.train_step(model, 'batch', None) == ({}, [])
    assert calls == ['batch']


def test_teacher_refuses_non_finite_weights():
    from mmhad.engine.hooks.teacher_hook import TeacherHook

    class Model:
        def state_dict(self):
            return dict(w=torch.tensor([1.0, math.inf]))

    class Runner:
        model = Model()

        class train_loop:
            phases = [0, 1]

    class Phase:
        name = 'semantic'

    with pytest.raises(NonFiniteTeacherError, match='weight w holds NaN/inf'):
        TeacherHook().after_train_phase(Runner(), 0, Phase(), {})


def test_finite_loss_goes_to_the_wrappers_own_update():
    """Only the loss is checked: a finite loss reaches the wrapper's own
    update_params (AmpOptimWrapper's overflow handling stays its own), and
    the wrapper is left as it was."""
    from mmengine.optim import OptimWrapper

    from tests.test_engine.test_nonfinite_guard_ddp import _model

    class Recording(OptimWrapper):
        calls = []

        def update_params(self, loss, *args, **kwargs):
            self.calls.append(float(loss))
            super().update_params(loss, *args, **kwargs)

    model = _model()
    optim = Recording(torch.optim.SGD(model.parameters(), lr=0.1))
    guard = NonFiniteGuard(2)
    _, keys = guard.train_step(model, dict(inputs=torch.randn(8, 4)), optim)
    assert keys == [] and len(Recording.calls) == 1
    assert 'update_params' not in vars(optim)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    inputs = torch.randn(8, 4)
    inputs[0, 0] = math.inf
    _, keys = guard.train_step(model, dict(inputs=inputs), optim)
    assert keys == ['loss', 'loss_sq'] and len(Recording.calls) == 1
    assert all(p.grad is None or not p.grad.any()
               for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert 'update_params' not in vars(optim)
