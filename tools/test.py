"""Evaluate an mmhad checkpoint on the test set of a config.

The model predicts - and the metric scores - every task the checkpoint has
learned so far: the segmentor's ``learned_mask`` buffer is restored from the
checkpoint, so a phase-0 checkpoint of a continual run is scored on its first
task only and a joint or final checkpoint on all of them.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--wait-time SECONDS]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [same options]
"""
import argparse
import os.path as osp
import sys
import uuid
from typing import Dict, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmhad  # noqa: E402,F401  (applies mmhad.compat before mmseg.models)
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402

# Register the hooks that --out and --show / --show-dir add.
import mmhad.engine.hooks.dump_predictions_hook  # noqa: E402,F401
import mmhad.engine.hooks.visualization_hook  # noqa: E402,F401
from mmhad.utils.cli import (add_common_args, build_runner,  # noqa: E402
                             load_config, set_local_rank)

#: Visualization hooks of the configs that --show / --show-dir replace by
#: :class:`MultiTaskVisualizationHook` (mmseg's cannot read ``.npy`` images).
SEG_VISUALIZATION_HOOKS = ('SegVisualizationHook',
                           'mmseg.SegVisualizationHook')


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
    args = parser.parse_args(argv)
    set_local_rank(args)
    return args


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    """Turn on drawing of every test sample.

    The ``visualization`` default hook draws every batch (``interval=1``);
    mmseg's ``SegVisualizationHook`` is swapped for
    :class:`MultiTaskVisualizationHook`, which reads ``.npy`` images and
    draws each learned task. With ``--show-dir`` the visualizer saves into
    that directory.
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
            type='SegLocalVisualizer',
            vis_backends=[dict(type='LocalVisBackend')])
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


class LogLearnedTasksHook(Hook):
    """Log which tasks the loaded checkpoint has learned (and is scored on).

    The checkpoint is loaded inside ``Runner.test()``, after the runner is
    built, so this is the first moment its ``learned_mask`` is known.
    """

    priority = 'VERY_LOW'

    def before_test(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        learned = getattr(model, 'learned_tasks', None)
        if learned is not None:
            runner.logger.info(f'Testing the tasks learned by the '
                               f'checkpoint: {learned}')


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Test; ``argv`` defaults to ``sys.argv[1:]``.

    Returns:
        dict[str, float]: The test metrics (``'{task}/{metric}'``).
    """
    args = parse_args(argv)
    cfg = build_config(args)
    runner = build_runner(cfg)
    runner.register_hook(LogLearnedTasksHook())
    return runner.test()


if __name__ == '__main__':
    main()
