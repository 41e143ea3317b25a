"""A replay-free regulariser defined entirely in this test (the example of
docs/adding_a_method.md): an L2 anchor to the previous phase's backbone
('L2-SP'-like), trained in a 2-phase continual run."""
import os.path as osp
from types import SimpleNamespace
from typing import Dict, Optional, Sequence

import pytest
import torch
from mmseg.registry import HOOKS, MODELS
from torch import Tensor

from mmhad.engine.hooks import ContinualHook
from tests.test_engine.test_ewc_hook import RecordLosses
from tests.test_engine.utils import make_tiny_scenes, tiny_config, train
from tests.test_models.utils import make_batch, tiny_model_cfg

FINETUNE = 'configs/baselines/finetune_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


# ---------------------------------------------------- the method: one file
class L2AnchorPenalty:
    """``lambda / 2 * sum_i (theta_i - theta*_i)^2`` over ``anchor``'s
    parameters, looked up by name in the model it is called with."""

    def __init__(self, anchor: Dict[str, Tensor], l2_lambda: float) -> None:
        self.anchor = anchor
        self.l2_lambda = l2_lambda

    def __call__(self, model) -> Tensor:
        params = dict(model.named_parameters())
        total = sum((params[n] - a).pow(2).sum()
                    for n, a in self.anchor.items())
        return 0.5 * self.l2_lambda * total


@HOOKS.register_module(force=True)
class L2AnchorHook(ContinualHook):
    """Pull the shared weights towards where the previous phase left them.

    After every phase the parameters under ``params`` are frozen
    (``model.snapshot()``) as the anchor theta*; every later training step
    adds ``loss_l2sp`` (``model.set_penalty``). The anchor is saved in
    checkpoints, so ``--resume`` continues with the same penalty.

    Args:
        l2_lambda (float): lambda.
        params (Sequence[str]): Module-name prefixes of the anchored
            parameters. Defaults to ``('backbone', )``.
    """

    name = 'l2sp'  # logged as loss_l2sp; the checkpoint key

    def __init__(self, l2_lambda: float,
                 params: Sequence[str] = ('backbone', )) -> None:
        self.l2_lambda = float(l2_lambda)
        self.params = tuple(params)
        self.anchor: Dict[str, Tensor] = {}

    def _apply(self, model) -> None:
        model.set_penalty(
            self.name,
            L2AnchorPenalty(self.anchor, self.l2_lambda)
            if self.anchor else None)

    def before_train_phase(self, runner, phase_idx, phase, resumed):
        if phase_idx == 0 and not resumed:  # a fresh run
            self.anchor = {}
            self._apply(self.model(runner))

    def after_train_phase(self, runner, phase_idx, phase, metrics):
        model = self.model(runner)
        frozen = model.snapshot()  # theta*, detached, no gradients
        self.anchor = {
            n: p
            for n, p in frozen.named_parameters()
            if any(n.startswith(pre + '.') for pre in self.params)
        }
        self._apply(model)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.anchor:
            checkpoint[self.name] = {
                n: a.cpu()
                for n, a in self.anchor.items()
            }

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = self.model(runner)
        device = next(model.parameters()).device
        saved: Optional[dict] = checkpoint.get(self.name)
        self.anchor = {n: a.to(device) for n, a in (saved or {}).items()}
        self._apply(model)


# --------------------------------------------------- the run and its checks
PHASE_ITERS = 4


def run(scenes: str, work_dir: str, l2_lambda: float):
    cfg = tiny_config(FINETUNE, scenes, work_dir, phase_iters=PHASE_ITERS)
    cfg.train_cfg.phases = cfg.train_cfg.phases[:2]  # semantic, depth
    cfg.custom_hooks = list(cfg.custom_hooks) + [
        dict(type='L2AnchorHook', l2_lambda=l2_lambda),
        dict(type='RecordLosses')
    ]
    RecordLosses.seen = []
    runner = train(cfg)
    return runner, dict(RecordLosses.seen)


def backbone(path: str) -> Dict[str, Tensor]:
    state = torch.load(path, map_location='cpu', weights_only=False)
    return {
        k: v
        for k, v in state['state_dict'].items()
        if k.startswith('backbone.') and v.is_floating_point()
        and 'running' not in k
    }


def sq_distance(a: Dict[str, Tensor], b: Dict[str, Tensor]) -> float:
    return sum((a[n].double() - b[n].double()).pow(2).sum().item()
               for n in b)


def test_l2_anchor_hook_regularises_phase_1(tmp_path):
    scenes = make_tiny_scenes(str(tmp_path / 'scenes'))
    lam = 1.0e4
    runner, logged = run(scenes, str(tmp_path / 'l2'), lam)
    p0, p1 = range(PHASE_ITERS), range(PHASE_ITERS, 2 * PHASE_ITERS)
    assert all('loss_l2sp' not in logged[it] for it in p0)  # no anchor yet
    assert all('loss_l2sp' in logged[it] for it in p1)
    first = logged[p1[0]]['loss_l2sp']
    assert first == 0.0  # theta = theta* on the first step of phase 1
    assert all(logged[it]['loss_l2sp'] > first for it in p1[1:])

    # by hand from the checkpoints: theta* = the weights after phase 0,
    # the penalty logged at iteration i is the one of the weights after
    # iteration i - 1 (iter_{i}.pth)
    work = runner.work_dir
    anchor = backbone(osp.join(work, 'phase0_semantic.pth'))
    params = dict(runner.model.named_parameters())
    assert set(anchor) == {n for n in params if n.startswith('backbone.')}
    last = p1[-1]
    theta = backbone(osp.join(work, f'iter_{last}.pth'))
    expect = 0.5 * lam * sq_distance(theta, anchor)
    assert logged[last]['loss_l2sp'] == pytest.approx(expect, rel=1e-4)
    assert expect > 0

    # without the pull (lambda = 0) the backbone moves further from theta*
    free_runner, free_logged = run(scenes, str(tmp_path / 'free'), 0.0)
    free = free_runner.work_dir
    assert all(free_logged[it]['loss_l2sp'] == 0.0 for it in p1)
    free_anchor = backbone(osp.join(free, 'phase0_semantic.pth'))
    assert all(torch.equal(free_anchor[n], anchor[n]) for n in anchor)
    end = 'phase1_depth.pth'
    pulled = sq_distance(backbone(osp.join(work, end)), anchor)
    moved = sq_distance(backbone(osp.join(free, end)), anchor)
    assert 0 < pulled < moved


def test_l2_anchor_survives_a_checkpoint_round_trip():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    runner = SimpleNamespace(model=model)
    hook = L2AnchorHook(l2_lambda=2.0)
    hook.after_train_phase(runner, 0, None, {})
    with torch.no_grad():
        model.backbone.stem[0].weight.add_(0.1)
    data = model.data_preprocessor(make_batch(), True)
    want = model.loss(**data)['loss_l2sp']
    # by hand: lambda / 2 * 0.1^2 per moved weight
    num = model.backbone.stem[0].weight.numel()
    assert want.item() == pytest.approx(0.5 * 2.0 * 0.01 * num, rel=1e-4)
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    restored = L2AnchorHook(l2_lambda=2.0)
    restored.after_load_checkpoint(runner, checkpoint)
    assert torch.equal(model.loss(**data)['loss_l2sp'], want)
    restored.after_load_checkpoint(runner, {})  # no anchor saved: none
    assert 'loss_l2sp' not in model.loss(**data)
