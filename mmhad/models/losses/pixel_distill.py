"""Base of the per-task distillation losses (HAD, LwF).

A per-task loss turns one old task's student and teacher outputs into the
per-pixel map of Eq. (1) (:func:`~.had_functional.pixel_distill_loss`) and
reduces it to L_t; :class:`~.distill_loss.HADDistillLoss` combines the L_t
of the old tasks (Eq. (9)).
"""
from typing import Dict, Mapping, Optional

import torch.nn as nn
from torch import Tensor

from .had_functional import check_options, pixel_distill_loss


class PixelDistillLoss(nn.Module):
    """Distillation loss of one old task built on the map of Eq. (1).

    Subclasses implement :meth:`terms`; ``forward`` returns
    ``loss_weight * terms(...)['total']``.

    Args:
        output_type (str): ``'segmentation'`` (C logits), ``'regression'``
            (C real values in the task's unit) or ``'normal'`` (3-vectors),
            a task type's ``distill``. :class:`~.distill_loss.HADDistillLoss`
            fills it in from the task's definition when a config omits it.
        normal_loss (str): Normals only: ``'cosine'`` (paper, 1 - cos) or
            ``'release_cos3'`` (release, 1 - cos/3), see
            :func:`~.had_functional.pixel_distill_loss`.
            Defaults to 'cosine'.
        loss_weight (float): Multiplier of L_t. Defaults to 1.0.
        loss_name (str): Name of the loss item.
        options (Mapping[str, str], optional): The subclass's other string
            options, validated with these in one
            :func:`~.had_functional.check_options` call.
    """

    def __init__(self,
                 output_type: str,
                 normal_loss: str = 'cosine',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_distill_task',
                 options: Optional[Mapping[str, str]] = None) -> None:
        super().__init__()
        check_options(
            dict(output_type=output_type, **(options or {}),
                 normal_loss=normal_loss))
        self.output_type = output_type
        self.normal_loss = normal_loss
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def loss_map(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Per-pixel map l of Eq. (1), (B, H, W) float32."""
        return pixel_distill_loss(student, teacher, self.output_type,
                                  self.normal_loss)

    def terms(self,
              student: Tensor,
              teacher: Tensor,
              valid_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute L_t (without ``loss_weight``) and its parts.

        Args:
            student (Tensor): Student output, (B, C, H, W).
            teacher (Tensor): Teacher output, (B, C, H, W); never receives
                gradient.
            valid_mask (Tensor, optional): (B, H, W) bool, pixels to use.

        Returns:
            dict[str, Tensor]: ``'total'`` = L_t (scalar, float32, with grad)
            and the parts of the subclass, all with grad.
        """
        raise NotImplementedError

    def forward(self,
                student: Tensor,
                teacher: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Return ``loss_weight * L_t`` (scalar, float32)."""
        return self.loss_weight * self.terms(student, teacher,
                                             valid_mask)['total']

    @property
    def loss_name(self) -> str:
        """Name of the loss item; starts with ``loss_`` to be optimised."""
        return self._loss_name
