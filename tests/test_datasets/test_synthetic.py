"""SyntheticScenesDataset: six tasks on generated scenes, old data still
readable."""
import os.path as osp
import shutil

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS

from mmhad.datasets import SyntheticScenesDataset
from mmhad.datasets.mtan_npy import TASK_PATH_KEYS
from mmhad.datasets.synthetic_scenes import (generate_dataset, render_scene,
                                             scene_rng)

H, W = 24, 32
ALL = ('semantic', 'depth', 'normal', 'edge', 'albedo', 'shading')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic'))
    generate_dataset(out, num_train=4, num_val=2, height=H, width=W, seed=5)
    return out


def pipeline(train=False):
    steps = [dict(type='LoadMultiTaskImageFromNpy'),
             dict(type='LoadMultiTaskAnnotations')]
    if train:
        steps += [dict(type='RandomScaleCropMultiTask', scales=(1.5, )),
                  dict(type='RandomFlipMultiTask', prob=1.0)]
    return steps + [dict(type='PackMultiTaskInputs')]


def test_task_types_and_default_tasks(root):
    assert SyntheticScenesDataset.TASK_TYPES == ALL
    assert SyntheticScenesDataset.TASK_FOLDERS == dict(
        semantic='label', depth='depth', normal='normal', edge='edge',
        albedo='albedo', shading='shading')
    assert TASK_PATH_KEYS['edge'] == 'edge_map_path'
    assert TASK_PATH_KEYS['albedo'] == 'albedo_map_path'
    assert TASK_PATH_KEYS['shading'] == 'shading_map_path'
    # tasks=None keeps the classic three (every 3-task config relies on it)
    dataset = DATASETS.build(dict(type='SyntheticScenesDataset',
                                  data_root=root))
    assert dataset.tasks == ('semantic', 'depth', 'normal')
    info = dataset.get_data_info(0)
    assert 'edge_map_path' not in info and 'albedo_map_path' not in info


def test_six_task_data_infos(root):
    dataset = SyntheticScenesDataset(data_root=root, split='val', tasks=ALL)
    assert len(dataset) == 2
    info = dataset.get_data_info(1)
    split_dir = osp.join(root, 'val')
    for task, folder in SyntheticScenesDataset.TASK_FOLDERS.items():
        assert info[TASK_PATH_KEYS[task]] == osp.join(split_dir, folder,
                                                      '1.npy')
    assert info['tasks'] == list(ALL)
    only = SyntheticScenesDataset(data_root=root, tasks=('albedo', ))
    assert only.get_data_info(0)['tasks'] == ['albedo']
    assert 'seg_map_path' not in only.get_data_info(0)


def test_data_of_generator_1_0_still_loads(root, tmp_path):
    old = str(tmp_path / 'old')
    shutil.copytree(root, old)
    for split in ('train', 'val'):
        for folder in ('edge', 'albedo', 'shading'):
            shutil.rmtree(osp.join(old, split, folder))
    dataset = SyntheticScenesDataset(data_root=old, pipeline=pipeline())
    sample = dataset[0]['data_samples']
    assert {'gt_sem_seg', 'gt_depth_map', 'gt_normal_map'} <= set(
        sample.keys())
    with pytest.raises(FileNotFoundError,
                       match=r'edge.*generator >= 1\.1\.0.*make data'):
        SyntheticScenesDataset(data_root=old, tasks=ALL)


def test_pipeline_packs_all_six_tasks(root):
    dataset = SyntheticScenesDataset(
        data_root=root, split='val', tasks=ALL, pipeline=pipeline())
    packed = dataset[1]
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, H, W)
    shapes = {key: (tuple(sample.get(key).data.shape),
                    sample.get(key).data.dtype)
              for key in ('gt_sem_seg', 'gt_depth_map', 'gt_normal_map',
                          'gt_edge_map', 'gt_albedo_map', 'gt_shading_map')}
    assert shapes == {
        'gt_sem_seg': ((1, H, W), torch.int64),
        'gt_depth_map': ((1, H, W), torch.float32),
        'gt_normal_map': ((3, H, W), torch.float32),
        'gt_edge_map': ((1, H, W), torch.int64),
        'gt_albedo_map': ((3, H, W), torch.float32),
        'gt_shading_map': ((1, H, W), torch.float32),
    }
    truth = render_scene(scene_rng(5, 'val', 1), H, W)
    edge = truth['edge'].astype(np.int64)
    edge[edge == -1] = 255
    np.testing.assert_array_equal(sample.gt_edge_map.data[0].numpy(), edge)
    np.testing.assert_array_equal(sample.gt_albedo_map.data.numpy(),
                                  truth['albedo'].transpose(2, 0, 1))
    np.testing.assert_array_equal(sample.gt_shading_map.data[0].numpy(),
                                  truth['shading'][..., 0])
    assert sample.metainfo['edge_map_path'].endswith(
        osp.join('val', 'edge', '1.npy'))


def test_train_augmentation_keeps_values(root):
    """Scale-crop and flip move edges / albedo / shading but keep values."""
    np.random.seed(0)
    dataset = SyntheticScenesDataset(
        data_root=root, tasks=ALL, pipeline=pipeline(train=True))
    sample = dataset[2]['data_samples']
    truth = render_scene(scene_rng(5, 'train', 2), H, W)
    edge = sample.gt_edge_map.data.unique().tolist()
    assert set(edge) <= {0, 1, 255}
    albedo = sample.gt_albedo_map.data.permute(1, 2, 0).reshape(-1, 3)
    known = {tuple(v) for v in truth['albedo'].reshape(-1, 3).tolist()}
    assert {tuple(v) for v in albedo.tolist()} <= known
    shading = set(sample.gt_shading_map.data.unique().tolist())
    assert shading <= set(np.unique(truth['shading']).tolist())
    # the depth was divided by the zoom factor 1.5 (nearest resampling)
    depth = sample.gt_depth_map.data[sample.gt_depth_map.data > 0].numpy()
    expected = np.unique(truth['depth'][truth['depth'] > 0]) / 1.5
    gap = np.abs(depth[:, None] - expected[None]).min(axis=1)
    assert gap.max() < 1e-5
