"""Convert the official labelled NYUv2 release to mmhad's MTAN ``.npy`` layout.

Example::

    python tools/dataset_converters/nyuv2.py \
        --mat nyu_depth_v2_labeled.mat --splits splits.mat \
        --class-map-40 classMapping40.mat --out data/nyuv2

Inputs (nothing is downloaded):

- ``nyu_depth_v2_labeled.mat`` (MATLAB v7.3 = HDF5, read with h5py). MATLAB
  stores the arrays column-major, so h5py sees every axis reversed:
  ``images`` is N x 3 x W x H uint8 (MATLAB: H x W x 3 x N), ``depths``
  (in-painted depth, metres) and ``labels`` (894-class ids, 0 = unlabelled)
  are N x W x H; a sample is read as ``[k]`` and transposed to H x W (x 3).
  The release has N = 1449 samples of H x W = 480 x 640.
- ``splits.mat`` (the official split, an old-format MATLAB file):
  ``trainNdxs`` (795) and ``testNdxs`` (654), 1-based indices into the 1449
  samples. ``train`` is written from ``trainNdxs`` and ``val`` from
  ``testNdxs``, each in the order of the file (sample ``i`` of a split is
  its ``i``-th index; ``meta.json`` lists them).
- the 894 -> 40 class mapping of Gupta et al. 2013 (``classMapping40.mat``,
  field ``mapClass``), given by the user (``--class-map-40``, format in
  :func:`load_map_894_to_40`): it is not shipped here because its 894
  entries could not be reproduced with confidence. The 40 -> 13 mapping
  (Couprie et al. 2013, as used by SegNet and MTAN) is shipped in
  ``label_maps/nyuv2_40_to_13.json`` with its source.

Output (``docs/data_contract.md``), at 288 x 384 by default::

    {out}/{train,val}/image/{i}.npy    H x W x 3 float32 RGB in [0, 1]
    {out}/{train,val}/label/{i}.npy    H x W float32 0..12, -1 = unlabelled
    {out}/{train,val}/depth/{i}.npy    H x W x 1 float32 metres, 0 = invalid
    {out}/{train,val}/normal/{i}.npy   H x W x 3 float32 unit, 0 = invalid
    {out}/meta.json

Resizing: image area (``cv2.INTER_AREA``), label and depth nearest
(``converter_utils``), so invalid depth is never blended into valid depth.

Normals (:func:`normals_from_depth`) are estimated from the stored (resized)
depth with the colour camera's intrinsics (:data:`NYU_INTRINSICS`, those of
the NYU toolbox's ``camera_params.m`` at 640 x 480, MATLAB 1-based pixel
coordinates): every output pixel is back-projected from the source pixel its
nearest-neighbour sample came from (the same as scaling the intrinsics by
384 / 640 = 288 / 480 = 0.6, but exact, so a plane stays a plane), the
normal is the cross product of the derivatives of the 3-D points along the
image rows and columns (central differences; one-sided next to an invalid
pixel or the border), oriented towards the camera and normalised; it is all
zero where the depth or both neighbours along an axis are invalid. Frame:
x right, y down, z forward (a wall facing the camera is (0, 0, -1)).

Known difference from the MTAN files: MTAN's NYUv2 normals come from another
estimation (the normals distributed with Eigen & Fergus's NYUv2 data, fitted
over local neighbourhoods of the raw depth), which are smoother: these
per-pixel normals are noisier on textured depth and wrong in a band of about
one pixel along depth discontinuities (where the difference straddles two
surfaces). ``--normal-window K`` averages the un-normalised normals over a
K x K window of valid pixels (K = 1, no smoothing, by default) to come
closer. Scores on normals are therefore not comparable with the numbers of
papers trained on the MTAN files.
"""
import argparse
import json
import os.path as osp
import runpy
from types import SimpleNamespace
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

#: The shared helpers (``tools/`` is no package: loaded by path).
utils = SimpleNamespace(**runpy.run_path(
    osp.join(osp.dirname(osp.abspath(__file__)), 'converter_utils.py')))

#: Output resolution of the MTAN NYUv2 files (height, width).
DEFAULT_SIZE = (288, 384)
#: Number of classes of the raw labels (ids 1..894, 0 = unlabelled).
NUM_RAW_CLASSES = 894
#: Splits written and the field of ``splits.mat`` each comes from.
SPLIT_KEYS = {'train': 'trainNdxs', 'val': 'testNdxs'}
FOLDERS = ('image', 'label', 'depth', 'normal')


class Intrinsics(NamedTuple):
    """Pinhole intrinsics in pixels (MATLAB 1-based pixel coordinates:
    the centre of the top-left pixel is (1, 1))."""
    fx: float
    fy: float
    cx: float
    cy: float


#: NYUv2 colour camera at 640 x 480 (NYU toolbox ``camera_params.m``:
#: fx_rgb, fy_rgb, cx_rgb, cy_rgb).
NYU_INTRINSICS = Intrinsics(fx=518.857901, fy=519.469611, cx=325.582449,
                            cy=253.736166)


def load_map_894_to_40(path: str) -> np.ndarray:
    """Read the 894 -> 40 class mapping of Gupta et al. 2013.

    Accepted files (the value at position ``k - 1`` is the 40-class id, 1..40
    or 0 for none, of raw class ``k``; 894 values):

    - ``classMapping40.mat`` as published (field ``mapClass``, 1 x 894);
    - ``.npy`` (an array of 894 integers);
    - ``.json`` (a list of 894 integers, or an object with the list under
      ``"mapClass"``);
    - any other extension: text, 894 integers separated by commas and/or
      white space.

    Args:
        path (str): The mapping file.

    Returns:
        np.ndarray: (895,) int64 lookup table, ``table[raw_id]`` = 40-class
        id, ``table[0] = 0`` (unlabelled stays unlabelled).

    Raises:
        ValueError: If the file does not hold 894 integers in 0..40.
    """
    ext = osp.splitext(path)[1].lower()
    if ext == '.mat':
        values = _read_mat_field(path, 'mapClass')
    elif ext == '.npy':
        values = np.load(path)
    elif ext == '.json':
        with open(path) as f:
            loaded = json.load(f)
        values = loaded['mapClass'] if isinstance(loaded, dict) else loaded
    else:
        with open(path) as f:
            values = f.read().replace(',', ' ').split()
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size != NUM_RAW_CLASSES or not np.all(values == np.round(
            values)) or values.min() < 0 or values.max() > 40:
        raise ValueError(
            f'{path}: expected {NUM_RAW_CLASSES} integers in 0..40 (the '
            f'894 -> 40 mapping), got {values.size} values')
    return np.concatenate([[0], values.astype(np.int64)])


def load_map_40_to_13() -> np.ndarray:
    """The shipped 40 -> 13 table (``label_maps/nyuv2_40_to_13.json``).

    Returns:
        np.ndarray: (41,) int64, ``table[id40]`` = 13-class id 1..13, 0 for
        unlabelled.
    """
    return np.asarray(utils.load_table('nyuv2_40_to_13.json')['map_40_to_13'],
                      dtype=np.int64)


def map_labels(raw: np.ndarray, map_894_to_40: np.ndarray,
               map_40_to_13: np.ndarray) -> np.ndarray:
    """Raw 894-class ids -> mmhad's 13-class ids.

    Args:
        raw (np.ndarray): H x W raw ids, 0 = unlabelled, 1..894.
        map_894_to_40 (np.ndarray): (895,) from :func:`load_map_894_to_40`.
        map_40_to_13 (np.ndarray): (41,) from :func:`load_map_40_to_13`.

    Returns:
        np.ndarray: H x W float32 in 0..12 (``13-class id - 1``), -1 where
        the pixel is unlabelled (or maps to no class).

    Raises:
        ValueError: If an id is above 894.
    """
    raw = np.asarray(raw, dtype=np.int64)
    if raw.size and (raw.min() < 0 or raw.max() > NUM_RAW_CLASSES):
        raise ValueError(f'raw label ids must be in 0..{NUM_RAW_CLASSES}, '
                         f'got {raw.min()}..{raw.max()}')
    return (map_40_to_13[map_894_to_40[raw]] - 1).astype(np.float32)


def _read_mat_field(path: str, field: str) -> np.ndarray:
    """A field of a MATLAB file: old format (scipy) or v7.3 (HDF5)."""
    import h5py
    if h5py.is_hdf5(path):
        with h5py.File(path, 'r') as f:
            return np.asarray(f[field])
    from scipy.io import loadmat
    return np.asarray(loadmat(path)[field])


def read_splits(path: str, num_samples: int) -> Dict[str, List[int]]:
    """The official split as 0-based sample indices.

    Args:
        path (str): ``splits.mat`` (``trainNdxs``, ``testNdxs``: 1-based).
        num_samples (int): Samples in the labelled file (1449).

    Returns:
        dict[str, list[int]]: ``'train'`` (from ``trainNdxs``) and ``'val'``
        (from ``testNdxs``), in the order of the file.

    Raises:
        ValueError: If an index is outside ``1..num_samples`` or the two
            splits overlap.
    """
    splits = {}
    for split, field in SPLIT_KEYS.items():
        ones = np.asarray(_read_mat_field(path, field)).ravel()
        if ones.size == 0 or ones.min() < 1 or ones.max() > num_samples:
            raise ValueError(f'{path}: {field} must hold 1-based indices in '
                             f'1..{num_samples}')
        splits[split] = [int(i) - 1 for i in ones]
    shared = set(splits['train']) & set(splits['val'])
    if shared:
        raise ValueError(f'{path}: {len(shared)} samples are in both '
                         'trainNdxs and testNdxs')
    return splits


def _derivative(points: np.ndarray, valid: np.ndarray,
                axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """Derivative of H x W x 3 points along ``axis`` (0 rows, 1 columns).

    Central difference where both neighbours are valid, one-sided where
    one is, none (``ok`` False) where neither is.
    """
    pad = [(0, 0)] * 3
    pad[axis] = (1, 1)
    padded = np.pad(points, pad)
    known = np.pad(valid, pad[:2])

    def shifted(array, start):
        index = [slice(None)] * array.ndim
        index[axis] = slice(start, start + valid.shape[axis])
        return array[tuple(index)]

    ahead = shifted(known, 2) & valid
    behind = shifted(known, 0) & valid
    forward = shifted(padded, 2) - points
    backward = points - shifted(padded, 0)
    both = (ahead & behind)[..., None]
    derivative = np.where(
        both, (forward + backward) / 2,
        np.where(ahead[..., None], forward,
                 np.where(behind[..., None], backward, 0.0)))
    return derivative, ahead | behind


def normals_from_depth(depth: np.ndarray,
                       intrinsics: Intrinsics = NYU_INTRINSICS,
                       cols: Optional[np.ndarray] = None,
                       rows: Optional[np.ndarray] = None,
                       window: int = 1) -> np.ndarray:
    """Surface normals of a depth map (method in the module docstring).

    Args:
        depth (np.ndarray): H x W (or H x W x 1) depth in metres, 0 (or
            non-finite) = invalid.
        intrinsics (Intrinsics): Of the grid the pixel coordinates refer to.
        cols (np.ndarray, optional): (W,) 0-based source column of each
            column of ``depth`` (e.g. :func:`nearest_indices` of a resize).
            Defaults to ``0 .. W-1``.
        rows (np.ndarray, optional): (H,) the same for the rows.
        window (int): Side of the box over which the un-normalised normals
            of valid pixels are summed before normalising (1 = none).

    Returns:
        np.ndarray: H x W x 3 float32 unit normals in the camera frame (x
        right, y down, z forward), oriented towards the camera (``n . p <
        0``), all-zero where invalid.
    """
    depth = np.asarray(depth, dtype=np.float64).reshape(depth.shape[:2])
    height, width = depth.shape
    cols = np.arange(width) if cols is None else np.asarray(cols)
    rows = np.arange(height) if rows is None else np.asarray(rows)
    valid = np.isfinite(depth) & (depth > 0)
    z = np.where(valid, depth, 0.0)
    # MATLAB pixel coordinates: 0-based index + 1.
    x = (cols[None, :] + 1 - intrinsics.cx) * z / intrinsics.fx
    y = (rows[:, None] + 1 - intrinsics.cy) * z / intrinsics.fy
    points = np.stack([x, y, z], axis=-1)
    along_cols, ok_cols = _derivative(points, valid, axis=1)
    along_rows, ok_rows = _derivative(points, valid, axis=0)
    normal = np.cross(along_cols, along_rows)
    ok = valid & ok_cols & ok_rows
    normal[(normal * points).sum(-1) > 0] *= -1  # face the camera
    normal[~ok] = 0
    if window > 1:
        normal = cv2.boxFilter(normal, -1, (window, window), normalize=False,
                               borderType=cv2.BORDER_CONSTANT)
        normal[~ok] = 0
    length = np.linalg.norm(normal, axis=-1, keepdims=True)
    unit = np.divide(normal, length, out=np.zeros_like(normal),
                     where=length > 1e-12)
    return unit.astype(np.float32)


def convert_sample(image: np.ndarray, depth: np.ndarray, raw_label: np.ndarray,
                   size: Tuple[int, int], maps: Tuple[np.ndarray, np.ndarray],
                   intrinsics: Intrinsics = NYU_INTRINSICS,
                   normal_window: int = 1) -> Dict[str, np.ndarray]:
    """One sample at source resolution -> the four output arrays.

    Args:
        image (np.ndarray): H x W x 3 uint8 RGB.
        depth (np.ndarray): H x W metres, 0 = invalid.
        raw_label (np.ndarray): H x W raw 894-class ids.
        size (tuple[int, int]): Output (height, width).
        maps (tuple): (894 -> 40, 40 -> 13) lookup tables.
        intrinsics (Intrinsics): Of the source resolution.
        normal_window (int): See :func:`normals_from_depth`.

    Returns:
        dict[str, np.ndarray]: ``image`` h x w x 3, ``label`` h x w,
        ``depth`` h x w x 1, ``normal`` h x w x 3 (float32).
    """
    rows = utils.nearest_indices(depth.shape[0], size[0])
    cols = utils.nearest_indices(depth.shape[1], size[1])
    depth = np.asarray(depth, dtype=np.float32)[rows[:, None], cols[None, :]]
    depth = np.where(np.isfinite(depth) & (depth > 0), depth, 0)
    label = map_labels(raw_label[rows[:, None], cols[None, :]], *maps)
    return dict(
        image=utils.resize_image(image, size),
        label=label,
        depth=depth[..., None].astype(np.float32),
        normal=normals_from_depth(depth, intrinsics, cols=cols, rows=rows,
                                  window=normal_window))


def convert_nyuv2(mat: str,
                  splits: str,
                  class_map_40: str,
                  out: str,
                  size: Tuple[int, int] = DEFAULT_SIZE,
                  depth_key: str = 'depths',
                  normal_window: int = 1,
                  intrinsics: Intrinsics = NYU_INTRINSICS) -> dict:
    """Convert the labelled release (see the module docstring).

    Args:
        mat (str): ``nyu_depth_v2_labeled.mat``.
        splits (str): ``splits.mat``.
        class_map_40 (str): The 894 -> 40 mapping
            (:func:`load_map_894_to_40`).
        out (str): Output root.
        size (tuple[int, int]): Output (height, width).
            Defaults to (288, 384).
        depth_key (str): ``'depths'`` (in-painted, as MTAN) or
            ``'rawDepths'`` (Kinect depth with holes = 0).
        normal_window (int): See :func:`normals_from_depth`.
        intrinsics (Intrinsics): Of the file's resolution.

    Returns:
        dict: What ``meta.json`` holds (sizes, sources, split indices).
    """
    import h5py
    maps = (load_map_894_to_40(class_map_40), load_map_40_to_13())
    with h5py.File(mat, 'r') as f:
        images, depths, labels = f['images'], f[depth_key], f['labels']
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f'{mat}: images must be N x 3 x W x H, got '
                             f'{images.shape}')
        num, _, width, height = images.shape
        if depths.shape != (num, width, height) or \
                labels.shape != depths.shape:
            raise ValueError(
                f'{mat}: {depth_key} {depths.shape} and labels '
                f'{labels.shape} must be N x W x H = {(num, width, height)}')
        indices = read_splits(splits, num)
        utils.make_folders(out, list(indices), FOLDERS)
        bar = ProgressBar(sum(len(v) for v in indices.values()))
        for split, sources in indices.items():
            for i, k in enumerate(sources):
                arrays = convert_sample(
                    np.asarray(images[k]).transpose(2, 1, 0),
                    np.asarray(depths[k]).T, np.asarray(labels[k]).T, size,
                    maps, intrinsics, normal_window)
                utils.save_sample(out, split, i, arrays)
                bar.update()
    meta = dict(
        dataset='nyuv2', converter='tools/dataset_converters/nyuv2.py',
        source=osp.basename(mat), depth_key=depth_key,
        size=list(size), source_size=[height, width],
        num_samples={s: len(v) for s, v in indices.items()},
        normal_window=normal_window, intrinsics=intrinsics._asdict(),
        source_index={s: [k + 1 for k in v] for s, v in indices.items()})
    return utils.write_meta(out, meta)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = utils.make_parser(
        'Convert nyu_depth_v2_labeled.mat + splits.mat to the MTAN .npy '
        'layout (13 classes, depth, normals)', DEFAULT_SIZE)
    parser.add_argument('--mat', required=True,
                        help='nyu_depth_v2_labeled.mat (MATLAB v7.3)')
    parser.add_argument('--splits', required=True,
                        help='splits.mat (trainNdxs / testNdxs)')
    parser.add_argument('--class-map-40', required=True,
                        help='classMapping40.mat (Gupta et al. 2013) or 894 '
                        'integers as .npy / .json / text')
    parser.add_argument('--depth-key', default='depths',
                        choices=('depths', 'rawDepths'),
                        help='in-painted depth (default, as MTAN) or the raw '
                        'Kinect depth with holes')
    parser.add_argument('--normal-window', type=int, default=1,
                        help='smooth the normals over KxK valid pixels')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert; print where the files went."""
    args = parse_args(argv)
    meta = convert_nyuv2(args.mat, args.splits, args.class_map_40, args.out,
                         args.size, args.depth_key, args.normal_window)
    return utils.print_summary(meta, args.out)


if __name__ == '__main__':
    raise SystemExit(main())
