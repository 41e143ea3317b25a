"""Heads read their task definition: a task type defined only by a test gets
a working head without touching mmhad (issue 8)."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmhad.models.decode_heads import (DepthASPPHead, EdgeASPPHead,
                                       RegressionASPPHead)
from mmhad.tasks import get_task
from tests.test_models.utils import toy_task_types

HEAD = dict(in_channels=8, channels=4, dilations=(1, 2), dropout_ratio=0.0,
            norm_cfg=dict(type='BN'))


@pytest.fixture(scope='module', autouse=True)
def toy_tasks():
    with toy_task_types():
        yield


def test_toy_flow_head_takes_everything_from_the_definition():
    head = MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                             **HEAD))
    assert isinstance(head, RegressionASPPHead)
    assert head.task == 'toy_flow' and head.task_type is get_task('toy_flow')
    assert (head.gt_field, head.pred_field) == ('gt_toy_flow_map',
                                                'pred_toy_flow_map')
    assert head.out_channels == head.num_classes == 2
    assert head.activation == 'identity' and head.value_range is None
    assert type(head.loss_decode).__name__ == 'MaskedL1Loss'
    assert head.loss_decode.loss_name == 'loss_flow'
    raw = torch.tensor([[-7.0, 0.5]])
    assert torch.equal(head.activate(raw), raw)  # identity: unbounded
    assert torch.equal(head.constrain(raw), raw)


def test_toy_flow_head_loss_on_a_packed_sample():
    head = MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                             **HEAD))
    # H x W x 2 flow: pixel 0 (1, -2); pixel 1 all-zero = invalid;
    # pixel 2 (0, 4), one zero component but valid
    flow = np.array([[[1.0, -2.0], [0.0, 0.0], [0.0, 4.0]]], np.float32)
    packed = get_task('toy_flow').pack(flow)
    assert packed.shape == (2, 1, 3)
    s = SegDataSample()
    s.gt_toy_flow_map = PixelData(data=torch.from_numpy(packed))
    raw = torch.zeros(1, 2, 1, 3)  # identity: predicts 0 everywhere
    losses = head.loss_by_feat(raw, [s])
    assert set(losses) == {'loss_flow'}
    # (|0-1| + |0+2| + |0-0| + |0-4|) / 4 valid values
    assert losses['loss_flow'].item() == pytest.approx(7 / 4)
    with pytest.raises(KeyError, match='gt_toy_flow_map'):
        head.loss_by_feat(raw, [SegDataSample()])


def test_toy_flow_head_unflip_negates_x():
    head = MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                             **HEAD))
    pred = torch.tensor([[[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]]])
    back = head.flip_prediction(pred, 'horizontal')
    assert back.tolist() == [[[-3.0, -2.0, -1.0]], [[6.0, 5.0, 4.0]]]


def test_config_overrides_the_task_defaults():
    head = MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                             out_channels=3, activation='sigmoid_range',
                             value_range=(-2, 2), **HEAD))
    assert head.out_channels == 3 and head.value_range == (-2.0, 2.0)
    assert head.activate(torch.tensor([-1e4, 0.0, 1e4])).tolist() == [
        -2.0, 0.0, 2.0]
    assert get_task('toy_flow').activation == 'identity'  # untouched


def test_thin_subclasses_are_the_generic_head_of_their_task():
    depth = MODELS.build(dict(type='DepthASPPHead', **HEAD))
    generic = MODELS.build(dict(type='RegressionASPPHead', task='depth',
                                **HEAD))
    assert isinstance(depth, RegressionASPPHead)
    assert (depth.task, depth.activation, depth.gt_field) == (
        generic.task, generic.activation, generic.gt_field) == (
            'depth', 'softplus', 'gt_depth_map')
    assert DepthASPPHead.task == 'depth'


def test_heads_refuse_tasks_they_cannot_serve():
    with pytest.raises(ValueError, match='needs task=<name>'):
        MODELS.build(dict(type='RegressionASPPHead', **HEAD))
    with pytest.raises(KeyError, match="unknown task 'nope'"):
        MODELS.build(dict(type='RegressionASPPHead', task='nope', **HEAD))
    with pytest.raises(ValueError, match="kind 'classes'"):
        MODELS.build(dict(type='RegressionASPPHead', task='semantic',
                          **HEAD))
    with pytest.raises(ValueError, match="kind 'multi'"):
        MODELS.build(dict(type='EdgeASPPHead', task='toy_flow', **HEAD))
    with pytest.raises(ValueError, match='activation must be one of'):
        MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                          activation='tanh', **HEAD))
    with pytest.raises(ValueError, match='needs a value_range'):
        MODELS.build(dict(type='RegressionASPPHead', task='toy_flow',
                          activation='sigmoid_range', **HEAD))


def test_binary_head_reads_the_fields_and_loss_of_its_task():
    head = MODELS.build(dict(type='EdgeASPPHead', task='toy_saliency',
                             **HEAD))
    assert isinstance(head, EdgeASPPHead) and head.task == 'toy_saliency'
    assert (head.gt_field, head.pred_field, head.logits_field) == (
        'gt_toy_saliency_map', 'pred_toy_saliency_map',
        'toy_saliency_logits')
    assert head.loss_decode.loss_name == 'loss_saliency'
    s = SegDataSample()
    s.gt_toy_saliency_map = PixelData(data=torch.tensor([[[0, 1, 255]]]))
    logits = torch.zeros(1, 2, 1, 3)
    loss = head.loss_by_feat(logits, [s])['loss_saliency']
    assert torch.isfinite(loss)
