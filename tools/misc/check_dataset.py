"""Read every file a config trains and validates on; list all bad ones.

Usage:
    python tools/misc/check_dataset.py CONFIG [--phase I] [--split train|val]
        [--cfg-options k=v ...]

Each phase's chunk of the training set (with the phase's tasks) and the val
set are walked with a progress bar; every image goes through the dataset
pipeline's image loader and every listed annotation through its task type's
``load`` (shape, dtype, range, NaN/inf, labels out of range, H x W of the
image, truncated or non-numpy files). Every bad file is printed as
``path: message``; the exit code is 1 when any is bad, 0 otherwise, and 2
for a bad command line or config. ``tools/train.py`` runs the same check
before training unless given ``--skip-data-check``.
"""
import argparse
import sys
from typing import Optional, Sequence

import mmhad  # noqa: F401  (registers the datasets and task types)
from mmengine.config import DictAction

from mmhad.utils.cli import load_config, run_tool
from mmhad.utils.data_check import SPLITS, check_data, format_problems


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Check every file of the datasets a config uses')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--phase', type=int, default=None,
                        help='only this training phase (0-based)')
    parser.add_argument('--split', choices=SPLITS, default=None,
                        help='only the training phases or only the val set')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of a config error')
    args = parser.parse_args(argv)
    args.work_dir, args.launcher = None, 'none'  # for load_config
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check; return 1 if any file is bad, else 0."""
    args = parse_args(argv)
    cfg = load_config(args)
    splits = (args.split, ) if args.split else SPLITS
    if args.phase is not None and args.split is None:
        splits = ('train', )
    report = check_data(cfg, phase=args.phase, splits=splits)
    print(format_problems(report))
    return 1 if report.problems else 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
