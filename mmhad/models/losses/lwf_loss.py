"""LwF-style distillation loss of one old task (the HAD paper's baseline)."""
from typing import Dict, Optional

from mmseg.registry import MODELS
from torch import Tensor

from .had_functional import masked_mean
from .pixel_distill import PixelDistillLoss


@MODELS.register_module()
class LwFLoss(PixelDistillLoss):
    """Plain mean of the per-pixel distillation map over the valid pixels.

    L_t of Eq. (8) (:func:`~.had_functional.masked_mean`) on the map of
    Eq. (1), the same teacher pseudo-labels as :class:`~.had_loss.HADLoss`
    without its DB / SG balancing. The returned value is
    ``loss_weight * L_t``.

    Example::

        dict(type='HADDistillLoss', loss_weight=3.0, losses=dict(
            semantic=dict(type='LwFLoss'), depth=dict(type='LwFLoss')))

    Args:
        output_type (str): See :class:`~.pixel_distill.PixelDistillLoss`.
        normal_loss (str): ``'cosine'`` (paper) or ``'release_cos3'``,
            normals only. Defaults to 'cosine'.
        loss_weight (float): Multiplier of L_t. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to 'loss_lwf'.
    """

    def __init__(self,
                 output_type: str,
                 normal_loss: str = 'cosine',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_lwf') -> None:
        super().__init__(output_type, normal_loss, loss_weight, loss_name)

    def terms(self,
              student: Tensor,
              teacher: Tensor,
              valid_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """L_t and its one part ``'lwf'`` (the same value), see
        :meth:`PixelDistillLoss.terms`."""
        lwf = masked_mean(self.loss_map(student, teacher), valid_mask)
        return dict(total=lwf, lwf=lwf)
