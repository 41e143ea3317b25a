"""Evaluate an mmhad checkpoint on the test set of a config.

The model predicts - and the metric scores - the tasks the checkpoint has
learned (its ``learned_mask`` buffer, restored into the segmentor): all of
them for a finished run, the first ones for an early phase of a continual
run (the log names the config's tasks left out). The checkpoint must match
the config: a head the config has and the checkpoint lacks, a head the
checkpoint has and the config lacks, a ``learned_mask`` that marks none of
the config's tasks, or an empty ``state_dict`` stops the tool with one
message naming the checkpoint, the config's tasks and the checkpoint's heads
and learned tasks (``mmhad: error: ...``, exit code 2), before the runner is
built.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--wait-time SECONDS]
        [--debug] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm,mpi}]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [same options]
"""
import argparse
import os.path as osp
import sys
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

import mmhad  # noqa: F401  (applies mmhad.compat before mmseg.models)
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import CheckpointLoader

# Register the hooks that --out and --show / --show-dir add.
import mmhad.engine.hooks.dump_predictions_hook  # noqa: F401
import mmhad.engine.hooks.visualization_hook  # noqa: F401
from mmhad.apis.checkpoint import checkpoint_state_dict
from mmhad.utils.cli import (add_common_args, build_runner, load_config,
                             run_tool, set_local_rank)
from mmhad.utils.errors import UserError
from mmhad.utils.model import unwrap_model

#: Visualization hooks of the configs that --show / --show-dir replace by
#: :class:`MultiTaskVisualizationHook` (mmseg's cannot read ``.npy`` images).
SEG_VISUALIZATION_HOOKS = ('SegVisualizationHook',
                           'mmseg.SegVisualizationHook')
#: Visualizers that --show / --show-dir replace by ``MultiTaskVisualizer``
#: (it draws every task through its definition).
SEG_VISUALIZERS = ('SegLocalVisualizer', 'mmseg.SegLocalVisualizer')
#: State-dict prefix of the per-task heads: ``decode_heads.{task}.``.
HEADS_PREFIX = 'decode_heads.'


class CheckpointTasksError(UserError, ValueError):
    """The checkpoint cannot be tested against the config's tasks."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) an mmhad model on every task it '
        'has learned')
    add_common_args(parser, config_help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='directory to save the predictions as .npy in the dataset '
        'layout ({out}/label, {out}/depth, {out}/normal) for offline '
        'evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images are saved (in '
        '{show_dir}/vis_data/vis_image)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='show the traceback of a user error (e.g. a refused '
        'checkpoint) instead of one "mmhad: error:" line; same as '
        'MMHAD_DEBUG=1')
    args = parser.parse_args(argv)
    set_local_rank(args)
    return args


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    """Turn on drawing of every test sample.

    The ``visualization`` default hook draws every batch (``interval=1``);
    mmseg's ``SegVisualizationHook`` is swapped for
    :class:`MultiTaskVisualizationHook`, which reads ``.npy`` images and
    draws each learned task, and mmseg's ``SegLocalVisualizer`` for
    ``MultiTaskVisualizer`` (one panel per sample). With ``--show-dir`` the
    visualizer saves into that directory
    (``{show_dir}/vis_data/vis_image/test_{i}_0.png``, mmseg's layout).
    """
    default_hooks = cfg.get('default_hooks', None) or {}
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks, e.g. '
            'visualization=dict(type="MultiTaskVisualizationHook")')
    hook = default_hooks['visualization']
    if hook.get('type') in SEG_VISUALIZATION_HOOKS:
        hook['type'] = 'MultiTaskVisualizationHook'
    hook['draw'] = True
    hook['interval'] = 1
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if cfg.get('visualizer', None) is None:
        cfg.visualizer = dict(
            type='MultiTaskVisualizer',
            vis_backends=[dict(type='LocalVisBackend')])
    elif cfg.visualizer.get('type') in SEG_VISUALIZERS:
        cfg.visualizer['type'] = 'MultiTaskVisualizer'
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    # A visualizer is a named global instance and mmseg configs name it
    # 'visualizer': an earlier runner of the same process (tools called
    # in-process) would be reused, with its own save_dir. Use a new one.
    cfg.visualizer['name'] = f'mmhad_test_{uuid.uuid4().hex[:8]}'
    return cfg


def build_config(args: argparse.Namespace) -> Config:
    """Load the config and apply the command-line options."""
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.out is not None:
        custom_hooks = list(cfg.get('custom_hooks', None) or [])
        custom_hooks.append(
            dict(type='DumpPredictionsHook', out_dir=args.out))
        cfg.custom_hooks = custom_hooks
    return cfg


def config_tasks(cfg: Config) -> Optional[List[str]]:
    """The tasks of the config's model (``model.decode_heads`` entries that
    are not None); None for a model without per-task heads."""
    model = cfg.get('model', None)
    heads = model.get('decode_heads', None) if isinstance(model,
                                                          dict) else None
    if not isinstance(heads, dict):
        return None
    return [task for task, head in heads.items() if head is not None]


def checkpoint_tasks(state: dict,
                     filename: str) -> Tuple[List[str], List[str]]:
    """The tasks a checkpoint has heads for, and those it has learned.

    Args:
        state (dict): The checkpoint's state dict (``module.`` removed).
        filename (str): The checkpoint, for the error message.

    Returns:
        tuple[list[str], list[str]]: Sorted head tasks, and the learned
        ones: flagged in ``learned_mask`` (one flag per head task, sorted by
        name), or every head task when the checkpoint has no mask.

    Raises:
        CheckpointTasksError: If ``learned_mask`` has another length.
    """
    heads = sorted({key[len(HEADS_PREFIX):].split('.', 1)[0]
                    for key in state if key.startswith(HEADS_PREFIX)})
    mask = state.get('learned_mask', None)
    if mask is None:
        return heads, heads
    flags = [bool(flag) for flag in mask.reshape(-1).tolist()]
    if len(flags) != len(heads):
        raise CheckpointTasksError(
            f'checkpoint {filename}: its learned_mask has {len(flags)} '
            f'flags but it holds heads for {len(heads)} tasks {heads}')
    return heads, [task for task, flag in zip(heads, flags) if flag]


def check_checkpoint(cfg: Config, filename: str) -> Optional[List[str]]:
    """The config tasks to score with checkpoint ``filename``.

    Args:
        cfg (Config): The test config.
        filename (str): Checkpoint path or URL (any mmengine scheme).

    Returns:
        list[str], optional: The config's tasks the checkpoint has learned,
        in config order; None when the config's model has no per-task heads
        (nothing to compare).

    Raises:
        CheckpointTasksError: If the state dict is empty, the checkpoint's
            heads differ from the config's (missing or unexpected ones), or
            no config task is learned.
    """
    state = checkpoint_state_dict(
        CheckpointLoader.load_checkpoint(filename, map_location='cpu'))
    if not state:
        raise CheckpointTasksError(
            f'checkpoint {filename} has an empty state_dict: no weights to '
            'test')
    tasks = config_tasks(cfg)
    if tasks is None:
        return None
    heads, learned = checkpoint_tasks(state, filename)
    scored = [task for task in tasks if task in learned]
    problems = []
    missing = [task for task in tasks if task not in heads]
    if missing:
        problems.append(f'no head weights for {missing}')
    unexpected = [task for task in heads if task not in tasks]
    if unexpected:
        problems.append(f'heads the config does not have: {unexpected}')
    if not problems and not scored:
        problems.append('its learned_mask marks none of them as learned')
    if problems:
        raise CheckpointTasksError(
            f'checkpoint {filename} does not match the config: the config '
            f'has tasks {tasks}, the checkpoint has learned {learned} (heads '
            f'for {heads}): {"; ".join(problems)}')
    return scored


class LogLearnedTasksHook(Hook):
    """Score exactly ``tasks`` and log which tasks are scored.

    The checkpoint is loaded inside ``Runner.test()``, after the runner is
    built, so this is the first moment its ``learned_mask`` is known; the
    hook then sets the model's learned tasks to ``tasks`` (what the restored
    mask says when it fits the config) and logs them.

    Args:
        tasks (Sequence[str], optional): The tasks to score
            (:func:`check_checkpoint`); None keeps the restored mask.
        left_out (Sequence[str]): Config tasks the checkpoint has not
            learned (yet), named in the log.
        checkpoint (str): The checkpoint, for the log.
    """

    priority = 'VERY_LOW'

    def __init__(self,
                 tasks: Optional[Sequence[str]] = None,
                 left_out: Sequence[str] = (),
                 checkpoint: str = '') -> None:
        self.tasks = None if tasks is None else list(tasks)
        self.left_out = list(left_out)
        self.checkpoint = checkpoint

    def before_test(self, runner) -> None:
        model = unwrap_model(runner.model)
        if self.tasks is not None and hasattr(model, 'set_tasks'):
            model.set_tasks(learned=self.tasks)
        if self.left_out:
            runner.logger.info(
                f'Checkpoint {self.checkpoint} has learned {self.tasks}; '
                f'not learned (yet), not scored: {self.left_out}')
        learned = getattr(model, 'learned_tasks', None)
        if learned is not None:
            runner.logger.info(f'Testing the tasks learned by the '
                               f'checkpoint: {learned}')


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Test; ``argv`` defaults to ``sys.argv[1:]``.

    Returns:
        dict[str, float]: The test metrics (``'{task}/{metric}'``).

    Raises:
        CheckpointTasksError: If the checkpoint does not fit the config's
            tasks (:func:`check_checkpoint`).
    """
    args = parse_args(argv)
    cfg = build_config(args)
    tasks = check_checkpoint(cfg, args.checkpoint)
    left_out = [] if tasks is None else [
        t for t in config_tasks(cfg) if t not in tasks]
    runner = build_runner(cfg)
    runner.register_hook(
        LogLearnedTasksHook(tasks, left_out, args.checkpoint))
    return runner.test()


if __name__ == '__main__':
    sys.exit(run_tool(main))
