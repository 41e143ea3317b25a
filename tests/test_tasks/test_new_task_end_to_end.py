"""A task type defined only in this file runs through mmhad end to end.

``toy_xy`` is the image-plane part (x, y) of the surface normal: a 2-channel
regression in ``[-1, 1]`` whose x flips sign under a horizontal flip and y
under a vertical one, all-zero where the normal is invalid. Everything it
needs is declared here - the task type, a dataset class that lists it, the
head config - and a 2-phase continual HAD run (semantic, then ``toy_xy``)
trains, distils, evaluates, reports, draws and dumps it without any change
to ``mmhad/``. ``docs/adding_a_task.md`` walks through this example.
"""
import glob
import json
import os
import os.path as osp

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import mmcv
import numpy as np
import pytest
from mmengine.runner import Runner
from mmseg.registry import DATASETS
from tests.test_engine.utils import make_tiny_scenes, tiny_config

from mmhad.datasets import SyntheticScenesDataset
from mmhad.engine.hooks import DumpPredictionsHook
from mmhad.evaluation.report import (build_summary, is_lower_better,
                                     load_results, render_markdown)
from mmhad.tasks import (LOWER, Measure, RegressionTask, get_task,
                         register_task, unregister_task)

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


class ToyXYTask(RegressionTask):
    """The (x, y) components of the camera-frame normal, in [-1, 1]."""

    name = 'toy_xy'
    kind = 'multi'
    channels = 2
    unit = 'normal component'
    value_range = (-1.0, 1.0)
    flip_negate = dict(horizontal=(0, ), vertical=(1, ), diagonal=(0, 1))
    metrics = dict(abs_err=Measure(LOWER, ''))
    scorer = 'abs_err'  # a built-in scorer: mean |pred - gt| on valid pixels
    loss = dict(type='MaskedL1Loss', valid_rule='nonzero',
                loss_name='loss_toy_xy')
    activation = 'sigmoid_range'  # into value_range
    draw = dict(style='colormap', cmap='coolwarm', shared_scale=True)


class ToyXYScenes(SyntheticScenesDataset):
    """The synthetic scenes with ``toy_xy`` beside the semantic labels."""

    TASK_TYPES = ('semantic', 'toy_xy')
    DEFAULT_TASKS = ('semantic', 'toy_xy')


def write_toy_xy(root: str) -> None:
    """``{split}/toy_xy/{i}.npy`` = the first two normal components."""
    for split in ('train', 'val'):
        os.makedirs(osp.join(root, split, 'toy_xy'))
        for name in os.listdir(osp.join(root, split, 'normal')):
            normal = np.load(osp.join(root, split, 'normal', name))
            np.save(osp.join(root, split, 'toy_xy', name), normal[..., :2])


@pytest.fixture
def toy_xy():
    register_task(ToyXYTask, force=True)
    DATASETS.register_module(module=ToyXYScenes, force=True)
    yield get_task('toy_xy')
    unregister_task('toy_xy')
    DATASETS.module_dict.pop('ToyXYScenes', None)


def toy_config(data_root: str, work_dir: str):
    cfg = tiny_config(HAD, data_root, work_dir)
    semantic = cfg.model.decode_heads.semantic
    head = {k: semantic[k] for k in ('in_channels', 'channels', 'dilations',
                                     'dropout_ratio', 'norm_cfg',
                                     'align_corners')}
    cfg.model.decode_heads = dict(
        semantic=semantic,
        toy_xy=dict(type='RegressionASPPHead', task='toy_xy', **head))
    # the toy task's HAD term takes its output_type from the definition
    cfg.distill_loss.losses.toy_xy = dict(type='HADLoss')
    cfg.train_cfg.phases = [dict(task='semantic', max_iters=3),
                            dict(task='toy_xy', max_iters=3)]
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.type = 'ToyXYScenes'
        cfg[key].dataset.pop('tasks', None)
    cfg.default_hooks.visualization = dict(
        type='MultiTaskVisualizationHook', draw=True, interval=1)
    return cfg


def test_a_task_type_defined_in_a_test_trains_scores_draws_and_dumps(
        toy_xy, tmp_path):
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    write_toy_xy(root)
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(toy_config(root, work_dir))
    runner.train()

    # trained, distilled and scored phase by phase
    with open(osp.join(work_dir, 'continual_results.json')) as f:
        results = json.load(f)
    assert results['task_order'] == ['semantic', 'toy_xy']
    first, second = (p['metrics'] for p in results['phases'])
    assert 'toy_xy/abs_err' not in first
    err = second['toy_xy/abs_err']
    # predictions lie in [-1, 1], so do the targets: the error is in [0, 2]
    assert 0 < err < 2
    assert {'semantic/mIoU', 'semantic/aAcc'} <= set(second)
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    assert 'distill_toy_xy' not in log  # toy_xy is the new task in phase 1
    assert 'distill_semantic' in log  # the old task is distilled

    # the report takes the new metric's direction from the definition
    assert is_lower_better('toy_xy/abs_err')
    summary = build_summary({'had': load_results(work_dir)})
    assert 'toy_xy/abs_err' in render_markdown(summary)

    # drawn: one panel per validation sample and phase end (iters 3, 6);
    # phase 1's panels have a second row of the same height, toy_xy's
    vis = glob.glob(osp.join(work_dir, '*', 'vis_data', 'vis_image'))[0]
    phase0 = mmcv.imread(osp.join(vis, 'val_0_3.png'))
    phase1 = mmcv.imread(osp.join(vis, 'val_0_6.png'))
    assert phase1.shape[0] == 2 * phase0.shape[0]
    assert len(os.listdir(vis)) == 2 * len(os.listdir(
        osp.join(root, 'val', 'image')))

    # dumped: {out}/toy_xy/{i}.npy, H x W x 2 in [-1, 1]
    out = str(tmp_path / 'dump')
    runner.register_hook(DumpPredictionsHook(out_dir=out))
    metrics = runner.test()
    assert metrics['toy_xy/abs_err'] == pytest.approx(err, rel=1e-6)
    dumped = sorted(os.listdir(osp.join(out, 'toy_xy')))
    assert dumped == sorted(os.listdir(osp.join(root, 'val', 'toy_xy')))
    pred = np.load(osp.join(out, 'toy_xy', dumped[0]))
    gt = np.load(osp.join(root, 'val', 'toy_xy', dumped[0]))
    assert pred.shape == gt.shape == gt.shape[:2] + (2, )
    assert pred.min() >= -1 and pred.max() <= 1
