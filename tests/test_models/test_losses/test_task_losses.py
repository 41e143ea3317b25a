import math

import pytest
import torch
import torch.nn.functional as F

from mmhad.models.losses import (CosineNormalLoss, MaskedL1Loss,
                                 WeightedCrossEntropyLoss, cosine_normal_loss,
                                 masked_l1_loss, valid_target_mask)


def test_masked_l1_ignores_invalid_depth():
    pred = torch.tensor([[[[1.0, 2.0], [3.0, 10.0]]]])
    target = torch.tensor([[[[2.0, 2.0], [1.0, 0.0]]]])  # last pixel invalid
    # |1-2| + |2-2| + |3-1| = 3 over 3 valid pixels
    assert masked_l1_loss(pred, target).item() == pytest.approx(1.0)
    extra = torch.tensor([[[[True, True], [False, True]]]])
    # only the first two pixels remain: (1 + 0) / 2
    assert masked_l1_loss(pred, target, extra).item() == pytest.approx(0.5)


def test_masked_l1_module_weight_name_and_empty_mask():
    loss = MaskedL1Loss(loss_weight=2.0, loss_name='loss_d')
    assert loss.loss_name == 'loss_d'
    pred = torch.full((1, 1, 2, 2), 3.0, requires_grad=True)
    assert loss(pred, torch.full((1, 1, 2, 2), 1.0)).item() == 4.0
    empty = loss(pred, torch.zeros(1, 1, 2, 2))
    assert empty.item() == 0.0
    empty.backward()  # still connected to pred, no NaN
    assert torch.equal(pred.grad, torch.zeros_like(pred))


def test_masked_l1_shape_mismatch_is_clear():
    with pytest.raises(ValueError, match='L1 loss: pred shape'):
        masked_l1_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 3))


def angle_vector(deg: float) -> torch.Tensor:
    r = math.radians(deg)
    return torch.tensor([math.sin(r), 0.0, math.cos(r)])


def test_cosine_normal_loss_known_angles_and_invalid():
    gt = torch.stack([angle_vector(0)] * 3 + [torch.zeros(3)], dim=1)
    pred = torch.stack([
        angle_vector(0), 2 * angle_vector(60), angle_vector(90),
        angle_vector(30)
    ], dim=1)  # pred need not be unit length
    gt = gt.reshape(1, 3, 2, 2)
    pred = pred.reshape(1, 3, 2, 2)
    # (1-1) + (1-0.5) + (1-0) over three valid pixels
    expected = (0 + 0.5 + 1.0) / 3
    assert cosine_normal_loss(pred, gt).item() == pytest.approx(expected)
    assert CosineNormalLoss(loss_weight=3.0)(pred, gt).item() == \
        pytest.approx(3 * expected)
    assert CosineNormalLoss().loss_name == 'loss_normal'


def test_masked_l1_nonzero_rule_drops_all_zero_pixels_only():
    # two pixels, three channels: pixel 0 has one zero channel (valid),
    # pixel 1 is all-zero (invalid)
    target = torch.tensor([[[[0.5, 0.0]], [[0.0, 0.0]], [[0.2, 0.0]]]])
    pred = torch.tensor([[[[0.4, 0.9]], [[0.3, 0.9]], [[0.2, 0.9]]]])
    # (0.1 + 0.3 + 0) over the 3 values of pixel 0
    assert masked_l1_loss(pred, target, valid_rule='nonzero').item() == \
        pytest.approx(0.4 / 3)
    # the depth rule would also drop the zero channel of pixel 0
    assert masked_l1_loss(pred, target).item() == pytest.approx(0.1 / 2)
    loss = MaskedL1Loss(valid_rule='nonzero', loss_name='loss_albedo')
    assert loss(pred, target).item() == pytest.approx(0.4 / 3)
    assert valid_target_mask(target, 'nonzero').sum().item() == 3
    with pytest.raises(ValueError, match='valid_rule'):
        MaskedL1Loss(valid_rule='finite')
    with pytest.raises(ValueError, match='valid_rule'):
        masked_l1_loss(pred, target, valid_rule='finite')


@pytest.mark.parametrize('class_weight', [None, [1.0, 4.0]])
def test_weighted_cross_entropy_matches_torch_with_ignored_pixels(
        class_weight):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 2, 5, 6, generator=g)
    labels = torch.randint(0, 2, (2, 5, 6), generator=g)
    labels[0, :2] = 255
    loss = WeightedCrossEntropyLoss(class_weight=class_weight,
                                    loss_weight=2.0, loss_name='loss_edge')
    weight = None if class_weight is None else torch.tensor(class_weight)
    expected = F.cross_entropy(logits, labels, weight=weight,
                               ignore_index=255)
    assert loss(logits, labels, ignore_index=255).item() == pytest.approx(
        2 * expected.item(), rel=1e-6)
    # every pixel ignored: 0, not NaN, and still differentiable
    logits.requires_grad_(True)
    empty = loss(logits, torch.full_like(labels, 255), ignore_index=255)
    empty.backward()
    assert empty.item() == 0.0 and torch.isfinite(logits.grad).all()
    with pytest.raises(ValueError, match='use_sigmoid'):
        WeightedCrossEntropyLoss(use_sigmoid=True)
