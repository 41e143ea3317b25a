"""Albedo decode head: DeepLabV3 ASPP body, RGB reflectance in [0, 1]."""
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_regression_head import BoundedRegressionHeadMixin


@MODELS.register_module()
class AlbedoASPPHead(BoundedRegressionHeadMixin, ASPPBottleneckMixin,
                     ASPPHead):
    """ASPP head predicting the per-pixel RGB albedo (reflectance).

    Output: (B, 3, H, W) in [0, 1], a sigmoid of the raw output (clamped
    after interpolation). Ground truth: ``gt_albedo_map`` (an all-zero pixel
    is invalid). Accepts every :class:`ASPPHead` argument, ``bottleneck``
    (:class:`ASPPBottleneckMixin`) and ``value_range``; ``loss_decode`` defaults to :class:`MaskedL1Loss` with
    ``valid_rule='nonzero'`` (``loss_albedo``).
    """

    gt_field = 'gt_albedo_map'
    pred_field = 'pred_albedo_map'
    default_out_channels = 3
    default_loss_decode = dict(
        type='MaskedL1Loss', valid_rule='nonzero', loss_name='loss_albedo')
    value_range = (0.0, 1.0)
