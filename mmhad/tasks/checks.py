"""Reading and checking one annotation array; every error names the file."""
from typing import Optional, Tuple

import mmengine.fileio as fileio
import numpy as np
from mmseg.utils import datafrombytes

MAX_SHOWN = 10  # offending values listed in an error message
#: (H, W) of the image in pixels, None when no image has been loaded.
ImageHW = Optional[Tuple[int, int]]


def load_npy(path: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """Read one ``.npy`` file through mmengine's file backends.

    Raises:
        ValueError: If the file is not a readable ``.npy`` array (truncated,
            another format); the message names the file.
    """
    data = fileio.get(path, backend_args=backend_args)
    try:
        array = datafrombytes(data, backend='numpy')
    except (ValueError, EOFError, OSError) as err:
        raise ValueError(f'{path} is not a readable .npy array '
                         f'({type(err).__name__}: {err})') from None
    if not isinstance(array, np.ndarray):  # e.g. an .npz archive
        raise ValueError(f'{path} is not a .npy array (got '
                         f'{type(array).__name__})')
    return array


def check_finite(array: np.ndarray, path: str, what: str) -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or infinite values."""
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f'{what} {path} has {int(bad.sum())} non-finite '
                         '(NaN or inf) values')


def check_hw(shape: Tuple[int, ...], expected: ImageHW, path: str,
             what: str) -> None:
    """Raise ``ValueError`` if the H x W of ``shape`` differs from the
    image's."""
    if expected is not None and tuple(shape[:2]) != tuple(expected):
        raise ValueError(f'{what} {path} is {shape[0]}x{shape[1]} but the '
                         f'image is {expected[0]}x{expected[1]}')


def squeeze_hw1(array: np.ndarray) -> np.ndarray:
    """View an H x W x 1 array as H x W; leave other shapes unchanged."""
    return array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array


def load_label_map(path: str,
                   what: str,
                   hw: ImageHW,
                   backend_args: Optional[dict],
                   finite: bool = True) -> np.ndarray:
    """Load an H x W (or H x W x 1) map of integer ids, unconverted.

    Args:
        finite (bool): Check float files for NaN/inf here. False leaves
            them to the caller's value check (which then lists ``nan`` among
            the offending values). Defaults to True.

    Returns:
        np.ndarray: H x W, the file's dtype.
    """
    label = squeeze_hw1(load_npy(path, backend_args))
    if label.ndim != 2:
        raise ValueError(f'{what} {path} must be H x W (or H x W x 1), '
                         f'got shape {label.shape}')
    check_hw(label.shape, hw, path, what)
    if finite and np.issubdtype(label.dtype, np.floating):
        check_finite(label, path, what)
    return label


def load_float_map(path: str, what: str, channels: int, hw: ImageHW,
                   backend_args: Optional[dict]) -> np.ndarray:
    """Load a dense float map and check its shape and values.

    Args:
        path (str): The ``.npy`` file.
        what (str): Its name in error messages (``'depth'``...).
        channels (int): 1 for an H x W (or H x W x 1) map, returned as
            H x W; otherwise the C of an H x W x C map.
        hw (tuple, optional): The image's (H, W) to match.
        backend_args (dict, optional): mmengine file-backend arguments.

    Returns:
        np.ndarray: float32, finite, H x W or H x W x C.
    """
    array = load_npy(path, backend_args)
    if channels == 1:
        array = squeeze_hw1(array)
        if array.ndim != 2:
            raise ValueError(f'{what} {path} must be H x W x 1 (or H x W), '
                             f'got shape {array.shape}')
    elif array.ndim != 3 or array.shape[2] != channels:
        raise ValueError(f'{what} {path} must be H x W x {channels}, got '
                         f'shape {array.shape}')
    check_hw(array.shape, hw, path, what)
    array = array.astype(np.float32)
    check_finite(array, path, what)
    return array
