from .albedo_head import AlbedoASPPHead
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
    'EdgeASPPHead', 'AlbedoASPPHead', 'ShadingASPPHead'
]
