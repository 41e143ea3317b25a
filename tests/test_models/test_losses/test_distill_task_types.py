"""The distillation wrapper reads a task type's ``distill`` rule (issue 8).

A task type defined only by the tests is distilled by ``HADDistillLoss``
without any ``output_type`` in the config.
"""
import math

import pytest
import torch

import mmhad  # noqa: F401  (compat shim + registration, before mmseg.models)
from mmhad.models.losses import HADDistillLoss, HADLoss, LwFLoss
from mmhad.tasks import get_task, unregister_task
from tests.test_models.utils import register_toy_flow

EPS = 1e-6


@pytest.fixture(scope='module', autouse=True)
def toy_flow():
    """The tests' 2-channel flow-like regression (``distill='regression'``,
    inherited from ``RegressionTask``), registered here."""
    register_toy_flow()
    assert get_task('toy_flow').distill == 'regression'
    yield
    unregister_task('toy_flow')  # later tests see the built-in types only


def _flow_pair():
    """(1, 2, 1, 4) teacher and student flows.

    Teacher: both channels [0, 0, 2, 2] -> v = [0, 0, 2, 2], normalised to
    [0, 0, 1, 1] -> DB groups [0, 0, 1, 1]. Student - teacher per channel:
    [2, -5, 9, -8] and [0, 3, 9, 10] -> l = channel mean of |S - T|
    = [1, 4, 9, 9].
    """
    t = torch.tensor([[0., 0., 2., 2.], [0., 0., 2., 2.]]).view(1, 2, 1, 4)
    d = torch.tensor([[2., -5., 9., -8.], [0., 3., 9., 10.]]).view(1, 2, 1, 4)
    return (t + d).requires_grad_(), t


def test_had_wrapper_distills_a_test_task_type_without_output_type():
    distill = HADDistillLoss(dict(toy_flow=dict(type='HADLoss')),
                             loss_weight=3.0)
    loss = distill.losses['toy_flow']
    assert isinstance(loss, HADLoss) and loss.output_type == 'regression'
    s, t = _flow_pair()
    out = distill.loss_dict(dict(toy_flow=s), dict(toy_flow=t))
    # DB: geometric means sqrt((1 + eps)(4 + eps)) and 9 + eps, averaged
    db = (math.sqrt((1 + EPS) * (4 + EPS)) + 9 + EPS) / 2   # ~5.5
    # SG: one image row, replicate padding -> G_j = 4 |l_{j+1} - l_{j-1}|
    # = [12, 32, 20, 0]; min-max -> [0.375, 1, 0.625, 0]; > 0.9: pixel 1
    sg = 4.0
    assert out['distill_toy_flow_db'].item() == pytest.approx(db, rel=1e-6)
    assert out['distill_toy_flow_sg'].item() == pytest.approx(sg)
    assert out['distill_toy_flow'].item() == pytest.approx((db + sg) / 2)
    # lambda * mean over the one old task: 3 * 4.75
    assert out['loss_distill'].item() == pytest.approx(3 * (db + sg) / 2)
    assert out['loss_distill'].item() == pytest.approx(14.25, abs=1e-5)
    out['loss_distill'].backward()
    assert s.grad is not None and torch.isfinite(s.grad).all()


def test_lwf_wrapper_distills_a_test_task_type_without_output_type():
    distill = HADDistillLoss(dict(toy_flow=dict(type='LwFLoss')),
                             loss_weight=3.0)
    assert isinstance(distill.losses['toy_flow'], LwFLoss)
    s, t = _flow_pair()
    # mean of l = (1 + 4 + 9 + 9) / 4 = 5.75; times lambda = 17.25
    assert distill(dict(toy_flow=s), dict(toy_flow=t)).item() == \
        pytest.approx(17.25)


def test_a_given_output_type_wins_and_an_unknown_task_needs_one():
    distill = HADDistillLoss(
        dict(toy_flow=dict(type='HADLoss', output_type='normal')))
    assert distill.losses['toy_flow'].output_type == 'normal'
    with pytest.raises(KeyError, match='no_such_task'):
        HADDistillLoss(dict(no_such_task=dict(type='HADLoss')))
    HADDistillLoss(dict(no_such_task=dict(type='LwFLoss',
                                          output_type='regression')))
