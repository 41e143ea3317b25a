import pytest
import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

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
