"""Train a (multi-task / continual) mmhad model from an mmseg-style config.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--skip-data-check] [--debug]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
    bash tools/dist_train.sh CONFIG NUM_PROCS [same options]

Before the runner is built, the config values are checked
(:mod:`mmhad.utils.config_check`) and every file the run will read is
checked (:mod:`mmhad.utils.data_check`, as ``tools/misc/check_dataset.py``;
about 15-18 s for an NYUv2-sized tree on 2 busy CPU cores, see
docs/reliability.md). A user error
(bad config value, bad data, missing or refused checkpoint, diverged
training) ends with one ``mmhad: error: <message>`` line on stderr and exit
code 2; ``--debug`` (or ``MMHAD_DEBUG=1``) shows its traceback instead.
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from typing import Optional, Sequence

import mmhad  # noqa: E402,F401  (applies mmhad.compat before mmseg.models)
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmhad.utils.checkpoint_io import find_latest_checkpoint  # noqa: E402
from mmhad.utils.cli import (add_common_args, build_runner,  # noqa: E402
                             load_config, run_tool, set_local_rank)
from mmhad.utils.config_check import check_config  # noqa: E402
from mmhad.utils.data_check import (check_data, format_problems,  # noqa: E402
                                    raise_for_problems)
from mmhad.utils.errors import CheckpointNotFoundError  # noqa: E402


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
    parser.add_argument(
        '--skip-data-check',
        action='store_true',
        help='do not read every training/val file before training (the '
        'check takes ~15-18 s for NYUv2; tools/misc/check_dataset.py runs '
        'it alone)')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='show the traceback of a user error (bad config, data or '
        'checkpoint) instead of one "mmhad: error:" line; same as '
        'MMHAD_DEBUG=1')
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
            raise CheckpointNotFoundError(
                f'--resume {args.resume}: no such checkpoint file')
        cfg.resume, cfg.load_from = True, args.resume
    load_from = cfg.get('load_from')
    if load_from and '://' not in load_from and not osp.isfile(load_from):
        raise CheckpointNotFoundError(
            f'load_from={load_from}: no such checkpoint file')
    return cfg


def check_run_data(cfg: Config) -> None:
    """Read every file the run uses; raise listing every bad one.

    Raises:
        DataCheckError: After printing each bad file to stderr.
    """
    report = check_data(cfg, progress=os.environ.get('RANK', '0') == '0')
    if report.problems:
        print(format_problems(report), file=sys.stderr)
    else:
        print(report.summary())
    raise_for_problems(report)


def main(argv: Optional[Sequence[str]] = None) -> Runner:
    """Train; ``argv`` defaults to ``sys.argv[1:]``.

    Returns:
        Runner: The runner after training (handy when called in-process).
    """
    args = parse_args(argv)
    cfg = build_config(args)
    check_config(cfg)
    if not args.skip_data_check:
        check_run_data(cfg)
    runner = build_runner(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    sys.exit(run_tool(main))
