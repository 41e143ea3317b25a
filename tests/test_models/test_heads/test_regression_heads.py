import pytest
import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

from mmhad.tasks import get_task

HEAD = dict(in_channels=8, channels=4, dilations=(1, 2), dropout_ratio=0.0,
            norm_cfg=dict(type='BN'))


def feats(batch=2, h=3, w=4, seed=0):
    return [torch.randn(batch, 8, h, w,
                        generator=torch.Generator().manual_seed(seed))]


def test_depth_head_is_non_negative_and_registered_loss():
    head = MODELS.build(dict(type='DepthASPPHead', **HEAD))
    assert head.out_channels == 1 and head.num_classes == 1
    assert type(head.loss_decode).__name__ == 'MaskedL1Loss'
    with torch.no_grad():  # push raw outputs negative
        head.conv_seg.bias.fill_(-50.0)
    metas = [dict(img_shape=(6, 8), pad_shape=(6, 8))] * 2
    pred = head.predict(feats(), metas, {})
    assert pred.shape == (2, 1, 6, 8)
    assert (pred >= 0).all()


def test_depth_head_loss_uses_only_valid_pixels():
    head = MODELS.build(dict(type='DepthASPPHead', **HEAD))
    raw = torch.zeros(1, 1, 2, 2)  # softplus(0) = ln 2 everywhere
    s = SegDataSample()
    s.gt_depth_map = PixelData(data=torch.tensor([[[1.0, 0.0], [0.0, 0.0]]]))
    losses = head.loss_by_feat(raw, [s])
    assert set(losses) == {'loss_depth'}
    assert losses['loss_depth'].item() == pytest.approx(1 - 0.693147, 1e-5)


def test_missing_ground_truth_names_the_field():
    head = MODELS.build(dict(type='DepthASPPHead', **HEAD))
    with pytest.raises(KeyError, match='gt_depth_map'):
        head.loss(feats(batch=2), [SegDataSample()] * 2, {})


def test_normal_head_outputs_unit_vectors_and_cosine_loss():
    head = MODELS.build(dict(type='NormalASPPHead', **HEAD))
    assert head.out_channels == 3
    metas = [dict(img_shape=(6, 8), pad_shape=(6, 8))] * 2
    pred = head.predict(feats(), metas, {})
    assert pred.shape == (2, 3, 6, 8)
    assert torch.allclose(pred.norm(dim=1), torch.ones(2, 6, 8), atol=1e-5)
    # raw output pointing along +z everywhere; truth along +z and +x
    raw = torch.zeros(1, 3, 1, 2)
    raw[:, 2] = 1.0
    s = SegDataSample()
    s.gt_normal_map = PixelData(
        data=torch.tensor([[[0.0, 1.0]], [[0.0, 0.0]], [[1.0, 0.0]]]))
    loss = head.loss_by_feat(raw, [s])['loss_normal']
    assert loss.item() == pytest.approx(0.5)  # (0 + 1) / 2


def test_normal_head_unflip_negates_x_only():
    head = MODELS.build(dict(type='NormalASPPHead', **HEAD))
    pred = torch.tensor([[[0.6, 0.0]], [[0.0, 0.6]], [[0.8, 0.8]]])
    back = head.flip_prediction(pred, 'horizontal')
    expected = torch.tensor([[[0.0, -0.6]], [[0.6, 0.0]], [[0.8, 0.8]]])
    assert torch.equal(back, expected)


@pytest.mark.parametrize('task, channels, high, loss_name', [
    ('albedo', 3, 1.0, 'loss_albedo'),
    ('shading', 1, 2.0, 'loss_shading'),
])
def test_bounded_heads_stay_in_range(task, channels, high, loss_name):
    head = MODELS.build(dict(type='RegressionASPPHead', task=task, **HEAD))
    assert head.out_channels == channels and head.value_range == (0.0, high)
    assert head.loss_decode.loss_name == loss_name
    assert head.loss_decode.valid_rule == 'nonzero'
    metas = [dict(img_shape=(6, 8), pad_shape=(6, 8))] * 2
    for bias in (-50.0, 50.0):  # saturate the sigmoid both ways
        with torch.no_grad():
            head.conv_seg.bias.fill_(bias)
        pred = head.predict(feats(), metas, {})
        assert pred.shape == (2, channels, 6, 8)
        assert (pred >= 0).all() and (pred <= high).all()
    # a zero raw output is the middle of the range
    assert head.activate(torch.zeros(1)).item() == pytest.approx(high / 2)
    # constrain (after interpolation) clamps into the range
    out = head.postprocess(torch.tensor([[[-0.5, 0.3, 9.0]]]))
    assert torch.allclose(out[head.pred_field],
                          torch.tensor([[[0.0, 0.3, high]]]))


def test_albedo_loss_skips_all_zero_pixels():
    head = MODELS.build(dict(type='RegressionASPPHead', task='albedo', **HEAD))
    raw = torch.zeros(1, 3, 1, 2)  # sigmoid(0) = 0.5 everywhere
    s = SegDataSample()
    # pixel 0: (0.5, 0.1, 0.0) - one zero channel, still valid;
    # pixel 1: all-zero, invalid
    s.gt_albedo_map = PixelData(
        data=torch.tensor([[[0.5, 0.0]], [[0.1, 0.0]], [[0.0, 0.0]]]))
    losses = head.loss_by_feat(raw, [s])
    # (|0.5-0.5| + |0.5-0.1| + |0.5-0|) / 3 values
    assert losses['loss_albedo'].item() == pytest.approx(0.9 / 3)


def test_shading_value_range_is_configurable_and_checked():
    head = MODELS.build(
        dict(type='RegressionASPPHead', task='shading',
             value_range=(0.5, 1.5), **HEAD))
    assert head.activate(torch.tensor([-1e4, 1e4])).tolist() == [0.5, 1.5]
    # the default (the task's) untouched
    assert get_task('shading').value_range == (0.0, 2.0)
    with pytest.raises(ValueError, match='low < high'):
        MODELS.build(dict(type='RegressionASPPHead', task='shading',
                          value_range=(1, 1), **HEAD))


def test_albedo_unflip_mirrors_without_negating():
    head = MODELS.build(dict(type='RegressionASPPHead', task='albedo', **HEAD))
    pred = torch.tensor([[[0.1, 0.2]], [[0.3, 0.4]], [[0.5, 0.6]]])
    back = head.flip_prediction(pred, 'horizontal')
    assert torch.equal(back, pred.flip(-1))
