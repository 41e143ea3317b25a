from types import SimpleNamespace

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmhad.engine.hooks import StudentModeHook
from mmseg.registry import MODELS
from tests.test_models.utils import make_batch, tiny_model_cfg


def build(dropout: float = 0.5):
    cfg = tiny_model_cfg()
    for head in cfg['decode_heads'].values():
        head['dropout_ratio'] = dropout
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.set_tasks(active=['depth'], learned=['semantic', 'depth'])
    model.train()
    return model


def run_hook(hook, model, phase_idx):
    runner = SimpleNamespace(model=model)
    hook.before_train_phase(runner, phase_idx, None, resumed=False)
    model.train()  # the loop calls train() before every iteration
    hook.before_train_iter(runner, batch_idx=0)


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


def test_phase_zero_keeps_train_mode_except_old_heads():
    model = build()
    run_hook(StudentModeHook(), model, phase_idx=0)
    assert all(bn.training for bn in batch_norms(model.backbone))
    assert model.decode_heads['depth'].training
    assert not model.decode_heads['semantic'].training  # only distilled
    assert model.decode_heads['normal'].training  # not learned: untouched


def test_later_phase_freezes_statistics_and_old_heads_dropout():
    model = build()
    run_hook(StudentModeHook(norm_eval_from_phase=1,
                             train_active_head_norm=False),
             model, phase_idx=1)
    assert not any(bn.training for bn in batch_norms(model))
    depth = model.decode_heads['depth']
    assert depth.training and depth.dropout.training  # new task: dropout
    assert not model.decode_heads['semantic'].dropout.training

    # a training step leaves every running statistic as it was, and the
    # old head gives the same output twice (no dropout)
    before = {k: v.clone() for k, v in model.state_dict().items()
              if 'running' in k}
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model(**data, mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    feats = model.extract_feat(data['inputs'])
    first = model.decode_heads['semantic'].forward(feats)
    second = model.decode_heads['semantic'].forward(feats)
    assert torch.equal(first, second)
    assert not torch.equal(model.decode_heads['depth'].forward(feats),
                           model.decode_heads['depth'].forward(feats))


def test_switches_off():
    model = build()
    run_hook(StudentModeHook(norm_eval_from_phase=None, old_heads_eval=False),
             model, phase_idx=2)
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match='norm_eval_from_phase'):
        StudentModeHook(norm_eval_from_phase=-1)


def test_new_head_keeps_normal_batch_norm():
    """The head learned in this phase normalises with batch statistics and
    updates its running ones; every other running statistic stays."""
    model = build()
    run_hook(StudentModeHook(norm_eval_from_phase=1), model, phase_idx=1)
    depth_bns = batch_norms(model.decode_heads['depth'])
    assert depth_bns and all(bn.training for bn in depth_bns)
    others = [bn for bn in batch_norms(model) if id(bn) not in
              {id(b) for b in depth_bns}]
    assert others and not any(bn.training for bn in others)

    before = {k: v.clone() for k, v in model.state_dict().items()
              if 'running_mean' in k}
    data = model.data_preprocessor(make_batch(), training=True)
    losses = model(**data, mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    after = model.state_dict()
    changed = sorted(k for k in before if not torch.equal(before[k], after[k]))
    assert changed  # the new head's statistics moved ...
    assert all(k.startswith('decode_heads.depth.') for k in changed)  # only
