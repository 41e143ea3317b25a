"""Masked L1 loss for metric depth (or disparity) regression."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


def masked_l1_loss(pred: Tensor,
                   target: Tensor,
                   valid_mask: Optional[Tensor] = None) -> Tensor:
    """Mean absolute error over valid pixels.

    L = (1 / |V|) * sum_{p in V} |pred_p - target_p|,  V = {p : target_p > 0}
    (intersected with ``valid_mask`` when given).

    Args:
        pred (Tensor): Predicted depth, (B, 1, H, W), metres.
        target (Tensor): Ground-truth depth, (B, 1, H, W), metres; 0 = invalid.
        valid_mask (Tensor, optional): Extra (B, 1, H, W) bool mask.

    Returns:
        Tensor: Scalar loss; 0 (still connected to ``pred``) when no pixel is
        valid.
    """
    if pred.shape != target.shape:
        raise ValueError(f'depth loss: pred shape {tuple(pred.shape)} != '
                         f'target shape {tuple(target.shape)}')
    valid = target > 0
    if valid_mask is not None:
        valid = valid & valid_mask
    abs_err = (pred - target).abs() * valid
    return abs_err.sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class MaskedL1Loss(nn.Module):
    """L1 depth loss over pixels with valid (positive) ground truth.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the loss dict; must start with
            ``loss_`` to be optimised. Defaults to ``'loss_depth'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_depth') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Compute the weighted loss; see :func:`masked_l1_loss`."""
        return self.loss_weight * masked_l1_loss(pred, target, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
