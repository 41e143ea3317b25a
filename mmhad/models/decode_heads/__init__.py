from .dense_regression_head import DenseRegressionHeadMixin
from .depth_head import DepthASPPHead
from .normal_head import NormalASPPHead

__all__ = ['DenseRegressionHeadMixin', 'DepthASPPHead', 'NormalASPPHead']
