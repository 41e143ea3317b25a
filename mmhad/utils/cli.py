"""What ``tools/train.py`` and ``tools/test.py`` do the same way.

Both tools take a config, ``--work-dir``, ``--cfg-options`` and
``--launcher`` (plus the ``--local-rank`` that older launchers pass), load the
config the same way, and build the runner after
:func:`mmhad.compat.prepare_cpu_launch` so that ``tools/dist_*.sh`` also work
on a machine without CUDA. A distributed run also gets
:class:`~mmhad.engine.hooks.sync_norm_hook.SyncNormStatsHook`, so that plain
``BN`` statistics agree across ranks.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.utils import import_modules_from_strings

from mmhad.compat import prepare_cpu_launch
from mmhad.utils.config_check import check_config
from mmhad.engine.hooks.sync_norm_hook import SyncNormStatsHook

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
    ``Config.fromfile`` imports ``custom_imports`` before the options are
    merged, so modules that ``--cfg-options custom_imports.imports=[...]``
    adds are imported here.

    Args:
        args (argparse.Namespace): Parsed with :func:`add_common_args`.

    Returns:
        Config: The config, ready for tool-specific edits.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        if cfg.get('custom_imports', None) and any(
                key.startswith('custom_imports') for key in args.cfg_options):
            import_modules_from_strings(**cfg.custom_imports)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def add_sync_norm_hook(cfg: Config) -> bool:
    """Append ``SyncNormStatsHook`` to ``cfg.custom_hooks`` of a distributed
    run, unless the config already has one.

    Returns:
        bool: True if the hook was added.
    """
    if cfg.get('launcher', 'none') == 'none':
        return False
    hooks = list(cfg.get('custom_hooks', None) or [])
    names = (SyncNormStatsHook.__name__, f'mmseg.{SyncNormStatsHook.__name__}')
    if any(isinstance(h, dict) and h.get('type') in names for h in hooks):
        return False
    hooks.append(dict(type=SyncNormStatsHook.__name__))
    cfg.custom_hooks = hooks
    return True


def build_runner(cfg: Config) -> Runner:
    """Build the runner, setting up a CPU (gloo) launch when there is no GPU.

    Args:
        cfg (Config): The final config; ``cfg.runner_type`` selects a custom
            runner class. A distributed run gets ``SyncNormStatsHook``
            (:func:`add_sync_norm_hook`).

    Returns:
        Runner: The runner (the process group, if any, is initialised).

    Raises:
        ConfigValueError: A continual key is out of range or names an
            unknown task (:func:`mmhad.utils.config_check.check_config`).
    """
    check_config(cfg)
    prepare_cpu_launch(cfg)
    add_sync_norm_hook(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
