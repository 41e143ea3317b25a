"""ContinualHook: the phase events the loop calls, and one unwrap."""
import os.path as osp
import re
from glob import glob
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmseg.registry import HOOKS

from mmhad.engine.hooks import (ContinualHook, EWCHook, StudentModeHook,
                                TeacherHook)
from mmhad.utils.model import unwrap_model
from tests.test_engine.utils import (REPO, make_tiny_scenes, tiny_config,
                                     train)

FINETUNE = 'configs/baselines/finetune_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


def test_unwrap_model_takes_module_of_a_wrapper_only():
    model = nn.Linear(2, 2)
    assert unwrap_model(model) is model
    assert unwrap_model(nn.DataParallel(model)) is model  # in MODEL_WRAPPERS
    holder = nn.Sequential(model)  # has submodules, is no wrapper
    assert unwrap_model(holder) is holder


def test_one_unwrap_helper_in_mmhad_and_tools():
    """No module keeps its own 'model.module if is_model_wrapper' copy."""
    copies = []
    for path in glob(osp.join(REPO, 'mmhad', '**', '*.py'), recursive=True) \
            + glob(osp.join(REPO, 'tools', '**', '*.py'), recursive=True):
        with open(path) as f:
            text = f.read()
        if re.search(r'\.module\s+if\s+is_model_wrapper', text):
            copies.append(osp.relpath(path, REPO))
    assert copies == [osp.join('mmhad', 'utils', 'model.py')]


def test_base_gives_the_unwrapped_model_and_no_op_phase_events():
    model = nn.Linear(2, 2)
    runner = SimpleNamespace(model=nn.DataParallel(model))
    hook = ContinualHook()
    assert hook.model(runner) is model
    assert hook.before_train_phase(runner, 0, None, resumed=False) is None
    assert hook.after_train_phase(runner, 0, None, metrics={}) is None


def test_mmhad_phase_hooks_derive_from_the_base():
    for hook in (EWCHook, StudentModeHook, TeacherHook):
        assert issubclass(hook, ContinualHook), hook


@HOOKS.register_module(force=True)
class RecordPhases(ContinualHook):
    """Keep what every phase event saw."""
    events = []

    def before_train_phase(self, runner, phase_idx, phase, resumed):
        model = self.model(runner)
        RecordPhases.events.append(
            ('before', phase_idx, phase.tasks, resumed, runner.iter,
             model.active_tasks, model.learned_tasks))

    def after_train_phase(self, runner, phase_idx, phase, metrics):
        RecordPhases.events.append(
            ('after', phase_idx, phase.tasks, sorted(
                {k.split('/')[0] for k in metrics}), runner.iter))


def test_loop_calls_the_phase_events_as_documented(tmp_path):
    scenes = make_tiny_scenes(str(tmp_path / 'scenes'))
    cfg = tiny_config(FINETUNE, scenes, str(tmp_path / 'work'),
                      phase_iters=1)
    cfg.train_cfg.phases = cfg.train_cfg.phases[:2]
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='RecordPhases')]
    RecordPhases.events = []
    torch.manual_seed(0)
    train(cfg)
    assert RecordPhases.events == [
        ('before', 0, ['semantic'], False, 0, ['semantic'], ['semantic']),
        ('after', 0, ['semantic'], ['semantic'], 1),
        ('before', 1, ['depth'], False, 1, ['depth'], ['semantic', 'depth']),
        ('after', 1, ['depth'], ['depth', 'semantic'], 2),
    ]
