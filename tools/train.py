"""Train a (multi-task / continual) mmhad model from an mmseg-style config.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
    bash tools/dist_train.sh CONFIG NUM_PROCS [same options]
"""
import argparse
import os.path as osp
import sys
import warnings
from typing import Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmhad  # noqa: E402,F401  (applies mmhad.compat before mmseg.models)
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmhad.utils.checkpoint_io import find_latest_checkpoint  # noqa: E402
from mmhad.utils.cli import (add_common_args, build_runner,  # noqa: E402
                             load_config, set_local_rank)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description='Train an mmhad model')
    add_common_args(parser, config_help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or with no value from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    args = parser.parse_args(argv)
    set_local_rank(args)
    return args


def build_config(args: argparse.Namespace) -> Config:
    """Load the config and apply the command-line overrides."""
    cfg = load_config(args)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'AmpOptimWrapper':
            print('AMP is already enabled in the config.')
        elif wrapper != 'OptimWrapper':
            raise ValueError('--amp needs optim_wrapper.type="OptimWrapper" '
                             f'in the config, got "{wrapper}"')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
        # keeps mmengine's auto-resume meaning (requeued jobs rely on it)
        if find_latest_checkpoint(cfg.work_dir) is None:
            warnings.warn(
                f'--resume: no last_checkpoint in the work dir '
                f'{osp.abspath(cfg.work_dir)}; this run starts from scratch.',
                stacklevel=2)
    elif args.resume is not None:
        if '://' not in args.resume and not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume {args.resume}: no such checkpoint file')
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> Runner:
    """Train; ``argv`` defaults to ``sys.argv[1:]``.

    Returns:
        Runner: The runner after training (handy when called in-process).
    """
    args = parse_args(argv)
    cfg = build_config(args)
    runner = build_runner(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    main()
