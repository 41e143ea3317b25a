"""What ``tools/train.py`` and ``tools/test.py`` do the same way.

Both tools take a config, ``--work-dir``, ``--cfg-options`` and
``--launcher`` (plus the ``--local-rank`` that older launchers pass), load the
config the same way, and build the runner after
:func:`mmhad.compat.prepare_cpu_launch` so that ``tools/dist_*.sh`` also work
on a machine without CUDA. A distributed run also gets
:class:`~mmhad.engine.hooks.sync_norm_hook.SyncNormStatsHook`, so that plain
``BN`` statistics agree across ranks. :func:`run_tool` ends a tool that hit
a user error (:class:`mmhad.utils.errors.UserError`) with one
``mmhad: error: <message>`` line and exit code 2.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.utils import import_modules_from_strings

from mmhad.compat import prepare_cpu_launch
from mmhad.utils.config_check import check_config
from mmhad.utils.errors import ConfigFileNotFoundError, UserError
from mmhad.engine.hooks.sync_norm_hook import SyncNormStatsHook

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
#: Set to 1 to see the traceback of a user error (like ``--debug``).
DEBUG_ENV = 'MMHAD_DEBUG'
#: Exit code of a tool stopped by a user error (argparse's, too).
USER_ERROR_EXIT = 2


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

    Raises:
        ConfigFileNotFoundError: ``args.config`` is not a file.
    """
    if not osp.isfile(args.config):
        raise ConfigFileNotFoundError(
            f'config file {args.config} does not exist')
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


def error_line(error: BaseException) -> str:
    """``mmhad: error: <message>`` on one line (a multi-line message is
    joined with ``'; '``)."""
    lines = [line.strip() for line in str(error).splitlines()]
    text = ' '.join(lines[:1] + ['; '.join(l for l in lines[1:] if l)])
    return f'mmhad: error: {text.strip()}'


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """Whether ``--debug`` is in ``argv`` or ``MMHAD_DEBUG`` is set (not 0)."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '0') not in (
        '', '0')


def run_tool(main: Callable, argv: Optional[Sequence[str]] = None) -> int:
    """Run a tool's ``main(argv)``; end a user error with one clear line.

    A :class:`~mmhad.utils.errors.UserError` (bad config value, bad data,
    missing or refused checkpoint, diverged training) prints
    ``mmhad: error: <message>`` as the last line on stderr and returns
    :data:`USER_ERROR_EXIT`; with ``--debug`` or ``MMHAD_DEBUG=1`` it is
    re-raised with its traceback. Any other exception is a bug and always
    keeps its traceback.

    Args:
        main (Callable): The tool's ``main``, taking ``argv``.
        argv (Sequence[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        int: The exit code: what ``main`` returned if it is an int, else 0.
    """
    try:
        result = main(argv)
    except UserError as error:
        if debug_requested(argv):
            raise
        sys.stdout.flush()
        print(error_line(error), file=sys.stderr, flush=True)
        return USER_ERROR_EXIT
    return result if isinstance(result, int) else 0
