"""Shading decode head: DeepLabV3 ASPP body, one bounded output channel."""
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_regression_head import BoundedRegressionHeadMixin


@MODELS.register_module()
class ShadingASPPHead(BoundedRegressionHeadMixin, ASPPBottleneckMixin,
                      ASPPHead):
    """ASPP head predicting the scalar shading factor per pixel.

    The image is ``albedo * shading`` (plus noise, clipped to [0, 1]), so
    shading is a non-negative factor; on the synthetic scenes it lies in
    [0.25, 1.6] (it exceeds 1 near the lamp). Output: (B, 1, H, W) in
    ``value_range`` = (0, 2) by default, a scaled sigmoid of the raw output.
    Ground truth: ``gt_shading_map`` (0 = invalid). Accepts every
    :class:`ASPPHead` argument and ``bottleneck``
    (:class:`ASPPBottleneckMixin`); ``loss_decode`` defaults to
    :class:`MaskedL1Loss` with ``valid_rule='nonzero'`` (``loss_shading``).
    """

    gt_field = 'gt_shading_map'
    pred_field = 'pred_shading_map'
    default_out_channels = 1
    default_loss_decode = dict(
        type='MaskedL1Loss', valid_rule='nonzero', loss_name='loss_shading')
    value_range = (0.0, 2.0)
