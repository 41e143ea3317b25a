"""Mixins turning an mmseg decode head into a dense regression head."""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor


class DenseRegressionHeadMixin:
    """Regression behaviour for any :class:`BaseDecodeHead` subclass.

    Mix it in *before* an mmseg decode head (``class H(Mixin, ASPPHead)``):
    the decoder body is the parent's, the ``conv_seg`` output gets
    ``out_channels`` channels, and the mixin supplies the activation, the
    loss on the head's own ground-truth field, and full-resolution
    predictions. ``forward`` returns *raw* outputs at feature resolution; the
    activation is applied after resizing, so interpolation never breaks the
    output constraint (non-negativity, unit length).

    Subclasses set:
        gt_field (str): ``SegDataSample`` field holding the ground truth.
        pred_field (str): ``SegDataSample`` field to write predictions to.
        default_out_channels (int): Output channels.
        default_loss_decode (dict): ``loss_decode`` when none is given.
        activate(raw): map raw outputs to the output space.
        constrain(pred): idempotent projection onto the output space, applied
            after a prediction is interpolated.
    """

    gt_field: str = ''
    pred_field: str = ''
    default_out_channels: int = 1
    default_loss_decode: dict = {}

    def __init__(self, *args, out_channels: int = None, **kwargs) -> None:
        out_channels = out_channels or self.default_out_channels
        kwargs.setdefault('loss_decode', dict(self.default_loss_decode))
        kwargs.setdefault('num_classes', out_channels)
        kwargs.setdefault('threshold', None)
        with warnings.catch_warnings():
            # BaseDecodeHead warns about binary-segmentation thresholds when
            # out_channels == 1; they do not apply to regression.
            warnings.filterwarnings('ignore', message='threshold is not')
            super().__init__(*args, out_channels=out_channels, **kwargs)

    def activate(self, raw: Tensor) -> Tensor:
        """Map raw (B, C, H, W) outputs to the output space."""
        raise NotImplementedError

    def constrain(self, pred: Tensor) -> Tensor:
        """Project interpolated (..., C, H, W) outputs onto the output space."""
        raise NotImplementedError

    def flip_prediction(self, pred: Tensor, direction: str) -> Tensor:
        """Undo a test-time flip of a (C, H, W) prediction."""
        return pred.flip(dims=(-1, ) if direction == 'horizontal' else (-2, ))

    def _stack_batch_gt(self, batch_data_samples: SampleList) -> Tensor:
        missing = [i for i, s in enumerate(batch_data_samples)
                   if self.gt_field not in s]
        if missing:
            raise KeyError(f'{type(self).__name__}: samples {missing} carry no '
                           f'"{self.gt_field}"; load it in the pipeline')
        return torch.stack(
            [s.get(self.gt_field).data for s in batch_data_samples])

    def loss_by_feat(self, raw: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Loss of raw (B, C, h, w) outputs against the (B, C, H, W) truth."""
        target = self._stack_batch_gt(batch_data_samples)
        pred = self.activate(
            resize(raw, size=target.shape[2:], mode='bilinear',
                   align_corners=self.align_corners))
        losses = self.loss_decode if isinstance(
            self.loss_decode, torch.nn.ModuleList) else [self.loss_decode]
        out: Dict[str, Tensor] = {}
        for loss_fn in losses:
            value = loss_fn(pred, target)
            out[loss_fn.loss_name] = out.get(loss_fn.loss_name, 0) + value
        return out

    def predict_by_feat(self, raw: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Activated outputs resized to the (padded) input size."""
        return self.activate(super().predict_by_feat(raw, batch_img_metas))

    def postprocess(self, pred: Tensor) -> Dict[str, Tensor]:
        """Data-sample fields of one (C, H, W) resized prediction."""
        return {self.pred_field: self.constrain(pred)}


class BoundedRegressionHeadMixin(DenseRegressionHeadMixin):
    """:class:`DenseRegressionHeadMixin` with outputs in a fixed interval.

    ``activate(raw) = low + (high - low) * sigmoid(raw)`` maps raw outputs
    into ``(low, high)``; ``constrain`` clamps to ``[low, high]``.

    Subclasses set :attr:`value_range` (and the mixin's other attributes);
    a config may override it with ``value_range=(low, high)``.

    Args:
        value_range (tuple[float, float], optional): ``(low, high)``,
            ``low < high``, in the task's unit. Defaults to None (the class's
            :attr:`value_range`).
    """

    value_range: Tuple[float, float] = (0.0, 1.0)

    def __init__(self,
                 *args,
                 value_range: Optional[Sequence[float]] = None,
                 **kwargs) -> None:
        low, high = (float(v) for v in (value_range or self.value_range))
        if not low < high:
            raise ValueError(f'value_range must be (low, high) with low < '
                             f'high, got {tuple(value_range)}')
        super().__init__(*args, **kwargs)
        self.value_range = (low, high)

    def activate(self, raw: Tensor) -> Tensor:
        low, high = self.value_range
        return low + (high - low) * torch.sigmoid(raw)

    def constrain(self, pred: Tensor) -> Tensor:
        return pred.clamp(*self.value_range)
