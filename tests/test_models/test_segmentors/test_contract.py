"""MultiTaskEncoderDecoder implements the ContinualModel contract."""
import pytest
import torch
from mmseg.registry import MODELS

from mmhad.models.segmentors import ContinualModel, MultiTaskEncoderDecoder
from tests.test_models.test_segmentors.test_distillation import HAD
from tests.test_models.utils import make_batch, tiny_model_cfg


def build():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    model.set_tasks(active=['depth'], learned=['semantic', 'depth'])
    return model


def test_segmentor_and_its_snapshot_are_continual_models():
    model = build()
    assert isinstance(model, ContinualModel)
    assert isinstance(model.snapshot(), ContinualModel)
    assert not isinstance(torch.nn.Linear(2, 2), ContinualModel)
    members = [m for m in vars(ContinualModel)
               if not m.startswith('_')] + ['decode_heads', 'active_tasks']
    assert all(hasattr(MultiTaskEncoderDecoder, m) or hasattr(model, m)
               for m in members)


def test_supervised_loss_is_loss_without_penalty_or_distillation():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(distill_loss=HAD))
    model.set_tasks(active=['semantic'], learned=['semantic'])
    model.set_teacher(model.snapshot())
    model.set_tasks(active=['depth'], learned=['semantic', 'depth'])
    model.set_penalty('big', lambda m: torch.tensor(1e6))
    model.eval()  # no dropout / BN updates: comparable passes
    data = model.data_preprocessor(make_batch(), True)
    full = model.loss(**data)
    extra = [k for k in full if not k.startswith('depth.')]
    assert 'loss_big' in extra and len(extra) > 1  # penalty + distillation
    sup = model.supervised_loss(data['inputs'], data['data_samples'],
                                model.active_tasks)
    assert list(sup) == [k for k in full if k not in extra]
    assert all(torch.equal(sup[k], full[k]) for k in sup)


def test_supervised_loss_of_given_tasks_in_their_order():
    model = build().eval()
    data = model.data_preprocessor(make_batch(), True)
    sup = model.supervised_loss(data['inputs'], data['data_samples'],
                                ['normal', 'semantic'])
    assert [k for k in sup if 'loss' in k] == [
        'normal.loss_normal', 'semantic.loss_ce']
    assert 'semantic.acc_seg' in sup  # logged extras stay
    assert model.active_tasks == ['depth']  # the task sets are untouched
    sum(v for k, v in sup.items() if 'loss' in k).backward()
    assert model.decode_heads['normal'].conv_seg.weight.grad is not None
    assert model.decode_heads['depth'].conv_seg.weight.grad is None


def test_supervised_loss_errors_name_the_task():
    model = build()
    data = model.data_preprocessor(make_batch(tasks=('semantic', )), True)
    with pytest.raises(KeyError, match='unknown task'):
        model.supervised_loss(data['inputs'], data['data_samples'], ['edge'])
    with pytest.raises(KeyError, match='task "depth" is active'):
        model.supervised_loss(data['inputs'], data['data_samples'],
                              ['depth'])
