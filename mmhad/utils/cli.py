"""What ``tools/train.py`` and ``tools/test.py`` do the same way.

Both tools take a config, ``--work-dir``, ``--cfg-options`` and
``--launcher`` (plus the ``--local-rank`` that older launchers pass), load the
config the same way, and build the runner after
:func:`mmhad.compat.prepare_cpu_launch` so that ``tools/dist_*.sh`` also work
on a machine without CUDA.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmhad.compat import prepare_cpu_launch

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def add_common_args(parser: argparse.ArgumentParser,
                    config_help: str = 'config file path') -> None:
    """Add ``config``, ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local-rank`` to ``parser``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser; the positional
            ``config`` is added first, so add other positionals after it.
        config_help (str): Help text of the ``config`` argument.
    """
    parser.add_argument('config', help=config_help)
    parser.add_argument(
        '--work-dir',
        help='directory for logs, checkpoints and results (default: '
        'work_dir of the config, else ./work_dirs/CONFIG_NAME)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (e.g. '
        'model.backbone.depth=50 train_dataloader.batch_size=4 '
        'train_cfg.phases.0.max_iters=10); a list value is written '
        'key="[a,b]" or key=a,b, without white space')
    parser.add_argument(
        '--launcher',
        choices=LAUNCHERS,
        default='none',
        help='job launcher (tools/dist_*.sh pass "pytorch")')
    # torch.distributed.launch passes --local-rank (torch>=2) or
    # --local_rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def set_local_rank(args: argparse.Namespace) -> None:
    """Export ``LOCAL_RANK`` from ``--local-rank`` unless the launcher did."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def load_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the options every tool shares.

    Sets ``cfg.launcher``, merges ``--cfg-options`` and sets ``cfg.work_dir``
    with the priority command line > config > ``./work_dirs/CONFIG_NAME``.

    Args:
        args (argparse.Namespace): Parsed with :func:`add_common_args`.

    Returns:
        Config: The config, ready for tool-specific edits.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build the runner, setting up a CPU (gloo) launch when there is no GPU.

    Args:
        cfg (Config): The final config; ``cfg.runner_type`` selects a custom
            runner class.

    Returns:
        Runner: The runner (the process group, if any, is initialised).
    """
    prepare_cpu_launch(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
