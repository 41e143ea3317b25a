from .aspp_bottleneck import (ASPP_BOTTLENECKS, ASPPBottleneckMixin,
                              SemanticASPPHead, build_deeplabv3_bottleneck)
from .dense_classification_head import DenseClassificationHeadMixin
from .dense_regression_head import DenseRegressionHeadMixin
from .depth_head import DepthASPPHead
from .edge_head import EdgeASPPHead
from .normal_head import NormalASPPHead
from .regression_head import RegressionASPPHead
from .task_head import TaskHeadMixin

__all__ = [
    'TaskHeadMixin', 'DenseRegressionHeadMixin',
    'DenseClassificationHeadMixin', 'RegressionASPPHead', 'DepthASPPHead',
    'NormalASPPHead', 'EdgeASPPHead', 'ASPP_BOTTLENECKS',
    'ASPPBottleneckMixin', 'SemanticASPPHead', 'build_deeplabv3_bottleneck'
]
