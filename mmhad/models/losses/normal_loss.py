"""Cosine loss for surface-normal regression."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import channel_cosine


def cosine_normal_loss(pred: Tensor,
                       target: Tensor,
                       valid_mask: Optional[Tensor] = None) -> Tensor:
    """Mean of one minus the cosine between predicted and true normals.

    L = (1 / |V|) * sum_{p in V} (1 - <n̂_p, n_p> / (|n̂_p| |n_p|)),
    V = {p : n_p != 0} (intersected with ``valid_mask`` when given).

    Args:
        pred (Tensor): Predicted normals, (B, 3, H, W).
        target (Tensor): Ground-truth unit normals, (B, 3, H, W); an all-zero
            vector marks an invalid pixel.
        valid_mask (Tensor, optional): Extra (B, 1, H, W) bool mask.

    Returns:
        Tensor: Scalar loss in [0, 2]; 0 (still connected to ``pred``) when
        no pixel is valid.
    """
    if pred.shape != target.shape:
        raise ValueError(f'normal loss: pred shape {tuple(pred.shape)} != '
                         f'target shape {tuple(target.shape)}')
    valid = (target != 0).any(dim=1, keepdim=True)
    if valid_mask is not None:
        valid = valid & valid_mask
    cos = channel_cosine(pred, target, eps=1e-8).unsqueeze(1)
    return ((1 - cos) * valid).sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class CosineNormalLoss(nn.Module):
    """1 - cosine loss over pixels with a valid (non-zero) normal.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the loss dict; must start with
            ``loss_`` to be optimised. Defaults to ``'loss_normal'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_normal') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Compute the weighted loss; see :func:`cosine_normal_loss`."""
        return self.loss_weight * cosine_normal_loss(pred, target, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
