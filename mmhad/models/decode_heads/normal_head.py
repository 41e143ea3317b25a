"""Surface-normal decode head: the regression ASPP head of ``'normal'``."""
from mmseg.registry import MODELS

from .regression_head import RegressionASPPHead


@MODELS.register_module()
class NormalASPPHead(RegressionASPPHead):
    """ASPP head predicting camera-frame unit surface normals per pixel.

    :class:`RegressionASPPHead` with ``task='normal'``: output
    (B, 3, H, W), L2-normalised over channels; ground truth
    ``gt_normal_map`` (all-zero = invalid); ``loss_decode`` defaults to
    :class:`CosineNormalLoss`; undoing a flip mirrors the map and negates
    the mirrored axis.
    """

    task = 'normal'
