"""Depth: one non-negative distance per pixel (metres, or disparity)."""
import numpy as np

from . import register_task
from .base import LOWER, Measure, RegressionTask


@register_task
class DepthTask(RegressionTask):
    """Metric depth in metres (0 = invalid), or disparity where the dataset
    says ``depth_is_inverse`` (Cityscapes in MTAN's layout).

    - disk: ``{split}/depth/{i}.npy``, H x W (or H x W x 1), finite,
      ``>= 0``; loaded as H x W float32 ``gt_depth_map``;
    - zoom by ``s`` (a camera ``s`` times closer): depth ``/ s``, disparity
      ``* s``; invalid zeros stay zero;
    - metrics: ``abs_err`` (mean ``|pred - gt|``, the depth unit) and
      ``rel_err`` (mean ``|pred - gt| / gt``) over valid pixels.
    """

    name = 'depth'
    kind = 'scalar'
    channels = 1
    unit = 'm'
    metrics = dict(abs_err=Measure(LOWER, 'm'), rel_err=Measure(LOWER, ''))
    non_negative = True
    scorer = 'depth'
    position = 1
    head = dict(type='DepthASPPHead')
    loss = dict(type='MaskedL1Loss')
    activation = 'softplus'
    draw = dict(style='colormap', cmap='magma_r', shared_scale=True)

    def zoom(self, array: np.ndarray, scale: float,
             results: dict) -> np.ndarray:
        """Divide depth (multiply disparity, ``results['depth_is_inverse']``)
        by the zoom factor."""
        factor = np.float32(scale)
        if results.get('depth_is_inverse'):
            return array * factor
        return array / factor
