"""Turn a user's image (a file or an array) into the pipeline's input.

Every form ends as what mmhad's loaders produce for the datasets: an
H x W x 3 float32 **RGB** image in [0, 255] (``results['img']``), which the
model's data preprocessor then normalises with the config's mean/std.

Accepted inputs:

- a path to a ``.npy`` file: H x W x 3 RGB in [0, 1], the MTAN layout of
  the datasets (read by :class:`~mmhad.datasets.transforms.
  LoadMultiTaskImageFromNpy`, with its checks);
- a path to any image file mmcv reads (``.png``, ``.jpg``...): decoded as
  RGB (8-bit);
- an ``np.ndarray`` H x W x 3 in **RGB** order: ``uint8`` in [0, 255], or
  floating point in [0, 1] (as the ``.npy`` files). An image read with
  ``cv2.imread`` is BGR: pass ``img[..., ::-1]``.
"""
import os
import os.path as osp
from typing import Union

import mmcv
import numpy as np

from mmhad.datasets.transforms import LoadMultiTaskImageFromNpy

#: An image as :func:`load_image` accepts it.
ImageInput = Union[str, os.PathLike, np.ndarray]
#: Floating-point images may overshoot [0, 1] by this much (as the loader).
RANGE_TOL = 0.01


def _check_hw3(img: np.ndarray, what: str) -> None:
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'{what} must be H x W x 3 (RGB), got shape '
                         f'{img.shape}')


def _array_to_rgb255(img: np.ndarray) -> np.ndarray:
    """An H x W x 3 RGB array (uint8 [0, 255] or float [0, 1]) as float32
    [0, 255], computed as the ``.npy`` loader does."""
    _check_hw3(img, 'image array')
    if img.dtype == np.uint8:
        return img.astype(np.float32)
    if not np.issubdtype(img.dtype, np.floating):
        raise TypeError('image array must be uint8 in [0, 255] or floating '
                        f'point in [0, 1], got dtype {img.dtype}')
    img = img.astype(np.float32)
    if not np.isfinite(img).all():
        raise ValueError('image array holds NaN or inf values')
    low, high = float(img.min()), float(img.max())
    if low < -RANGE_TOL or high > 1 + RANGE_TOL:
        raise ValueError(
            'a floating-point image array must hold RGB values in [0, 1], '
            f'got [{low:g}, {high:g}] (pass uint8 for 0-255 values)')
    return img * np.float32(255)


def load_image(img: ImageInput) -> dict:
    """Pipeline ``results`` of one image (see the module docstring).

    Args:
        img (str | os.PathLike | np.ndarray): A ``.npy`` / image file, or an
            H x W x 3 RGB array.

    Returns:
        dict: ``img`` (H x W x 3 float32 RGB in [0, 255]), ``img_shape`` and
        ``ori_shape`` ((H, W)), ``img_path`` (None for an array).

    Raises:
        FileNotFoundError: If the path does not exist.
        ValueError, TypeError: If the image has the wrong shape, dtype or
            value range.
    """
    if isinstance(img, np.ndarray):
        rgb = _array_to_rgb255(img)
        return dict(img=rgb, img_shape=rgb.shape[:2], ori_shape=rgb.shape[:2],
                    img_path=None)
    if not isinstance(img, (str, os.PathLike)):
        raise TypeError('img must be a file path or an H x W x 3 np.ndarray, '
                        f'got {type(img).__name__}')
    path = os.fspath(img)
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path} does not exist')
    if path.lower().endswith('.npy'):
        return LoadMultiTaskImageFromNpy()(dict(img_path=path))
    decoded = mmcv.imread(path, flag='color', channel_order='rgb')
    if decoded is None:
        raise ValueError(f'image {path} could not be decoded')
    results = load_image(np.ascontiguousarray(decoded))
    results['img_path'] = path
    return results
