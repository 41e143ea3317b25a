"""Class-weighted cross-entropy that tolerates ignored pixels."""
from typing import Optional

import torch
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's softmax ``CrossEntropyLoss`` with working ``class_weight``.

    mmseg 1.2's ``cross_entropy`` indexes ``class_weight`` with every label,
    the ignore index too, and fails (``IndexError: index 255 is out of
    bounds``, open-mmlab/mmsegmentation#3734). Here the mean's denominator
    is computed first and passed as ``avg_factor``, which skips that code:

        L = sum_{p : y_p != ignore} w_{y_p} * CE_p / sum_{p : y_p != ignore}
            w_{y_p}

    (PyTorch's weighted mean; with ``class_weight=None`` the plain mean over
    the labelled pixels). Ignored pixels are always left out of the
    denominator, whatever ``avg_non_ignore`` says. Arguments are those of
    ``CrossEntropyLoss``; ``use_sigmoid`` and ``use_mask`` must be False.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault('avg_non_ignore', True)  # what it does anyway
        super().__init__(*args, **kwargs)
        if self.use_sigmoid or self.use_mask:
            raise ValueError(f'{type(self).__name__} is the softmax '
                             'cross-entropy: use_sigmoid and use_mask must '
                             'be False')

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> Tensor:
        """Loss of (N, C, H, W) logits against (N, H, W) int64 labels."""
        reduction = reduction_override or self.reduction
        if avg_factor is None and reduction == 'mean':
            valid = label != ignore_index
            if self.class_weight is None:
                avg_factor = valid.sum()
            else:
                class_weight = cls_score.new_tensor(self.class_weight)
                safe = torch.where(valid, label, torch.zeros_like(label))
                avg_factor = (class_weight[safe] * valid).sum()
            # mmseg divides by (avg_factor + eps): keep it finite when empty
            avg_factor = avg_factor.clamp(min=1e-12)
        return super().forward(
            cls_score,
            label,
            weight=weight,
            avg_factor=avg_factor,
            reduction_override=reduction_override,
            ignore_index=ignore_index,
            **kwargs)
