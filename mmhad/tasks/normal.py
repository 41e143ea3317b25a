"""Surface normals: one camera-frame unit 3-vector per pixel."""
import numpy as np

from . import register_task
from .base import HIGHER, LOWER, Measure, RegressionTask


@register_task
class NormalTask(RegressionTask):
    """Unit normals in the camera frame (x right, y down, z forward).

    - disk: ``{split}/normal/{i}.npy``, H x W x 3, finite; every non-zero
      vector of length ``1 +- normal_tol``; all-zero = invalid;
    - a horizontal flip negates x, a vertical flip y, a diagonal flip both;
    - metrics: ``mean_angle`` / ``median_angle`` (degrees) and
      ``within_{t}`` (% of valid pixels with an error below ``t`` degrees).
    """

    name = 'normal'
    kind = 'vector'
    channels = 3
    unit = 'unit vector'
    flip_negate = dict(horizontal=(0, ), vertical=(1, ), diagonal=(0, 1))
    metrics = {
        'mean_angle': Measure(LOWER, 'deg'),
        'median_angle': Measure(LOWER, 'deg'),
        'within_*': Measure(HIGHER, '%'),
    }
    scorer = 'normal'
    position = 2
    head = dict(type='NormalASPPHead')
    loss = dict(type='CosineNormalLoss')
    activation = 'unit'
    value_range = (-1.0, 1.0)
    distill = 'normal'
    draw = dict(style='vector_rgb')

    def check_values(self,
                     array: np.ndarray,
                     path: str,
                     normal_tol: float = 0.1,
                     **options) -> None:
        """Every vector is unit length (``+- normal_tol``) or all-zero."""
        norm = np.linalg.norm(array, axis=2)
        valid = (array != 0).any(axis=2)
        off = valid & (np.abs(norm - 1) > normal_tol)
        if off.any():
            lengths = norm[off]
            raise ValueError(
                f'normal {path} has {int(off.sum())} vectors that are neither '
                f'unit length (+-{normal_tol}) nor all-zero; lengths '
                f'range [{float(lengths.min()):g}, {float(lengths.max()):g}]')
