"""Mixin giving an mmseg decode head its own ground-truth/prediction fields."""
import torch
from mmseg.utils import SampleList
from torch import Tensor


class DenseClassificationHeadMixin:
    """Per-pixel classification on a field other than ``gt_sem_seg``.

    Mix it in *before* an mmseg decode head (``class H(Mixin, ASPPHead)``):
    everything stays the parent's (logits, loss, ``ignore_index``) except
    that the ground truth is read from :attr:`gt_field`, and
    :class:`MultiTaskEncoderDecoder` writes the predicted classes to
    :attr:`pred_field` and the logits to :attr:`logits_field`. Plain mmseg
    heads have none of these attributes; the segmentor then uses
    ``gt_sem_seg`` / ``pred_sem_seg`` / ``seg_logits``.

    Subclasses set:
        gt_field (str): ``SegDataSample`` field with the (1, H, W) int64
            labels.
        pred_field (str): Field for the (1, H, W) predicted classes.
        logits_field (str): Field for the (C, H, W) logits.
    """

    gt_field: str = 'gt_sem_seg'
    pred_field: str = 'pred_sem_seg'
    logits_field: str = 'seg_logits'

    def _stack_batch_gt(self, batch_data_samples: SampleList) -> Tensor:
        """Labels of the batch from :attr:`gt_field`, (B, 1, H, W)."""
        missing = [i for i, s in enumerate(batch_data_samples)
                   if self.gt_field not in s]
        if missing:
            raise KeyError(f'{type(self).__name__}: samples {missing} carry '
                           f'no "{self.gt_field}"; load it in the pipeline')
        return torch.stack(
            [s.get(self.gt_field).data for s in batch_data_samples])
