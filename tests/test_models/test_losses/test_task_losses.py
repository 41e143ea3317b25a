import math

import pytest
import torch

from mmhad.models.losses import (CosineNormalLoss, MaskedL1Loss,
                                 cosine_normal_loss, masked_l1_loss)


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
    with pytest.raises(ValueError, match='depth loss: pred shape'):
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
