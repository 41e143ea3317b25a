"""Convert the official Cityscapes packages to mmhad's MTAN ``.npy`` layout.

Example::

    python tools/dataset_converters/cityscapes.py --root data/cityscapes_raw \
        --out data/cityscapes [--size 256x512]

Input (the unpacked ``leftImg8bit_trainvaltest.zip``,
``gtFine_trainvaltest.zip`` and ``disparity_trainvaltest.zip`` under one
``--root``; nothing is downloaded)::

    {root}/leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png   RGB
    {root}/gtFine/{split}/{city}/{stem}_gtFine_labelIds.png    label ids
    {root}/disparity/{split}/{city}/{stem}_disparity.png       uint16

for ``split`` in ``train`` and ``val`` (the test split has no labels);
``stem`` is ``{city}_{sequence}_{frame}``. Samples are numbered in the order
of ``(city, stem)``; ``meta.json`` lists the stem of every ``i``.

Output (``docs/data_contract.md``), at 128 x 256 by default::

    {out}/{split}/image/{i}.npy      H x W x 3 float32 RGB in [0, 1]
    {out}/{split}/label_7/{i}.npy    H x W float32 0..6, -1 = void
    {out}/{split}/label_19/{i}.npy   H x W float32 0..18, -1 = ignored
    {out}/{split}/depth/{i}.npy      H x W x 1 float32 disparity / 256, 0 =
                                     invalid
    {out}/meta.json

Labels, by the cityscapesScripts label table
(``label_maps/cityscapes_labels.json``, its source named there):
``label_19`` is each label id's ``trainId`` (``255`` -> ``-1``);
``label_7`` is its category (``catId - 1``: flat, construction, object,
nature, sky, human, vehicle; ``void`` -> ``-1``), so labels that are not
among the 19 (parking, rail track, guard rail, bridge, tunnel, polegroup,
caravan, trailer) still count for their category.

Depth: the disparity PNG holds ``p`` with disparity ``(p - 1) / 256`` pixels
(at 2048 x 1024) for ``p > 0`` and ``p = 0`` invalid. ``depth`` stores
``(p - 1) / 256 / 256``, i.e. ``(p - 1) / 65536``, and 0 where ``p <= 1``
(``p = 1`` is a disparity of 0, a point at infinity, which mmhad cannot tell
from invalid). This is the scale of the MTAN files and of
``CityscapesMultiTaskDataset`` ("inverse depth, about 0-0.49"): the largest
disparity the packages hold, ``p = 32257`` (126 pixels), gives
``0.4922``, the maximum of the MTAN files. MTAN's own preprocessing is not
published (its author describes it as the raw disparity, unprocessed); a
``p / 65535`` reading of the PNG differs from this one by less than
``2.5e-5``. The value is the same at every output size (it is not rescaled
with the image width). ``--disparity-unit pixels`` stores the disparity in
pixels at 2048 x 1024 instead.

Resizing: image area (``cv2.INTER_AREA``), labels and disparity nearest
(``converter_utils``), so invalid disparity is never blended into valid.
"""
import argparse
import glob
import os.path as osp
import runpy
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

#: The shared helpers (``tools/`` is no package: loaded by path).
utils = SimpleNamespace(**runpy.run_path(
    osp.join(osp.dirname(osp.abspath(__file__)), 'converter_utils.py')))

#: Output resolution of the MTAN Cityscapes files (height, width); MTAN also
#: ships 256 x 512 (``--size 256x512``).
DEFAULT_SIZE = (128, 256)
SPLITS = ('train', 'val')
FOLDERS = ('image', 'label_7', 'label_19', 'depth')
#: Input package folder and file suffix of each modality.
INPUTS = {
    'image': ('leftImg8bit', '_leftImg8bit.png'),
    'label': ('gtFine', '_gtFine_labelIds.png'),
    'disparity': ('disparity', '_disparity.png'),
}
#: What ``depth`` holds: the unit's divisor of the disparity in pixels.
DISPARITY_UNITS = {'mtan': 256.0, 'pixels': 1.0}


def label_tables() -> Tuple[np.ndarray, np.ndarray]:
    """Lookup tables label id -> mmhad's 19-class and 7-class ids.

    Returns:
        tuple[np.ndarray, np.ndarray]: (256,) int64 each: ``train19[id]`` in
        0..18 or -1, ``category7[id]`` in 0..6 or -1 (void, or an id the
        table does not name).
    """
    table = utils.load_table('cityscapes_labels.json')
    columns = table['columns']
    train19 = np.full(256, -1, dtype=np.int64)
    category7 = np.full(256, -1, dtype=np.int64)
    for row in table['labels']:
        label = dict(zip(columns, row))
        if not 0 <= label['id'] < 256:
            continue  # license plate (-1): not in the labelIds PNGs
        if 0 <= label['trainId'] < 19:
            train19[label['id']] = label['trainId']
        category7[label['id']] = label['catId'] - 1  # void (0) -> -1
    return train19, category7


def disparity_from_png(raw: np.ndarray, unit: str = 'mtan') -> np.ndarray:
    """Disparity PNG values -> what ``depth`` stores (module docstring).

    Args:
        raw (np.ndarray): H x W uint16 ``p``.
        unit (str): ``'mtan'`` (``(p - 1) / 65536``) or ``'pixels'``
            (``(p - 1) / 256``).

    Returns:
        np.ndarray: H x W float32, 0 where ``p <= 1``.
    """
    raw = np.asarray(raw, dtype=np.float64)
    value = (raw - 1.0) / 256.0 / DISPARITY_UNITS[unit]
    return np.where(raw > 1, value, 0.0).astype(np.float32)


def list_samples(root: str, split: str) -> List[Tuple[str, str]]:
    """``(city, stem)`` of every left image of a split, sorted.

    Raises:
        FileNotFoundError: If the split has no image, or an image lacks its
            label or disparity file (all missing files are named).
    """
    folder, suffix = INPUTS['image']
    pattern = osp.join(root, folder, split, '*', '*' + suffix)
    samples = sorted(
        (osp.basename(osp.dirname(path)), osp.basename(path)[:-len(suffix)])
        for path in glob.glob(pattern))
    if not samples:
        raise FileNotFoundError(f'no images match {pattern}')
    missing = [
        input_path(root, split, city, stem, kind) for city, stem in samples
        for kind in ('label', 'disparity')
        if not osp.isfile(input_path(root, split, city, stem, kind))
    ]
    if missing:
        shown = ', '.join(missing[:10])
        raise FileNotFoundError(
            f'{len(missing)} label/disparity file(s) missing, e.g. {shown}')
    return samples


def input_path(root: str, split: str, city: str, stem: str,
               kind: str) -> str:
    """Path of one input file (``kind`` a key of :data:`INPUTS`)."""
    folder, suffix = INPUTS[kind]
    return osp.join(root, folder, split, city, stem + suffix)


def _read(path: str, flags: int) -> np.ndarray:
    array = cv2.imread(path, flags)
    if array is None:
        raise ValueError(f'{path}: not a readable image')
    return array


def convert_sample(paths: Dict[str, str], size: Tuple[int, int],
                   tables: Tuple[np.ndarray, np.ndarray],
                   unit: str = 'mtan') -> Dict[str, np.ndarray]:
    """One sample's three PNGs -> the four output arrays.

    Args:
        paths (dict[str, str]): ``image``, ``label``, ``disparity`` paths.
        size (tuple[int, int]): Output (height, width).
        tables (tuple): :func:`label_tables`.
        unit (str): See :func:`disparity_from_png`.

    Returns:
        dict[str, np.ndarray]: ``image`` h x w x 3, ``label_7``/``label_19``
        h x w, ``depth`` h x w x 1 (float32).
    """
    image = _read(paths['image'], cv2.IMREAD_COLOR)[..., ::-1]  # BGR -> RGB
    label = _read(paths['label'], cv2.IMREAD_UNCHANGED)
    raw = _read(paths['disparity'], cv2.IMREAD_UNCHANGED)
    if label.ndim != 2 or raw.ndim != 2 or raw.dtype != np.uint16:
        raise ValueError(f'{paths["label"]} must be one-channel and '
                         f'{paths["disparity"]} one-channel uint16')
    label = utils.resize_nearest(label, size).astype(np.int64)
    train19, category7 = tables
    return dict(
        image=utils.resize_image(np.ascontiguousarray(image), size),
        label_7=category7[label].astype(np.float32),
        label_19=train19[label].astype(np.float32),
        depth=disparity_from_png(utils.resize_nearest(raw, size),
                                 unit)[..., None])


def convert_cityscapes(root: str,
                       out: str,
                       size: Tuple[int, int] = DEFAULT_SIZE,
                       unit: str = 'mtan',
                       splits: Sequence[str] = SPLITS) -> dict:
    """Convert the packages under ``root`` (see the module docstring).

    Returns:
        dict: What ``meta.json`` holds (sizes, units, the stem of each
        sample).
    """
    samples = {split: list_samples(root, split) for split in splits}
    tables = label_tables()
    utils.make_folders(out, splits, FOLDERS)
    bar = ProgressBar(sum(len(v) for v in samples.values()))
    for split, listed in samples.items():
        for i, (city, stem) in enumerate(listed):
            paths = {kind: input_path(root, split, city, stem, kind)
                     for kind in INPUTS}
            utils.save_sample(out, split, i,
                              convert_sample(paths, size, tables, unit))
            bar.update()
    meta = dict(
        dataset='cityscapes',
        converter='tools/dataset_converters/cityscapes.py',
        size=list(size), disparity_unit=unit,
        depth='(p - 1) / 256 / {:g}, 0 where p <= 1'.format(
            DISPARITY_UNITS[unit]),
        num_samples={s: len(v) for s, v in samples.items()},
        source_stem={s: [stem for _, stem in v] for s, v in samples.items()})
    return utils.write_meta(out, meta)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = utils.make_parser(
        'Convert Cityscapes leftImg8bit/gtFine/disparity to the MTAN .npy '
        'layout (7 and 19 classes, disparity); --size 256x512 for the '
        'larger MTAN version', DEFAULT_SIZE)
    parser.add_argument('--root', required=True,
                        help='folder holding leftImg8bit/, gtFine/ and '
                        'disparity/')
    parser.add_argument('--disparity-unit', choices=tuple(DISPARITY_UNITS),
                        default='mtan',
                        help='mtan: disparity / 256 as the MTAN files '
                        '(default); pixels: disparity in pixels at 2048x1024')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert; print where the files went."""
    args = parse_args(argv)
    meta = convert_cityscapes(args.root, args.out, args.size,
                              args.disparity_unit)
    return utils.print_summary(meta, args.out)


if __name__ == '__main__':
    raise SystemExit(main())
