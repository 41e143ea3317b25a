"""The ASPP head of any regression task type."""
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_regression_head import DenseRegressionHeadMixin


@MODELS.register_module()
class RegressionASPPHead(DenseRegressionHeadMixin, ASPPBottleneckMixin,
                         ASPPHead):
    """DeepLabV3 ASPP head predicting a regression task's values per pixel.

    ``RegressionASPPHead(task=<name>, ...)``: the task definition
    (:func:`mmhad.tasks.get_task`) gives the output channels, the activation
    (e.g. a sigmoid into ``value_range``), the default ``loss_decode``, the
    ground-truth / prediction fields and how a test-time flip is undone
    (:class:`DenseRegressionHeadMixin`). Output: (B, C, H, W) in the task's
    unit. Accepts every :class:`ASPPHead` argument (``dilations``,
    ``channels``, ``norm_cfg``...), ``bottleneck``
    (:class:`ASPPBottleneckMixin`), ``out_channels``, ``value_range`` and
    ``activation``.

    Args:
        task (str): A registered regression task type (kind ``'scalar'``,
            ``'vector'`` or ``'multi'``).
    """
