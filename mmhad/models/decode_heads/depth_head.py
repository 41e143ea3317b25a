"""Depth decode head: the regression ASPP head of task ``'depth'``."""
from mmseg.registry import MODELS

from .regression_head import RegressionASPPHead


@MODELS.register_module()
class DepthASPPHead(RegressionASPPHead):
    """ASPP head predicting metric depth (or disparity) per pixel.

    :class:`RegressionASPPHead` with ``task='depth'``: output (B, 1, H, W),
    metres, ``softplus`` of the raw output so depth is non-negative with a
    gradient everywhere; ground truth ``gt_depth_map`` (0 = invalid);
    ``loss_decode`` defaults to :class:`MaskedL1Loss`.
    """

    task = 'depth'
