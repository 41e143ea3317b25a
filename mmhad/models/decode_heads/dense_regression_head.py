"""Mixin turning an mmseg decode head into the head of a regression task."""
import copy
import warnings
from typing import Dict, List, Optional, Sequence

import torch
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor

from ..utils import OUTPUT_ACTIVATIONS
from .task_head import TaskHeadMixin


class DenseRegressionHeadMixin(TaskHeadMixin):
    """Regression behaviour for any :class:`BaseDecodeHead` subclass.

    Mix it in *before* an mmseg decode head (``class H(Mixin, ASPPHead)``):
    the decoder body is the parent's; the task definition
    (:class:`~mmhad.tasks.TaskType`) gives the ``conv_seg`` output channels
    (``channels``), the default ``loss_decode`` (``loss``), the ground-truth
    and prediction fields and the activation
    (:data:`~mmhad.models.utils.OUTPUT_ACTIVATIONS`). ``forward`` returns
    *raw* outputs at feature resolution; the activation is applied after
    resizing, so interpolation never breaks the output constraint
    (non-negativity, unit length, bounds).

    Args:
        task (str, optional): A registered regression task type. Defaults to
            None, meaning the class's :attr:`task`.
        out_channels (int, optional): Output channels. Defaults to None (the
            task's ``channels``).
        value_range (tuple[float, float], optional): ``(low, high)``,
            ``low < high``, of a ``'sigmoid_range'`` activation, in the
            task's unit. Defaults to None (the task's ``value_range``).
        activation (str, optional): A key of ``OUTPUT_ACTIVATIONS``.
            Defaults to None (the task's ``activation``).
        **kwargs: The parent head's arguments; ``loss_decode`` defaults to
            the task's ``loss``.
    """

    predicts_classes = False

    def __init__(self,
                 *args,
                 task: Optional[str] = None,
                 out_channels: Optional[int] = None,
                 value_range: Optional[Sequence[float]] = None,
                 activation: Optional[str] = None,
                 **kwargs) -> None:
        definition = self.task_definition(task)
        activation = activation or definition.activation
        if activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f'activation must be one of '
                             f'{sorted(OUTPUT_ACTIVATIONS)}, got '
                             f'{activation!r}')
        value_range = value_range or definition.value_range
        if OUTPUT_ACTIVATIONS[activation].bounded:
            if value_range is None:
                raise ValueError(f'activation {activation!r} needs a '
                                 'value_range=(low, high)')
            low, high = (float(v) for v in value_range)
            if not low < high:
                raise ValueError(f'value_range must be (low, high) with low '
                                 f'< high, got {tuple(value_range)}')
            value_range = (low, high)
        out_channels = out_channels or definition.channels
        kwargs.setdefault('loss_decode', copy.deepcopy(definition.loss))
        kwargs.setdefault('num_classes', out_channels)
        kwargs.setdefault('threshold', None)
        with warnings.catch_warnings():
            # BaseDecodeHead warns about binary-segmentation thresholds when
            # out_channels == 1; they do not apply to regression.
            warnings.filterwarnings('ignore', message='threshold is not')
            super().__init__(*args, out_channels=out_channels, **kwargs)
        self.task = definition.name
        self.activation = activation
        self.value_range = value_range

    def activate(self, raw: Tensor) -> Tensor:
        """Map raw (B, C, H, W) outputs to the output space."""
        return OUTPUT_ACTIVATIONS[self.activation].activate(
            raw, self.value_range)

    def constrain(self, pred: Tensor) -> Tensor:
        """Project resized (..., C, H, W) outputs onto the output space."""
        return OUTPUT_ACTIVATIONS[self.activation].constrain(
            pred, self.value_range)

    def flip_prediction(self, pred: Tensor, direction: str) -> Tensor:
        """Undo a test-time flip of a (C, H, W) prediction (the task's
        ``flip_prediction``: mirror, negate its ``flip_negate`` channels)."""
        return self.task_type.flip_prediction(pred, direction)

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
