"""Albedo: the surface's RGB reflectance per pixel (intrinsic images)."""
from . import register_task
from .base import LOWER, Measure, RegressionTask


@register_task
class AlbedoTask(RegressionTask):
    """RGB reflectance in ``[0, 1]``, all-zero = invalid.

    - disk: ``{split}/albedo/{i}.npy``, H x W x 3, finite, in ``[0, 1]``;
    - head: a bounded regression (``sigmoid`` into ``[0, 1]``), masked L1;
    - metric: ``abs_err``, mean ``|pred - gt|`` over valid pixels and
      channels (reflectance units).
    """

    name = 'albedo'
    kind = 'multi'
    channels = 3
    unit = 'reflectance'
    value_range = (0.0, 1.0)
    metrics = dict(abs_err=Measure(LOWER, 'reflectance'))
    scorer = 'abs_err'
    position = 4
    head = dict(type='RegressionASPPHead', task='albedo')
    loss = dict(type='MaskedL1Loss', valid_rule='nonzero',
                loss_name='loss_albedo')
    activation = 'sigmoid_range'
    draw = dict(style='rgb')
