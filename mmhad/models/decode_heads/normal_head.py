"""Surface-normal decode head: DeepLabV3 ASPP body, unit 3-vector output."""
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import unit_vectors
from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_regression_head import DenseRegressionHeadMixin


@MODELS.register_module()
class NormalASPPHead(DenseRegressionHeadMixin, ASPPBottleneckMixin,
                     ASPPHead):
    """ASPP head predicting camera-frame unit surface normals per pixel.

    Output: (B, 3, H, W), L2-normalised over channels. Ground truth:
    ``gt_normal_map`` (all-zero = invalid). Accepts every :class:`ASPPHead`
    argument and ``bottleneck`` (:class:`ASPPBottleneckMixin`);
    ``loss_decode`` defaults to :class:`CosineNormalLoss`.
    """

    gt_field = 'gt_normal_map'
    pred_field = 'pred_normal_map'
    default_out_channels = 3
    default_loss_decode = dict(type='CosineNormalLoss')

    def activate(self, raw: Tensor) -> Tensor:
        return unit_vectors(raw, dim=-3, eps=1e-6)

    constrain = activate  # normalising is idempotent

    def flip_prediction(self, pred: Tensor, direction: str) -> Tensor:
        """Undo a flip: mirror the map and negate the mirrored axis."""
        pred = super().flip_prediction(pred, direction).clone()
        pred[0 if direction == 'horizontal' else 1] *= -1
        return pred
