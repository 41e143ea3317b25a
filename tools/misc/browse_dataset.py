"""Draw the ground truth of every task of N samples, after the pipeline.

Usage:
    python tools/misc/browse_dataset.py CONFIG --out-dir DIR [-n N]
        [--split train|val] [--phase K] [--cfg-options k=v ...]

Like mmseg's ``browse_dataset.py``: each sample goes through the dataset's
pipeline (the train split through its random flips, ...), and its image and
every task's ground truth are drawn by
:class:`mmhad.visualization.MultiTaskVisualizer` (``draw_pred=False``: one
row per task with ground truth, each through its task definition's ``draw``
spec). ``--split`` picks ``train_dataloader`` (default) or
``val_dataloader``; ``--phase K`` browses training phase K as the continual
loop builds it (its chunk of images, its task's labels only). One PNG per
sample is written to ``DIR/{split or phaseK}_{image stem}.png``.
"""
import argparse
import os
import os.path as osp
import sys
import uuid
from typing import List, Optional, Sequence

import mmhad  # noqa: F401  (registers the datasets and task types)
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmhad.utils.cli import load_config, run_tool
from mmhad.utils.data_check import SPLITS, data_views
from mmhad.utils.errors import UserError
from mmhad.visualization import MultiTaskVisualizer


class BrowseError(UserError, ValueError):
    """The config has no such split or phase."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Draw the ground truth of every task of N samples')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the panels (PNG)')
    parser.add_argument('-n', '--num', type=int, default=5,
                        help='samples to draw (default 5)')
    parser.add_argument('--split', choices=SPLITS, default='train',
                        help='train_dataloader or val_dataloader')
    parser.add_argument('--phase', type=int, default=None,
                        help='training phase K (0-based): its images and '
                        'tasks, as the continual loop builds them')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of an error')
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error(f'-n must be >= 1, got {args.num}')
    if args.phase is not None and args.split != 'train':
        parser.error('--phase browses the train split')
    args.work_dir, args.launcher = None, 'none'  # for load_config
    return args


def to_rgb(inputs) -> np.ndarray:
    """A packed C x H x W image (RGB in [0, 255], the data contract) as
    H x W x 3 uint8."""
    img = inputs.detach().cpu().numpy().transpose(1, 2, 0)
    return np.clip(img, 0, 255).round().astype(np.uint8)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Draw the samples; returns the written files."""
    args = parse_args(argv)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.phase is None:
        key = f'{args.split}_dataloader'
        if not cfg.get(key):
            raise BrowseError(f'{args.config} has no {key}')
        dataset_cfg, prefix = cfg[key]['dataset'], args.split
    else:
        views = data_views(cfg, 'train', args.phase)
        if not views:
            raise BrowseError(f'{args.config} has no training phase '
                             f'{args.phase}')
        dataset_cfg, prefix = views[0].dataset, f'phase{args.phase}'
    dataset = DATASETS.build(dataset_cfg)
    visualizer = MultiTaskVisualizer(
        name=f'mmhad_browse_{uuid.uuid4().hex[:8]}')
    # Set after construction: mmseg 1.2.2's SegLocalVisualizer.__init__
    # passes classes and palette to set_dataset_meta swapped.
    visualizer.dataset_meta = dict(
        classes=dataset.metainfo.get('classes'),
        palette=dataset.metainfo.get('palette'))
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for i in range(min(args.num, len(dataset))):
        item = dataset[i]
        sample = item['data_samples']
        stem = osp.splitext(osp.basename(sample.img_path))[0]
        out_file = osp.join(args.out_dir, f'{prefix}_{stem}.png')
        visualizer.add_datasample(stem, to_rgb(item['inputs']), sample,
                                  draw_pred=False, out_file=out_file)
        written.append(out_file)
        print(out_file)
    print(f'{len(written)} of {len(dataset)} samples of {prefix} drawn in '
          f'{args.out_dir}')
    return written


if __name__ == '__main__':
    sys.exit(run_tool(main))
