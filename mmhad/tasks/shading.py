"""Shading: the non-negative illumination factor per pixel."""

from . import register_task
from .base import LOWER, Measure, RegressionTask


@register_task
class ShadingTask(RegressionTask):
    """Scalar shading (image = reflectance x shading), ``>= 0``, 0 = invalid.

    - disk: ``{split}/shading/{i}.npy``, H x W (or H x W x 1), finite,
      ``>= 0``;
    - head: a bounded regression (``sigmoid`` into ``[0, 2]``), masked L1;
    - metric: ``abs_err``, mean ``|pred - gt|`` over valid pixels.
    """

    name = 'shading'
    kind = 'scalar'
    channels = 1
    unit = 'shading factor'
    value_range = (0.0, 2.0)
    metrics = dict(abs_err=Measure(LOWER, ''))
    non_negative = True
    check_range = False  # value_range bounds the head's output only
    scorer = 'abs_err'
    position = 5
    head = dict(type='RegressionASPPHead', task='shading')
    loss = dict(type='MaskedL1Loss', valid_rule='nonzero',
                loss_name='loss_shading')
    activation = 'sigmoid_range'
    draw = dict(style='colormap', cmap='gray', shared_scale=True)
