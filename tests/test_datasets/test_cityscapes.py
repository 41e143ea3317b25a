"""CityscapesMultiTaskDataset (MTAN layout, label_7/label_19, disparity)."""
import os.path as osp

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from mmhad.datasets import CityscapesMultiTaskDataset
from tests.test_datasets.mtan_fakes import H, W, fake_sample


def pipeline(scales=None):
    steps = [
        dict(type='LoadMultiTaskImageFromNpy'),
        dict(type='LoadMultiTaskAnnotations'),
    ]
    if scales is not None:
        steps.append(dict(type='RandomScaleCropMultiTask', scales=scales))
    return steps + [dict(type='PackMultiTaskInputs')]


def test_seven_classes(cityscapes_root):
    dataset = DATASETS.build(
        dict(type='CityscapesMultiTaskDataset', data_root=cityscapes_root))
    assert len(dataset) == 4
    assert dataset.metainfo['classes'] == ('flat', 'construction', 'object',
                                           'nature', 'sky', 'human', 'vehicle')
    assert len(dataset.metainfo['palette']) == 7
    info = dataset.get_data_info(1)
    assert info['seg_map_path'] == osp.join(cityscapes_root, 'train',
                                            'label_7', '1.npy')
    assert info['depth_map_path'] == osp.join(cityscapes_root, 'train',
                                              'depth', '1.npy')
    assert 'normal_map_path' not in info
    assert info['tasks'] == ['semantic', 'depth']
    assert info['num_classes'] == 7
    assert info['depth_is_inverse'] is True


def test_nineteen_classes(cityscapes_root):
    dataset = CityscapesMultiTaskDataset(
        data_root=cityscapes_root,
        num_classes=19,
        pipeline=pipeline(),
        test_mode=True)
    assert dataset.metainfo['classes'] == CityscapesDataset.METAINFO['classes']
    assert len(dataset.metainfo['palette']) == 19
    assert dataset.get_data_info(0)['seg_map_path'].endswith(
        osp.join('label_19', '0.npy'))
    sample = dataset[0]['data_samples']
    label = fake_sample(0, 'label_19')
    np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(),
                                  np.where(label < 0, 255, label))
    assert sample.gt_sem_seg.data.max() == 255
    assert int(sample.gt_sem_seg.data[0, 1, 0]) == 18  # top class kept


def test_label_checked_against_chosen_class_count(cityscapes_root):
    # a 19-class id inside label_7 is rejected through the dataset pipeline
    bad = fake_sample(2, 'label_7')
    bad[4, 4] = 12
    np.save(osp.join(cityscapes_root, 'train', 'label_7', '2.npy'), bad)
    dataset = CityscapesMultiTaskDataset(
        data_root=cityscapes_root, num_classes=7, pipeline=pipeline())
    dataset[1]  # untouched sample loads
    with pytest.raises(ValueError, match=r'label_7.2\.npy.*\[-1, 6\].*12'):
        dataset.prepare_data(2)


def test_invalid_arguments(cityscapes_root):
    with pytest.raises(ValueError, match=r'\[7, 19\].*8'):
        CityscapesMultiTaskDataset(data_root=cityscapes_root, num_classes=8)
    with pytest.raises(ValueError, match=r"\['normal'\].*'semantic', 'depth'"):
        CityscapesMultiTaskDataset(
            data_root=cityscapes_root, tasks=('depth', 'normal'))


def test_depth_only_phase(cityscapes_root):
    dataset = CityscapesMultiTaskDataset(
        data_root=cityscapes_root,
        tasks='depth',
        indices=[3, 0],
        pipeline=pipeline())
    assert len(dataset) == 2
    sample = dataset[0]['data_samples']
    assert 'gt_sem_seg' not in sample
    depth = sample.gt_depth_map.data
    assert depth.shape == (1, H, W) and depth.dtype == torch.float32
    np.testing.assert_array_equal(depth[0].numpy(),
                                  fake_sample(3, 'disparity')[..., 0])


def test_scale_crop_multiplies_disparity(cityscapes_root):
    disparity = np.full((H, W, 1), 0.2, np.float32)
    disparity[:, W // 2:] = 0  # invalid half stays invalid
    np.save(osp.join(cityscapes_root, 'train', 'depth', '0.npy'), disparity)
    dataset = CityscapesMultiTaskDataset(
        data_root=cityscapes_root, pipeline=pipeline(scales=(2.0, )))
    np.random.seed(0)
    for _ in range(5):
        depth = dataset[0]['data_samples'].gt_depth_map.data[0].numpy()
        values = set(np.unique(depth).tolist())
        assert values <= {0.0, np.float32(0.4).item()}
        assert np.float32(0.4).item() in values or values == {0.0}
    # the same data through an explicit metric-depth config is refused
    wrong = CityscapesMultiTaskDataset(
        data_root=cityscapes_root,
        pipeline=[
            dict(type='LoadMultiTaskImageFromNpy'),
            dict(type='LoadMultiTaskAnnotations'),
            dict(
                type='RandomScaleCropMultiTask',
                scales=(2.0, ),
                depth_is_inverse=False),
        ])
    with pytest.raises(ValueError, match='contradicts'):
        wrong.prepare_data(0)
