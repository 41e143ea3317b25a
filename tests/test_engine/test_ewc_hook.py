import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmseg.registry import HOOKS, MODELS

from mmhad.engine.hooks import EWCHook
from mmhad.engine.hooks.ewc_hook import (CHECKPOINT_KEY, EWCPenalty,
                                         diagonal_fisher, ewc_penalty,
                                         select_params)
from tests.test_engine.utils import make_tiny_scenes, tiny_config, train
from tests.test_models.utils import make_batch, tiny_model_cfg

EWC = 'configs/baselines/ewc_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


# ------------------------------------------------------------- toy math
class Toy(nn.Module):
    """Two parameters, a (2,) 'shared' vector and a scalar 'head'."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Module()
        self.backbone.a = nn.Parameter(torch.tensor([1.0, -2.0]))
        self.head = nn.Parameter(torch.tensor(3.0))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        # L(x) = 1/2 sum_j (a_j x_j)^2 + head * x_0
        # dL/da_j = a_j x_j^2,  dL/dhead = x_0
        return 0.5 * (self.backbone.a * x).pow(2).sum() + self.head * x[0]


def test_diagonal_fisher_is_mean_of_squared_gradients_by_hand():
    toy = Toy()
    xs = [torch.tensor([1.0, 2.0]), torch.tensor([3.0, -1.0])]
    fisher = diagonal_fisher(
        dict(toy.named_parameters()), (toy.loss(x) for x in xs))
    # a = (1, -2): grads (1*1, -2*4) = (1, -8) and (1*9, -2*1) = (9, -2)
    assert torch.allclose(fisher['backbone.a'],
                          torch.tensor([(1 + 81) / 2, (64 + 4) / 2]))
    # head: grads x_0 = 1 and 3
    assert torch.allclose(fisher['head'], torch.tensor((1 + 9) / 2))
    # autograd.grad: the .grad the optimizer reads stays untouched
    assert toy.backbone.a.grad is None and toy.head.grad is None


def test_diagonal_fisher_unused_param_is_zero_and_empty_is_error():
    toy = Toy()
    params = dict(toy.named_parameters())
    fisher = diagonal_fisher(params, [toy.backbone.a.sum()])
    assert torch.equal(fisher['head'], torch.zeros(()))
    assert torch.equal(fisher['backbone.a'], torch.ones(2))
    with pytest.raises(ValueError, match='no loss'):
        diagonal_fisher(params, [])


def test_penalty_value_by_hand_and_gradient():
    toy = Toy()
    fisher = {'backbone.a': torch.tensor([2.0, 0.5])}
    anchor = {'backbone.a': torch.tensor([0.0, 0.0])}
    penalty = EWCPenalty(fisher, anchor, ewc_lambda=3.0)
    value = penalty(toy)
    # 3/2 * (2 * 1^2 + 0.5 * (-2)^2) = 3/2 * 4 = 6
    assert value.item() == pytest.approx(6.0)
    value.backward()
    # d/da = lambda * F * (a - a*) = 3 * (2, -1) = (6, -3)
    assert torch.allclose(toy.backbone.a.grad, torch.tensor([6.0, -3.0]))
    assert toy.head.grad is None  # not regularised
    params = dict(toy.named_parameters())
    assert ewc_penalty(params, fisher, {
        'backbone.a': params['backbone.a']
    }, 3.0).item() == 0.0


def test_select_params_matches_whole_module_names():
    model = nn.Module()
    model.backbone = nn.Linear(2, 2)
    model.backbone2 = nn.Linear(2, 2)
    model.neck = nn.Linear(2, 2)
    model.neck.bias.requires_grad_(False)
    assert list(select_params(model, ('backbone', 'neck'))) == [
        'backbone.weight', 'backbone.bias', 'neck.weight'
    ]


def test_bad_arguments():
    with pytest.raises(ValueError, match='online=True'):
        EWCHook(ewc_lambda=1.0, gamma=0.5)
    with pytest.raises(ValueError, match='gamma'):
        EWCHook(ewc_lambda=1.0, online=True, gamma=0.0)
    with pytest.raises(ValueError, match='empirical'):
        EWCHook(ewc_lambda=1.0, fisher='true')
    with pytest.raises(ValueError, match='no trainable parameter'):
        EWCHook(ewc_lambda=1.0, params='encoder')._shared_params(Toy())


# ------------------------------------------------- tiny multi-task model
def build_model(seed: int = 0):
    """``tiny_model_cfg`` with 8x thinner ResNet stages (64 output ch)."""
    cfg = tiny_model_cfg()
    cfg['backbone'].update(stem_channels=8, base_channels=8)
    for head in cfg['decode_heads'].values():
        head['in_channels'] = 64
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.set_tasks(active=['semantic'], learned=['semantic'])
    return model


def fake_runner(model, batches):
    return SimpleNamespace(
        model=model,
        train_loop=SimpleNamespace(dataloader=batches),
        logger=MMLogger.get_current_instance())


def phase(*tasks):
    return SimpleNamespace(tasks=list(tasks), name='+'.join(tasks))


def head_loss_grads(model, batch, task='semantic'):
    """Backbone gradients of the task's supervised loss, eval mode."""
    model.eval()
    data = model.data_preprocessor(batch, True)
    losses = model.decode_heads[task].loss(
        model.extract_feat(data['inputs']), data['data_samples'], None)
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    params = select_params(model, ['backbone'])
    grads = torch.autograd.grad(loss, list(params.values()))
    model.train()
    return dict(zip(params, grads))


def test_fisher_of_segmentor_is_squared_task_gradient_only():
    model = build_model()
    batches = [make_batch(seed=1), make_batch(seed=2)]
    # a distractor that must not enter the Fisher
    model.set_penalty(
        'big',
        lambda m: 1e6 * sum(p.pow(2).sum() for p in m.backbone.parameters()))
    bn = model.backbone.stem[1]
    stats = bn.running_mean.clone()
    hook = EWCHook(ewc_lambda=1.0, num_batches=2, params='backbone')
    fisher = hook.estimate_fisher(model, batches, ['semantic'])
    want = [head_loss_grads(model, b) for b in batches]
    assert set(fisher) == {
        n
        for n, _ in model.backbone.named_parameters(prefix='backbone')
    }
    for name, value in fisher.items():
        expect = (want[0][name].pow(2) + want[1][name].pow(2)) / 2
        assert torch.allclose(value, expect, rtol=1e-4, atol=1e-12), name
    assert sum(f.sum() for f in fisher.values()) > 0
    assert torch.equal(bn.running_mean, stats)  # eval(): BN untouched
    assert model.training  # mode restored
    assert all(p.grad is None for p in model.parameters())


def test_fisher_per_sample_and_num_batches_cycles():
    model = build_model()
    batch = make_batch(n=2, seed=3)
    hook = EWCHook(
        ewc_lambda=1.0, num_batches=1, params='backbone', per_sample=True)
    fisher = hook.estimate_fisher(model, [batch], ['semantic'])
    single = [
        head_loss_grads(
            model,
            dict(
                inputs=batch['inputs'][i:i + 1],
                data_samples=batch['data_samples'][i:i + 1])) for i in range(2)
    ]
    name = 'backbone.stem.0.weight'
    expect = (single[0][name].pow(2) + single[1][name].pow(2)) / 2
    assert torch.allclose(fisher[name], expect, rtol=1e-4, atol=1e-12)
    # per batch: the square of the mean gradient, a different number
    per_batch = EWCHook(ewc_lambda=1.0, num_batches=1, params='backbone')
    assert not torch.allclose(
        per_batch.estimate_fisher(model, [batch], ['semantic'])[name], expect)
    # 2 batches from a 1-batch loader: the same batch twice, same mean
    cycled = EWCHook(
        ewc_lambda=1.0, num_batches=2, params='backbone',
        per_sample=True).estimate_fisher(model, [batch], ['semantic'])
    assert torch.allclose(cycled[name], fisher[name], rtol=1e-4)


def loss_ewc(model, batch):
    data = model.data_preprocessor(batch, True)
    return model.loss(**data)['loss_ewc']


def test_penalty_zero_at_phase_end_grows_and_hits_only_backbone():
    model = build_model()
    batch = make_batch(seed=1)
    runner = fake_runner(model, [batch])
    hook = EWCHook(ewc_lambda=10.0, num_batches=1)
    hook.before_train_phase(runner, 0, phase('semantic'), False)
    assert 'loss_ewc' not in model.loss(**model.data_preprocessor(
        batch, True))  # phase 0: no penalty
    hook.after_train_phase(runner, 0, phase('semantic'), {})
    model.set_tasks(active=['depth'], learned=['semantic', 'depth'])

    penalty = loss_ewc(model, batch)
    assert penalty.item() == 0.0
    name = 'backbone.layer4.1.conv2.weight'
    param = dict(model.named_parameters())[name]
    with torch.no_grad():
        param.add_(0.01)
    moved = loss_ewc(model, batch)
    # lambda / 2 * sum F * 0.01^2, by hand
    expect = 0.5 * 10.0 * hook.fisher[name].sum() * 1e-4
    assert moved.item() == pytest.approx(expect.item(), rel=1e-4)
    assert moved.item() > 0

    moved.backward()
    for pname, p in model.named_parameters():
        if pname == name:
            assert p.grad.abs().sum() > 0
        elif not pname.startswith('backbone.'):
            assert p.grad is None, pname  # heads are not regularised
    # a new run (phase 0, not resumed) forgets everything
    hook.before_train_phase(runner, 0, phase('semantic'), False)
    assert not hook.fisher and 'ewc' not in model._penalties


def test_fishers_sum_anchor_is_latest_and_online_decays():
    model = build_model()
    b0, b1 = make_batch(seed=1), make_batch(seed=2)
    plain = EWCHook(ewc_lambda=1.0, num_batches=1)
    online = EWCHook(ewc_lambda=1.0, num_batches=1, online=True, gamma=0.5)
    for hook in (plain, online):
        hook.after_train_phase(
            fake_runner(model, [b0]), 0, phase('semantic'), {})
    f0 = {n: f.clone() for n, f in plain.fisher.items()}
    with torch.no_grad():
        model.backbone.stem[0].weight.mul_(1.1)
    model.set_tasks(active=['depth'], learned=['semantic', 'depth'])
    for hook in (plain, online):
        hook.after_train_phase(fake_runner(model, [b1]), 1, phase('depth'), {})
    f1 = EWCHook(
        ewc_lambda=1.0, num_batches=1).estimate_fisher(model, [b1], ['depth'])
    name = 'backbone.stem.0.weight'
    assert torch.allclose(plain.fisher[name], f0[name] + f1[name])
    assert torch.allclose(online.fisher[name], 0.5 * f0[name] + f1[name])
    assert torch.equal(plain.anchor[name], model.backbone.stem[0].weight)
    assert plain.phases == [0, 1]
    # a phase is consolidated once
    plain.after_train_phase(fake_runner(model, [b0]), 1, phase('depth'), {})
    assert torch.allclose(plain.fisher[name], f0[name] + f1[name])


def test_checkpoint_round_trip_restores_same_penalty(tmp_path):
    model = build_model(seed=0)
    batch = make_batch(seed=1)
    hook = EWCHook(ewc_lambda=5.0, num_batches=1)
    hook.after_train_phase(
        fake_runner(model, [batch]), 0, phase('semantic'), {})
    with torch.no_grad():
        model.backbone.stem[0].weight.add_(0.05)
    want = loss_ewc(model, batch).item()
    assert want > 0

    checkpoint = dict(state_dict=model.state_dict())
    hook.before_save_checkpoint(fake_runner(model, None), checkpoint)
    path = osp.join(tmp_path, 'ckpt.pth')
    torch.save(checkpoint, path)
    checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    assert checkpoint[CHECKPOINT_KEY]['phases'] == [0]
    assert all(v.device.type == 'cpu'
               for v in checkpoint[CHECKPOINT_KEY]['fisher'].values())

    fresh = build_model(seed=1)  # other weights, as before a real load
    restored = EWCHook(ewc_lambda=5.0, num_batches=1)
    restored.after_load_checkpoint(fake_runner(fresh, None), checkpoint)
    fresh.load_state_dict(checkpoint['state_dict'])  # the runner's order
    assert restored.phases == [0]
    for name in hook.fisher:
        assert torch.equal(restored.fisher[name], hook.fisher[name])
        assert torch.equal(restored.anchor[name], hook.anchor[name])
    fresh.set_tasks(active=['semantic'])
    assert loss_ewc(fresh, batch).item() == pytest.approx(want, rel=1e-6)

    # a checkpoint without EWC state (phase 0) drops the penalty
    restored.after_load_checkpoint(fake_runner(fresh, None), {})
    assert not restored.fisher and 'ewc' not in fresh._penalties


def test_checkpoint_of_another_model_is_a_clear_error():
    hook = EWCHook(ewc_lambda=1.0)
    checkpoint = {
        CHECKPOINT_KEY:
        dict(
            fisher={'backbone.stem.0.weight': torch.zeros(3)},
            anchor={'backbone.stem.0.weight': torch.zeros(3)},
            phases=[0])
    }
    with pytest.raises(KeyError, match='does not fit'):
        hook.after_load_checkpoint(
            fake_runner(build_model(), None), checkpoint)


# ------------------------------------------------------ the real loop
class RecordLosses(Hook):
    """Keep the logged loss names of every training iteration."""
    priority = 'LOWEST'
    seen = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        RecordLosses.seen.append((runner.iter, {
            k: float(v)
            for k, v in outputs.items()
        }))


HOOKS.register_module(module=RecordLosses, force=True)


class Kill(Hook):
    """Stop like a kill after iteration ``at`` was checkpointed."""
    priority = 'LOWEST'

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.at:
            raise KeyboardInterrupt(f'simulated kill after iter {self.at}')


HOOKS.register_module(module=Kill, force=True)


def two_phase_cfg(scenes, work, *hooks, **overrides):
    cfg = tiny_config(EWC, scenes, work, phase_iters=3, **overrides)
    cfg.train_cfg.phases = cfg.train_cfg.phases[:2]
    cfg.custom_hooks[0].num_batches = 2
    cfg.custom_hooks = list(cfg.custom_hooks) + list(hooks)
    return cfg


def ewc_hook(runner) -> EWCHook:
    return next(h for h in runner.hooks if isinstance(h, EWCHook))


def test_ewc_config_logs_loss_ewc_and_resumes_mid_phase(tmp_path):
    scenes = make_tiny_scenes(str(tmp_path / 'scenes'))
    RecordLosses.seen = []
    straight = train(
        two_phase_cfg(scenes, str(tmp_path / 'straight'),
                      dict(type='RecordLosses')))
    logged = dict(RecordLosses.seen)  # iteration index -> log_vars
    assert all('loss_ewc' not in logged[it] for it in (0, 1, 2))  # phase 0
    assert all('loss_ewc' in logged[it] for it in (3, 4, 5))  # phase 1
    assert logged[3]['loss_ewc'] == pytest.approx(0.0, abs=1e-12)  # at theta*
    assert logged[5]['loss_ewc'] > 0
    want = ewc_hook(straight)
    assert want.phases == [0, 1]
    phase0 = torch.load(
        osp.join(straight.work_dir, 'phase0_semantic.pth'),
        map_location='cpu',
        weights_only=False)
    assert phase0[CHECKPOINT_KEY]['phases'] == [0]

    # killed in the middle of phase 1 (after iter 5 was saved), resumed:
    # the rerun last iteration sees the same penalty
    broken = str(tmp_path / 'broken')
    with pytest.raises(KeyboardInterrupt):
        train(two_phase_cfg(scenes, broken, dict(type='Kill', at=5)))
    RecordLosses.seen = []
    resumed = train(
        two_phase_cfg(scenes, broken, dict(type='RecordLosses'), resume=True))
    assert [it for it, _ in RecordLosses.seen] == [5]
    assert RecordLosses.seen[0][1]['loss_ewc'] == pytest.approx(
        logged[5]['loss_ewc'], rel=1e-3)
    got = ewc_hook(resumed)
    assert got.phases == [0, 1]
    for name in want.fisher:
        assert torch.allclose(
            got.fisher[name], want.fisher[name], rtol=1e-3, atol=1e-12), name
        assert torch.allclose(
            got.anchor[name], want.anchor[name], atol=1e-5), name
