"""Masked L1 loss for dense regression: depth, disparity, other real maps."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

#: How a target marks its invalid pixels (see :func:`valid_target_mask`).
VALID_RULES = ('positive', 'nonzero')


def valid_target_mask(target: Tensor, rule: str = 'positive') -> Tensor:
    """Where a (B, C, H, W) regression target is valid, per element.

    Args:
        target (Tensor): Ground truth, (B, C, H, W).
        rule (str): ``'positive'``: an element is valid where it is ``> 0``
            (depth and disparity, 0 = invalid). ``'nonzero'``: a pixel is
            valid, in all its channels, where any channel is non-zero (an
            all-zero vector marks an invalid pixel, as in most regression
            task types).

    Returns:
        Tensor: bool mask of ``target``'s shape.
    """
    if rule == 'positive':
        return target > 0
    if rule == 'nonzero':
        return (target != 0).any(dim=1, keepdim=True).expand_as(target)
    raise ValueError(f'valid_rule must be one of {VALID_RULES}, got {rule!r}')


def masked_l1_loss(pred: Tensor,
                   target: Tensor,
                   valid_mask: Optional[Tensor] = None,
                   valid_rule: str = 'positive') -> Tensor:
    """Mean absolute error over valid elements.

    L = (1 / |V|) * sum_{(p, c) in V} |pred_pc - target_pc|, V the valid
    (pixel, channel) pairs of :func:`valid_target_mask` (intersected with
    ``valid_mask`` when given); for depth V = {p : target_p > 0}.

    Args:
        pred (Tensor): Prediction, (B, C, H, W), in the target's unit
            (metres for depth, the task's unit otherwise).
        target (Tensor): Ground truth, (B, C, H, W).
        valid_mask (Tensor, optional): Extra (B, 1, H, W) or (B, C, H, W)
            bool mask.
        valid_rule (str): ``'positive'`` (default, depth) or ``'nonzero'``
            (all-zero pixel = invalid), see :func:`valid_target_mask`.

    Returns:
        Tensor: Scalar loss; 0 (still connected to ``pred``) when no pixel is
        valid.
    """
    if pred.shape != target.shape:
        raise ValueError(f'masked L1 loss: pred shape {tuple(pred.shape)} '
                         f'!= target shape {tuple(target.shape)}')
    valid = valid_target_mask(target, valid_rule)
    if valid_mask is not None:
        valid = valid & valid_mask
    abs_err = (pred - target).abs() * valid
    return abs_err.sum() / valid.sum().clamp(min=1)


@MODELS.register_module()
class MaskedL1Loss(nn.Module):
    """L1 regression loss over the pixels with valid ground truth.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key of the loss in the loss dict; must start with
            ``loss_`` to be optimised. Defaults to ``'loss_depth'``.
        valid_rule (str): Which targets are valid: ``'positive'`` (depth,
            default) or ``'nonzero'`` (all-zero pixel = invalid, e.g.
            colour or scalar maps). See :func:`valid_target_mask`.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_depth',
                 valid_rule: str = 'positive') -> None:
        super().__init__()
        if valid_rule not in VALID_RULES:
            raise ValueError(f'valid_rule must be one of {VALID_RULES}, got '
                             f'{valid_rule!r}')
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.valid_rule = valid_rule

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Compute the weighted loss; see :func:`masked_l1_loss`."""
        return self.loss_weight * masked_l1_loss(pred, target, valid_mask,
                                                 self.valid_rule)

    @property
    def loss_name(self) -> str:
        return self._loss_name
