from .albedo_head import AlbedoASPPHead
from .aspp_bottleneck import (ASPP_BOTTLENECKS, ASPPBottleneckMixin,
                              SemanticASPPHead, build_deeplabv3_bottleneck)
from .dense_classification_head import DenseClassificationHeadMixin
from .dense_regression_head import (BoundedRegressionHeadMixin,
                                    DenseRegressionHeadMixin)
from .depth_head import DepthASPPHead
from .edge_head import EdgeASPPHead
from .normal_head import NormalASPPHead
from .shading_head import ShadingASPPHead

__all__ = [
    'DenseRegressionHeadMixin', 'BoundedRegressionHeadMixin',
    'DenseClassificationHeadMixin', 'DepthASPPHead', 'NormalASPPHead',
    'EdgeASPPHead', 'AlbedoASPPHead', 'ShadingASPPHead', 'ASPP_BOTTLENECKS',
    'ASPPBottleneckMixin', 'SemanticASPPHead', 'build_deeplabv3_bottleneck'
]
