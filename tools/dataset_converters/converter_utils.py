"""Helpers shared by the real-dataset converters (NYUv2, Cityscapes).

Every converter writes mmhad's MTAN layout (``docs/data_contract.md``)::

    {out}/{split}/{folder}/{i}.npy      i = 0 .. N-1

``tools/`` is not a package: a converter loads this file by its path
(``runpy.run_path``).

Resizing rules (the same in both converters):

- the image with ``cv2.INTER_AREA`` (an area-weighted, i.e. anti-aliased
  bilinear, downscale) after conversion to float, so no rounding to uint8;
- every annotation (labels, depth / disparity) with a nearest-neighbour
  sample taken from exactly one source pixel (:func:`nearest_indices`), so
  labels are never blended and an invalid ``0`` never leaks into a valid
  value.
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

#: Where the class-mapping tables live (JSON, each naming its source).
DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'label_maps')


def parse_size(text: str) -> Tuple[int, int]:
    """``'128x256'`` -> ``(128, 256)`` (height, width in pixels).

    Raises:
        ValueError: If ``text`` is not ``HxW`` with two positive integers.
    """
    height, sep, width = text.lower().partition('x')
    if not sep or not height.isdigit() or not width.isdigit() or \
            int(height) < 1 or int(width) < 1:
        raise ValueError(f'size must be HEIGHTxWIDTH, e.g. 128x256; got '
                         f'{text!r}')
    return int(height), int(width)


def load_table(name: str) -> dict:
    """Read ``data/{name}`` (a JSON table shipped with the converters)."""
    with open(osp.join(DATA_DIR, name)) as f:
        return json.load(f)


def nearest_indices(size_in: int, size_out: int) -> np.ndarray:
    """Source index of every output position of a nearest-neighbour resize.

    Output pixel ``j`` (centre ``j + 0.5`` in output pixels) samples the
    source pixel whose area holds its centre:
    ``floor((j + 0.5) * size_in / size_out)``.

    Args:
        size_in (int): Source length (pixels).
        size_out (int): Output length (pixels).

    Returns:
        np.ndarray: (size_out,) int64 indices in ``0 .. size_in - 1``.
    """
    index = np.floor((np.arange(size_out) + 0.5) * size_in / size_out)
    return np.clip(index.astype(np.int64), 0, size_in - 1)


def resize_nearest(array: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of an H x W (x C) map to ``size`` (h, w)."""
    rows = nearest_indices(array.shape[0], size[0])
    cols = nearest_indices(array.shape[1], size[1])
    return array[rows[:, None], cols[None, :]]


def resize_image(image: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """An H x W x 3 uint8 RGB image -> ``size`` (h, w) x 3 float32 in [0, 1].

    Converted to float first, then resized with ``cv2.INTER_AREA`` (bilinear
    when upscaling).
    """
    scaled = image.astype(np.float32) / 255.0
    if scaled.shape[:2] != tuple(size):
        scaled = cv2.resize(scaled, (size[1], size[0]),
                            interpolation=cv2.INTER_AREA)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


def make_folders(out: str, splits: Sequence[str],
                 folders: Sequence[str]) -> None:
    """Create ``{out}/{split}/{folder}`` for every split and folder."""
    for split in splits:
        for folder in folders:
            os.makedirs(osp.join(out, split, folder), exist_ok=True)


def save_sample(out: str, split: str, index: int,
                arrays: Dict[str, np.ndarray]) -> None:
    """Write ``{out}/{split}/{folder}/{index}.npy`` for each folder -> array
    (float32)."""
    for folder, array in arrays.items():
        np.save(osp.join(out, split, folder, f'{index}.npy'),
                np.ascontiguousarray(array, dtype=np.float32))


def write_meta(out: str, meta: dict) -> dict:
    """Write ``{out}/meta.json`` (what was converted, from where, how) and
    return ``meta``."""
    with open(osp.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    return meta


def make_parser(
        description: str,
        default_size: Optional[Tuple[int, int]]) -> argparse.ArgumentParser:
    """A converter's command line with the shared ``--out`` and ``--size``
    (``default_size`` None: the source size)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--out', required=True, help='output root')
    default = 'the source size' if default_size is None else \
        '{}x{}'.format(*default_size)
    parser.add_argument('--size', type=parse_size, default=default_size,
                        help=f'output HEIGHTxWIDTH (default {default})')
    return parser


def print_summary(meta: dict, out: str) -> int:
    """Print what a conversion wrote; return exit code 0."""
    height, width = meta['size']
    print(f'\nwrote {meta["num_samples"]} samples of {height}x{width} to '
          f'{out} (see {out}/meta.json)')
    return 0
