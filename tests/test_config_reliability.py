"""Issue 7 item 6: continual config values are checked before building."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmhad.utils.config_check import ConfigValueError, check_config
from tests.test_engine.utils import REPO

CONFIGS = ['configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
           'configs/baselines/lwf_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
           'configs/baselines/ewc_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
           'configs/had/had_r18-d8_1xb8-6x150it_synthetic-96x128_seg-depth-normal-edge-albedo-shading_mmhad-protocol.py']


def _cfg(name):
    return Config.fromfile(osp.join(REPO, name))


@pytest.mark.parametrize('name', CONFIGS)
def test_repo_configs_pass(name):
    check_config(_cfg(name))


def test_every_bad_value_is_named_at_once():
    cfg = _cfg(CONFIGS[0])
    distill = cfg.distill_loss
    distill.loss_weight = -1.0
    distill.losses.depth.eps = -1
    distill.losses.depth.k = 1.5
    distill.losses.normal.delta = 2
    distill.losses['dpeth'] = dict(type='HADLoss', output_type='regression')
    cfg.train_cfg.phases[2].task = 'normals'
    with pytest.raises(ConfigValueError) as info:
        check_config(cfg)
    message = str(info.value)
    for expected in ('distill_loss.loss_weight=-1.0: allowed lambda',
                     'losses.depth.eps=-1: allowed eps > 0',
                     'losses.depth.k=1.5: allowed 0 < k <= 1',
                     'losses.normal.delta=2: allowed 0 <= delta <= 1',
                     'losses.dpeth: unknown task',
                     "train_cfg.phases.2.task='normals': unknown task"):
        assert expected in message, expected


def test_negative_ewc_lambda_is_refused():
    cfg = _cfg(CONFIGS[2])
    for hook in cfg.custom_hooks:
        if hook.type == 'EWCHook':
            hook.ewc_lambda = -5.0
    with pytest.raises(ConfigValueError, match='ewc_lambda=-5.0: allowed'):
        check_config(cfg)


@pytest.mark.parametrize('steps', [0, -1, 2.5, 'five'])
def test_bad_max_nonfinite_steps_is_refused(steps):
    cfg = _cfg(CONFIGS[0])
    cfg.train_cfg.max_nonfinite_steps = steps
    with pytest.raises(ConfigValueError,
                       match=f'train_cfg.max_nonfinite_steps={steps!r}'):
        check_config(cfg)
    cfg.train_cfg.max_nonfinite_steps = None  # no guard: allowed
    check_config(cfg)


def test_phase_tasks_the_datasets_cannot_provide_are_refused():
    import mmhad  # noqa: F401  (registers the dataset types)
    cfg = _cfg(CONFIGS[3])  # six phases, six heads, the synthetic scenes
    cfg.train_dataloader.dataset.type = 'NYUv2MultiTaskDataset'
    cfg.val_dataloader.dataset.tasks = ('semantic', 'depth', 'normal')
    with pytest.raises(ConfigValueError) as info:
        check_config(cfg)
    message = str(info.value)
    assert ("train_dataloader.dataset (type='NYUv2MultiTaskDataset') cannot "
            "provide the task(s) ['edge', 'albedo', 'shading'] of "
            "train_cfg.phases; it provides ['semantic', 'depth', 'normal']"
            in message)
    assert ("val_dataloader.dataset (type='SyntheticScenesDataset') cannot "
            "provide the task(s) ['edge', 'albedo', 'shading']" in message)


def test_a_dropped_head_is_not_a_head():
    cfg = _cfg(CONFIGS[0])
    cfg.model.decode_heads.normal = None
    with pytest.raises(ConfigValueError,
                       match=r"phases.2.task='normal': unknown task; the "
                       r"model has heads \['depth', 'semantic'\]"):
        check_config(cfg)
