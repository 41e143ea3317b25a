"""TeacherHook gives the model the method's top-level ``distill_loss``."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

from mmhad.engine.hooks import TeacherHook
from mmhad.models.losses import HADLoss, LwFLoss
from mmhad.utils.config_check import ConfigValueError, check_config
from tests.test_models.utils import tiny_model_cfg
from tests.test_engine.utils import REPO

HAD_BASE = f'{REPO}/configs/_base_/continual/had.py'
LWF_BASE = f'{REPO}/configs/_base_/continual/lwf.py'


def runner_for(model, cfg: dict):
    return SimpleNamespace(model=model, cfg=Config(cfg))


def test_the_method_base_builds_the_losses_of_the_models_heads():
    # a Cityscapes-like model: the method base also lists normal, edge ...
    model = MODELS.build(tiny_model_cfg(tasks=('semantic', 'depth')))
    distill = Config.fromfile(HAD_BASE).distill_loss
    assert set(distill.losses) == {'semantic', 'depth', 'normal', 'edge',
                                   'albedo', 'shading'}
    hook = TeacherHook()
    hook.before_run(runner_for(model, dict(distill_loss=distill)))
    assert list(model.distill_loss.losses) == ['semantic', 'depth']
    depth = model.distill_loss.losses['depth']
    assert isinstance(depth, HADLoss) and depth.eps == 0.1
    assert model.distill_loss.losses['semantic'].eps == 1e-6
    assert model.distill_loss.loss_weight == 3.0
    built = model.distill_loss
    hook.before_run(runner_for(model, dict(distill_loss=distill)))
    assert model.distill_loss is built  # runner.test() after train()


def test_lwf_base_gives_lwf_losses():
    model = MODELS.build(tiny_model_cfg())
    distill = Config.fromfile(LWF_BASE).distill_loss
    TeacherHook().before_run(runner_for(model, dict(distill_loss=distill)))
    assert list(model.distill_loss.losses) == ['semantic', 'depth', 'normal']
    assert all(isinstance(loss, LwFLoss)
               for loss in model.distill_loss.losses.values())


def test_no_distill_loss_anywhere_is_refused():
    model = MODELS.build(tiny_model_cfg())
    with pytest.raises(ConfigValueError, match='has no distill_loss'):
        TeacherHook().before_run(runner_for(model, {}))


def test_a_loss_in_the_model_and_at_the_top_is_refused():
    distill = dict(type='HADDistillLoss', losses=dict(semantic=dict(
        type='HADLoss')))
    model = MODELS.build(tiny_model_cfg(distill_loss=distill))
    TeacherHook().before_run(runner_for(model, {}))  # the model's own: kept
    assert list(model.distill_loss.losses) == ['semantic']
    with pytest.raises(ConfigValueError, match='given twice'):
        TeacherHook().before_run(runner_for(model, dict(distill_loss=distill)))


def test_losses_for_none_of_the_heads_are_refused():
    model = MODELS.build(tiny_model_cfg(tasks=('semantic', 'depth')))
    distill = dict(type='HADDistillLoss', losses=dict(normal=dict(
        type='HADLoss')))
    with pytest.raises(ValueError, match="configures \\['normal'\\]"):
        TeacherHook().before_run(runner_for(model, dict(distill_loss=distill)))


def test_check_config_wants_a_loss_for_every_distilled_task():
    cfg = Config.fromfile(
        f'{REPO}/configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_'
        'seg-depth-normal_mmhad-protocol.py')
    check_config(cfg)
    del cfg.distill_loss.losses['depth']  # distilled in phase 2
    with pytest.raises(ConfigValueError,
                       match=r"no loss for the task\(s\) \['depth'\]"):
        check_config(cfg)
    cfg = Config.fromfile(
        f'{REPO}/configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_'
        'seg-depth-normal_mmhad-protocol.py')
    del cfg.distill_loss.losses['normal']  # the last task: never distilled
    check_config(cfg)
    cfg.distill_loss.losses['normals'] = dict(type='HADLoss')
    with pytest.raises(ConfigValueError,
                       match='distill_loss.losses.normals: unknown task'):
        check_config(cfg)
