"""Predict every task a trained mmhad model has learned on one image.

Writes a panel (the input and one prediction per learned task: classes in
the dataset palette, depth with a colour bar, normals as RGB, ...) drawn by
:class:`mmhad.visualization.MultiTaskVisualizer`, and prints each map's
shape, unit and value range.

Usage:
    python demo/image_demo.py IMG CONFIG CHECKPOINT --out-file PANEL.png
        [--device cpu] [--out-npz MAPS.npz] [--cfg-options k=v ...]

``IMG`` is an image file (``.png``, ``.jpg``..., read as RGB) or an MTAN
``.npy`` (H x W x 3 RGB in [0, 1]). ``--out-npz`` also saves the maps
(task name -> array in the task's unit, see ``mmhad.apis.inference_model``).
"""
import argparse
import os
import os.path as osp
import uuid
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.config import DictAction

from mmhad.apis import init_model, predict_samples, sample_to_maps
from mmhad.tasks import get_task
from mmhad.visualization import MultiTaskVisualizer


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Predict every learned task of an mmhad model on one '
        'image and save a panel of the predictions')
    parser.add_argument('img', help='image file (.png/.jpg/...) or .npy')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-file', required=True, help='where to write the panel (PNG)')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--out-npz', help='also save the maps (task -> array) as .npz')
    parser.add_argument(
        '--min-cell-width', type=int, default=256,
        help='enlarge panel cells narrower than this (pixels) by an integer '
        'factor so labels stay readable; 0 keeps the input size')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def describe(name: str, array: np.ndarray) -> str:
    """One line: a task's map shape, dtype, unit and value range."""
    task = get_task(name)
    values = (f'classes {np.unique(array).tolist()[:12]}'
              if task.is_classes else
              f'range [{float(array.min()):.4g}, {float(array.max()):.4g}]')
    return (f'{name}: {"x".join(map(str, array.shape))} {array.dtype}, '
            f'{task.unit or "no unit"}, {values}')


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """Run the demo; returns the predicted maps (task -> array)."""
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    (sample, ), (image, ) = predict_samples(model, [args.img])
    maps = sample_to_maps(sample, model.learned_tasks)
    meta = model.dataset_meta or {}
    visualizer = MultiTaskVisualizer(
        name=f'mmhad_demo_{uuid.uuid4().hex[:8]}',
        min_cell_width=args.min_cell_width)
    # Set after construction: mmseg 1.2.2's SegLocalVisualizer.__init__
    # passes classes and palette to set_dataset_meta swapped.
    visualizer.dataset_meta = dict(
        classes=meta.get('classes'), palette=meta.get('palette'))
    folder = osp.dirname(osp.abspath(args.out_file))
    os.makedirs(folder, exist_ok=True)
    visualizer.add_datasample(
        osp.basename(args.img), image, sample, draw_gt=False,
        out_file=args.out_file)
    if args.out_npz:
        np.savez_compressed(args.out_npz, **maps)
    for name, array in maps.items():
        print(describe(name, array))
    print(f'panel of {len(maps)} task(s) written to {args.out_file}')
    return maps


if __name__ == '__main__':
    main()
