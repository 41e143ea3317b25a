"""Convert a Taskonomy-style tree (one folder of PNGs per task) to mmhad's
MTAN ``.npy`` layout, so that any sequence of its tasks is a config.

Example::

    python tools/dataset_converters/taskonomy.py --root taskonomy_raw \
        --out data/taskonomy --split train=allensville,beechwood \
        --split val=collierville --tasks depth_zbuffer normal edge_occlusion

Input (nothing is downloaded)::

    {root}/{domain}/{building}/point_{p}_view_{v}_domain_{domain}.png

``rgb`` is always read; each ``--tasks`` domain is written to the folder of
its mmhad task, decoded as the Taskonomy release documents it:

===================  ==========  ============================================
domain               folder      decoding
===================  ==========  ============================================
``rgb``              ``image``   8-bit RGB -> float [0, 1]
``depth_zbuffer``    ``depth``   16-bit, units of 1/512 m (range 128 m);
                                 ``65535`` (no surface) -> 0 = invalid
``normal``           ``normal``  8-bit RGB, 127-centred: ``(p - 127.5) /
                                 127.5``, normalised; all-zero where the
                                 depth of that view is invalid (when
                                 ``depth_zbuffer`` is converted too) or the
                                 vector is degenerate
``segment_semantic`` ``label``   8-bit class ids stored as they are,
                                 ``--ignore-ids`` (default 0) -> -1
``edge_occlusion``   ``edge``    16-bit occlusion-edge strength -> 1 where
                                 ``p >= --edge-threshold``, else 0
===================  ==========  ============================================

Not verified against the release here: the sign convention of the normal
axes. mmhad's frame is x right, y down, z forward (a wall facing the camera
is (0, 0, -1)); ``--normal-signs`` (default ``+++``) flips the decoded axes,
e.g. ``+--`` for a y-up, z-towards-the-camera encoding. Check it on a floor
before training: its normal points up, (0, -1, 0) in mmhad's frame.
``edge_texture`` (2-D texture edges) is not mmhad's ``edge`` task (occlusion
edges) and is not converted. The label ids are the release's own: 0
``uncertain``, 1 ``background``, 2..17 its 16 MS COCO classes, i.e. the
classes of ``TaskonomyMultiTaskDataset.METAINFO``
(:mod:`mmhad.datasets.taskonomy`, where the list lives); ``meta.json``
records them, and an id beyond them is an error naming the file.

Output: ``{out}/{split}/{image,label,depth,normal,edge}/{i}.npy`` at the
source size or ``--size HxW`` (image area, annotations nearest), read with
``type='TaskonomyMultiTaskDataset'`` (``tasks=`` the converted ones among
semantic, depth, normal and edge; ``configs/_base_/datasets/taskonomy.py``
and ``configs/_base_/models/mt_deeplabv3_r18-d8_taskonomy.py``);
``meta.json`` names the view of every ``i``.
"""
import glob
import os.path as osp
import runpy
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from mmhad.datasets.taskonomy import TaskonomyMultiTaskDataset

#: The shared helpers (``tools/`` is no package: loaded by path).
utils = SimpleNamespace(**runpy.run_path(
    osp.join(osp.dirname(osp.abspath(__file__)), 'converter_utils.py')))

#: Taskonomy domain -> output folder (that of the mmhad task type).
DOMAINS = {'rgb': 'image', 'depth_zbuffer': 'depth', 'normal': 'normal',
           'segment_semantic': 'label', 'edge_occlusion': 'edge'}
#: depth_zbuffer: metres per unit, and the no-surface value.
DEPTH_UNIT, DEPTH_INVALID = 1 / 512, 65535
#: segment_semantic: the class of every id (the dataset class's list).
CLASSES = TaskonomyMultiTaskDataset.METAINFO['classes']


def view_path(root: str, domain: str, building: str, view: str) -> str:
    """``{root}/{domain}/{building}/{view}_domain_{domain}.png``."""
    return osp.join(root, domain, building, f'{view}_domain_{domain}.png')


def list_views(root: str, buildings: Sequence[str],
               domains: Sequence[str]) -> List[Tuple[str, str]]:
    """``(building, view)`` of every rgb image, sorted, each checked to have
    a file in every domain.

    Raises:
        FileNotFoundError: If there is no view, or files are missing (named).
    """
    views = []
    for building in buildings:
        suffix = '_domain_rgb.png'
        for path in sorted(glob.glob(view_path(root, 'rgb', building, '*'))):
            views.append((building, osp.basename(path)[:-len(suffix)]))
    if not views:
        raise FileNotFoundError(f'no rgb views under {root}/rgb/ for '
                                f'{list(buildings)}')
    missing = [view_path(root, d, b, v) for b, v in views for d in domains
               if not osp.isfile(view_path(root, d, b, v))]
    if missing:
        raise FileNotFoundError(f'{len(missing)} file(s) missing, e.g. '
                                f'{", ".join(missing[:10])}')
    return views


def _read(path: str, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    array = cv2.imread(path, flags)
    if array is None:
        raise ValueError(f'{path}: not a readable image')
    return array


def decode(domain: str, raw: np.ndarray, options: SimpleNamespace,
           depth: Optional[np.ndarray] = None) -> np.ndarray:
    """One domain's PNG values (already resized) -> mmhad's units (table in
    the module docstring). ``depth`` (metres, 0 invalid) masks normals."""
    if domain == 'depth_zbuffer':
        metres = raw.astype(np.float64) * DEPTH_UNIT
        return np.where(raw == DEPTH_INVALID, 0, metres)[..., None]
    if domain == 'normal':
        vector = (raw[..., ::-1].astype(np.float64) - 127.5) / 127.5
        vector *= [-1.0 if s == '-' else 1.0 for s in options.normal_signs]
        length = np.linalg.norm(vector, axis=-1, keepdims=True)
        valid = length[..., 0] > 0.5
        if depth is not None:
            valid &= depth[..., 0] > 0
        unit = np.divide(vector, length, out=np.zeros_like(vector),
                         where=length > 0)
        return np.where(valid[..., None], unit, 0.0)
    if domain == 'segment_semantic':
        kept = raw[~np.isin(raw, options.ignore_ids)]
        if kept.size and kept.max() >= len(CLASSES):
            raise ValueError(
                f'segment_semantic id {kept.max()} is beyond the '
                f'{len(CLASSES)} classes (0..{len(CLASSES) - 1}) of '
                'TaskonomyMultiTaskDataset')
        label = raw.astype(np.float64)
        return np.where(np.isin(raw, options.ignore_ids), -1, label)
    if domain == 'edge_occlusion':
        return (raw >= options.edge_threshold).astype(np.float64)
    raise ValueError(f'unknown domain {domain!r}; choose from '
                     f'{sorted(DOMAINS)}')


def convert_view(root: str, building: str, view: str,
                 domains: Sequence[str], size: Optional[Tuple[int, int]],
                 options: SimpleNamespace) -> Dict[str, np.ndarray]:
    """All domains of one view -> ``{folder: array}``."""
    rgb = _read(view_path(root, 'rgb', building, view), cv2.IMREAD_COLOR)
    size = size or rgb.shape[:2]
    arrays = dict(image=utils.resize_image(
        np.ascontiguousarray(rgb[..., ::-1]), size))
    depth = None
    for domain in sorted(domains, key=lambda d: d != 'depth_zbuffer'):
        path = view_path(root, domain, building, view)
        raw = utils.resize_nearest(_read(path), size)
        try:
            arrays[DOMAINS[domain]] = decode(domain, raw, options, depth)
        except ValueError as error:
            raise ValueError(f'{path}: {error}') from None
        if domain == 'depth_zbuffer':
            depth = arrays['depth']
    return arrays


def parse_split(text: str) -> Tuple[str, List[str]]:
    """``'train=b1,b2'`` -> ``('train', ['b1', 'b2'])``."""
    split, sep, buildings = text.partition('=')
    if not sep or not split or not buildings:
        raise ValueError(f'--split must be SPLIT=BUILDING[,BUILDING...], got '
                         f'{text!r}')
    return split, buildings.split(',')


def convert_taskonomy(root: str, out: str, splits: Dict[str, List[str]],
                      domains: Sequence[str],
                      size: Optional[Tuple[int, int]] = None,
                      options: Optional[SimpleNamespace] = None) -> dict:
    """Convert (see the module docstring); return what ``meta.json`` holds.
    """
    options = options or SimpleNamespace(normal_signs='+++', ignore_ids=[0],
                                         edge_threshold=1)
    unknown = [d for d in domains if d not in DOMAINS or d == 'rgb']
    if unknown:
        raise ValueError(f'--tasks: {unknown} not among '
                         f'{sorted(set(DOMAINS) - {"rgb"})}')
    views = {s: list_views(root, b, domains) for s, b in splits.items()}
    folders = ['image'] + [DOMAINS[d] for d in domains]
    utils.make_folders(out, list(splits), folders)
    bar = ProgressBar(sum(len(v) for v in views.values()))
    for split, listed in views.items():
        for i, (building, view) in enumerate(listed):
            utils.save_sample(out, split, i, convert_view(
                root, building, view, domains, size, options))
            bar.update()
    first = next(iter(views.values()))[0]
    meta = dict(
        dataset='taskonomy', converter='tools/dataset_converters/taskonomy.py',
        size=list(size or _read(view_path(root, 'rgb', *first)).shape[:2]),
        tasks={d: DOMAINS[d] for d in domains}, options=vars(options),
        dataset_type=TaskonomyMultiTaskDataset.__name__,
        classes=list(CLASSES),
        num_samples={s: len(v) for s, v in views.items()},
        source_view={s: ['/'.join(v) for v in listed]
                     for s, listed in views.items()})
    return utils.write_meta(out, meta)


def parse_args(argv: Optional[Sequence[str]] = None):
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = utils.make_parser(
        'Convert a Taskonomy-style tree of PNGs to the MTAN .npy layout',
        None)
    parser.add_argument('--root', required=True,
                        help='folder holding one folder per domain')
    parser.add_argument('--split', action='append', required=True,
                        type=parse_split, help='SPLIT=BUILDING[,BUILDING...]'
                        ', once per split')
    parser.add_argument('--tasks', nargs='+', required=True,
                        choices=sorted(set(DOMAINS) - {'rgb'}),
                        help='domains to convert besides rgb')
    parser.add_argument('--normal-signs', default='+++',
                        help='sign of each decoded normal axis, e.g. +--')
    parser.add_argument('--ignore-ids', type=int, nargs='*', default=[0],
                        help='segment_semantic ids stored as -1')
    parser.add_argument('--edge-threshold', type=int, default=1,
                        help='edge_occlusion values >= this are edges')
    args = parser.parse_args(argv)
    if len(args.normal_signs) != 3 or set(args.normal_signs) - {'+', '-'}:
        parser.error('--normal-signs must be three of + and -, e.g. +--')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert; print where the files went."""
    args = parse_args(argv)
    options = SimpleNamespace(normal_signs=args.normal_signs,
                              ignore_ids=args.ignore_ids,
                              edge_threshold=args.edge_threshold)
    meta = convert_taskonomy(args.root, args.out, dict(args.split),
                             args.tasks, args.size, options)
    return utils.print_summary(meta, args.out)


if __name__ == '__main__':
    raise SystemExit(main())
