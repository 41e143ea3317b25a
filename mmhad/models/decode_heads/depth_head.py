"""Depth decode head: DeepLabV3 ASPP body, one non-negative output channel."""
import torch.nn.functional as F
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS
from torch import Tensor

from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_regression_head import DenseRegressionHeadMixin


@MODELS.register_module()
class DepthASPPHead(DenseRegressionHeadMixin, ASPPBottleneckMixin,
                    ASPPHead):
    """ASPP head predicting metric depth (or disparity) per pixel.

    Output: (B, 1, H, W), metres, ``softplus`` of the raw output so depth is
    non-negative with a gradient everywhere. Ground truth: ``gt_depth_map``
    (0 = invalid). Accepts every :class:`ASPPHead` argument (``dilations``,
    ``channels``, ``norm_cfg``...) and ``bottleneck``
    (:class:`ASPPBottleneckMixin`); ``loss_decode`` defaults to
    :class:`MaskedL1Loss`.
    """

    gt_field = 'gt_depth_map'
    pred_field = 'pred_depth_map'
    default_out_channels = 1
    default_loss_decode = dict(type='MaskedL1Loss')

    def activate(self, raw: Tensor) -> Tensor:
        return F.softplus(raw)

    def constrain(self, pred: Tensor) -> Tensor:
        return pred.clamp(min=0)
