"""Unit tests of the hooks tools/test.py adds (--show-dir, --out) and of the
norm-statistics hook of distributed runs."""
import os
import os.path as osp
import uuid
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from mmhad.engine.hooks.dump_predictions_hook import DumpPredictionsHook
from mmhad.engine.hooks.sync_norm_hook import (SyncNormStatsHook,
                                               local_norm_stats)
from mmhad.engine.hooks.visualization_hook import (MultiTaskVisualizationHook,
                                                   load_rgb_image)
from mmhad.visualization import MultiTaskVisualizer, vector_to_rgb

H, W = 8, 12


def make_sample(img_path: str, **fields) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_path=img_path, ori_shape=(H, W)))
    sample.set_data({k: PixelData(data=v) for k, v in fields.items()})
    return sample


def unit_normals() -> torch.Tensor:
    normal = torch.randn(3, H, W)
    return normal / normal.norm(dim=0, keepdim=True)


@pytest.fixture
def image(tmp_path) -> str:
    path = str(tmp_path / '7.npy')
    np.save(path, np.random.default_rng(0).random((H, W, 3), np.float32))
    return path


def test_load_rgb_image_and_normal_colours(image):
    img = load_rgb_image(image)
    assert img.shape == (H, W, 3) and img.dtype == np.uint8
    np.testing.assert_array_equal(
        img, np.round(np.load(image) * 255).astype(np.uint8))
    normal = torch.zeros(3, 2, 2)
    normal[:, 0, 0] = torch.tensor([1., 0., 0.])
    rgb = vector_to_rgb(normal)
    assert rgb.shape == (2, 2, 3)
    assert rgb[0, 0].tolist() == [255, 128, 128]
    assert rgb[1, 1].tolist() == [0, 0, 0]  # invalid (all-zero) is black


@pytest.mark.parametrize('visualizer_cls',
                         [SegLocalVisualizer, MultiTaskVisualizer])
def test_visualization_hook_draws_learned_tasks_only(image, tmp_path,
                                                     visualizer_cls):
    """One panel per sample, rows = predicted tasks (depth, normal,
    semantic): input | GT | prediction, + a colour bar column for depth;
    any visualizer's backends receive it."""
    save_dir = str(tmp_path / 'show')
    visualizer = visualizer_cls.get_instance(
        f'vis_{uuid.uuid4().hex}',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=save_dir)
    visualizer.dataset_meta = dict(
        classes=('a', 'b', 'c'), palette=[[0, 0, 0], [255, 0, 0],
                                          [0, 255, 0]])
    hook = MultiTaskVisualizationHook(draw=True, interval=1)
    runner = SimpleNamespace(iter=0)
    labels = torch.randint(0, 3, (1, H, W))
    depth = torch.rand(1, H, W) + 0.5
    normal = unit_normals()
    gt = dict(gt_sem_seg=labels, gt_depth_map=depth, gt_normal_map=normal)
    cases = {
        # semantic learned, depth/normal labelled but not predicted
        'sem': dict(pred_sem_seg=labels, **gt),
        'all': dict(pred_sem_seg=labels, pred_depth_map=depth,
                    pred_normal_map=normal, **gt),
        # normals only
        'normal': dict(pred_normal_map=normal, **gt),
        # a prediction without ground truth: an empty GT cell
        'no_gt': dict(pred_sem_seg=labels, pred_depth_map=depth,
                      gt_sem_seg=labels),
    }
    for name, fields in cases.items():
        path = str(tmp_path / f'{name}.npy')
        np.save(path, np.load(image))
        hook.after_test_iter(runner, 0, {}, [make_sample(path, **fields)])
    img_dir = osp.join(save_dir, 'vis_data', 'vis_image')
    files = sorted(os.listdir(img_dir))
    assert files == sorted([
        'test_sem_0.png', 'test_all_0.png', 'test_normal_0.png',
        'test_no_gt_0.png'
    ])
    shapes = {f: mmcv.imread(osp.join(img_dir, f)).shape[:2] for f in files}
    legend = max(4, W // 8)
    assert shapes['test_sem_0.png'] == (H, 3 * W)  # img | gt | pred
    assert shapes['test_all_0.png'] == (3 * H, 3 * W + legend)
    assert shapes['test_no_gt_0.png'] == (2 * H, 3 * W + legend)
    assert shapes['test_normal_0.png'] == (H, 3 * W)
    # the normal row of 'all' is the normals-only panel
    panels = {f: mmcv.imread(osp.join(img_dir, f), channel_order='rgb')
              for f in files}
    np.testing.assert_array_equal(panels['test_all_0.png'][H:2 * H, :3 * W],
                                  panels['test_normal_0.png'])
    np.testing.assert_array_equal(panels['test_normal_0.png'][:, 2 * W:],
                                  vector_to_rgb(normal))


def test_visualization_hook_interval_and_test_out_dir(image, tmp_path):
    visualizer = MultiTaskVisualizer.get_instance(
        f'vis_{uuid.uuid4().hex}',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'show'))
    hook = MultiTaskVisualizationHook(draw=True, interval=2,
                                      test_out_dir='panels')
    runner = SimpleNamespace(iter=0, work_dir=str(tmp_path), timestamp='ts')
    sample = make_sample(image, pred_depth_map=torch.rand(1, H, W))
    for batch_idx in range(3):
        hook.after_test_iter(runner, batch_idx, {}, [sample])
    hook.after_val_iter(runner, 0, {}, [sample])  # not an interval-th
    hook.after_val_iter(runner, 1, {}, [sample])
    hook.after_train_iter(runner, 1, {}, [sample])  # never in training
    assert os.listdir(tmp_path / 'ts' / 'panels') == ['test_7.png']
    assert os.listdir(tmp_path / 'show' / 'vis_data' / 'vis_image') == [
        'val_7_0.png']
    assert visualizer.dataset_meta  # mmseg's defaults when none is given


def test_dump_predictions_hook_writes_dataset_layout(tmp_path):
    out = str(tmp_path / 'out')
    hook = DumpPredictionsHook(out)
    labels = torch.randint(0, 3, (1, H, W))
    depth = torch.rand(1, H, W)
    sample = make_sample('/data/val/image/3.npy', pred_sem_seg=labels,
                         pred_depth_map=depth)
    hook.after_test_iter(None, 0, {}, [sample])
    hook.after_val_iter(None, 0, {}, [sample])  # 'val' not in modes: no-op
    assert sorted(os.listdir(out)) == ['depth', 'label']
    label = np.load(osp.join(out, 'label', '3.npy'))
    assert label.shape == (H, W) and label.dtype == np.float32
    np.testing.assert_array_equal(label, labels[0].numpy())
    saved = np.load(osp.join(out, 'depth', '3.npy'))
    assert saved.shape == (H, W, 1)
    np.testing.assert_array_equal(saved[..., 0], depth[0].numpy())


def test_sync_norm_stats_hook_selects_local_stats():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.SyncBatchNorm(4),
        nn.BatchNorm2d(4, track_running_stats=False), nn.GroupNorm(2, 4))
    stats = local_norm_stats(model)
    assert [s.data_ptr() for s in stats] == [
        model[1].running_mean.data_ptr(), model[1].running_var.data_ptr()
    ]
    # not distributed: a no-op
    before = {k: v.clone() for k, v in model.state_dict().items()}
    hook = SyncNormStatsHook()
    hook.after_train(SimpleNamespace(model=model))
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
    with pytest.raises(ValueError, match='interval'):
        SyncNormStatsHook(interval=0)
