"""NYUv2MultiTaskDataset on a tiny fake MTAN layout."""
import os
import os.path as osp

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from tests.test_datasets.mtan_fakes import (H, W, fake_sample, nyu_pipeline,
                                            write_split)

from mmhad.datasets import MTANNpyDataset, NYUv2MultiTaskDataset


def test_registered_and_metainfo(nyu_root):
    dataset = DATASETS.build(
        dict(type='NYUv2MultiTaskDataset', data_root=nyu_root))
    assert isinstance(dataset, NYUv2MultiTaskDataset)
    meta = dataset.metainfo
    assert meta['classes'] == ('bed', 'books', 'ceiling', 'chair', 'floor',
                               'furniture', 'objects', 'painting', 'sofa',
                               'table', 'tv', 'wall', 'window')
    assert len(meta['palette']) == 13
    assert len({tuple(c) for c in meta['palette']}) == 13
    assert NYUv2MultiTaskDataset.TASK_TYPES == ('semantic', 'depth', 'normal')


def test_data_infos_all_tasks(nyu_root):
    dataset = NYUv2MultiTaskDataset(data_root=nyu_root, split='train')
    assert len(dataset) == 5
    info = dataset.get_data_info(3)
    split_dir = osp.join(nyu_root, 'train')
    assert info['img_path'] == osp.join(split_dir, 'image', '3.npy')
    assert info['seg_map_path'] == osp.join(split_dir, 'label', '3.npy')
    assert info['depth_map_path'] == osp.join(split_dir, 'depth', '3.npy')
    assert info['normal_map_path'] == osp.join(split_dir, 'normal', '3.npy')
    assert info['tasks'] == ['semantic', 'depth', 'normal']
    assert info['seg_fields'] == []
    assert info['reduce_zero_label'] is False
    assert info['label_map'] is None
    assert info['sample_idx'] == 3
    assert info['num_classes'] == 13
    assert info['depth_is_inverse'] is False
    assert len(NYUv2MultiTaskDataset(data_root=nyu_root, split='val')) == 3


def test_numeric_sort(tmp_path):
    root = str(tmp_path / 'nyu')
    write_split(root, 'train', 12)
    dataset = NYUv2MultiTaskDataset(data_root=root)
    names = [
        osp.basename(dataset.get_data_info(i)['img_path'])
        for i in range(len(dataset))
    ]
    assert names == [f'{i}.npy' for i in range(12)]  # 2 before 10


def test_tasks_selection_lists_and_checks_only_those(nyu_root):
    # A phase that owns depth only does not need (or see) other labels.
    for folder in ('label', 'normal'):
        for name in os.listdir(osp.join(nyu_root, 'train', folder)):
            os.remove(osp.join(nyu_root, 'train', folder, name))
        os.rmdir(osp.join(nyu_root, 'train', folder))
    dataset = NYUv2MultiTaskDataset(data_root=nyu_root, tasks=('depth', ))
    info = dataset.get_data_info(0)
    assert info['tasks'] == ['depth']
    assert 'depth_map_path' in info
    assert 'seg_map_path' not in info and 'normal_map_path' not in info
    with pytest.raises(FileNotFoundError, match='normal'):
        NYUv2MultiTaskDataset(data_root=nyu_root, tasks=('depth', 'normal'))


def test_single_task_string_and_dedup(nyu_root):
    dataset = NYUv2MultiTaskDataset(
        data_root=nyu_root, tasks=('normal', 'normal'))
    assert dataset.tasks == ('normal', )
    assert NYUv2MultiTaskDataset(
        data_root=nyu_root, tasks='semantic').tasks == ('semantic', )


def test_unknown_or_empty_task(nyu_root):
    with pytest.raises(ValueError, match=r"\['edges'\].*semantic.*normal"):
        NYUv2MultiTaskDataset(data_root=nyu_root, tasks=('depth', 'edges'))
    with pytest.raises(ValueError, match='empty'):
        NYUv2MultiTaskDataset(data_root=nyu_root, tasks=())


@pytest.mark.parametrize('serialize', [True, False])
def test_indices_chunking(nyu_root, serialize):
    first = NYUv2MultiTaskDataset(
        data_root=nyu_root, indices=2, serialize_data=serialize)
    assert [
        osp.basename(first.get_data_info(i)['img_path'])
        for i in range(len(first))
    ] == ['0.npy', '1.npy']
    chunk = NYUv2MultiTaskDataset(
        data_root=nyu_root, indices=[4, 2], serialize_data=serialize)
    assert len(chunk) == 2
    info = chunk.get_data_info(0)
    assert osp.basename(info['img_path']) == '4.npy'
    assert osp.basename(info['depth_map_path']) == '4.npy'
    assert info['sample_idx'] == 0  # position inside the chunk


def test_missing_root_and_split(tmp_path, nyu_root):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match='nowhere'):
        NYUv2MultiTaskDataset(data_root=missing)
    with pytest.raises(FileNotFoundError, match=r'nyuv2.test'):
        NYUv2MultiTaskDataset(data_root=nyu_root, split='test')


def test_lazy_init_defers_listing(tmp_path):
    dataset = NYUv2MultiTaskDataset(
        data_root=str(tmp_path / 'later'), lazy_init=True)
    assert dataset.metainfo['classes'][0] == 'bed'
    with pytest.raises(FileNotFoundError, match='later'):
        dataset.full_init()


def test_mismatched_files(nyu_root):
    os.remove(osp.join(nyu_root, 'train', 'depth', '3.npy'))
    with pytest.raises(ValueError) as err:
        NYUv2MultiTaskDataset(data_root=nyu_root)
    msg = str(err.value)
    assert osp.join('train', 'depth') in msg
    assert 'missing: [3.npy]' in msg and 'extra: []' in msg
    # only listed tasks are checked
    assert len(
        NYUv2MultiTaskDataset(
            data_root=nyu_root, tasks=('semantic', 'normal'))) == 5

    np.save(
        osp.join(nyu_root, 'train', 'normal', '7.npy'),
        fake_sample(7, 'normal'))
    with pytest.raises(ValueError, match=r'normal.*extra: \[7.npy\]'):
        NYUv2MultiTaskDataset(data_root=nyu_root, tasks=('normal', ))


def test_bad_file_name_and_empty_image_folder(nyu_root, tmp_path):
    np.save(osp.join(nyu_root, 'train', 'image', 'x1.npy'), np.zeros(1))
    with pytest.raises(ValueError, match='x1.npy'):
        NYUv2MultiTaskDataset(data_root=nyu_root)
    empty = tmp_path / 'empty' / 'train' / 'image'
    empty.mkdir(parents=True)
    with pytest.raises(ValueError, match='no .npy files'):
        NYUv2MultiTaskDataset(
            data_root=str(tmp_path / 'empty'), tasks='semantic')


def test_full_pipeline_returns_contract(nyu_root):
    dataset = NYUv2MultiTaskDataset(
        data_root=nyu_root,
        split='val',
        pipeline=nyu_pipeline(),
        test_mode=True)
    out = dataset[2]
    inputs, sample = out['inputs'], out['data_samples']
    assert isinstance(sample, SegDataSample)
    assert inputs.shape == (3, H, W) and inputs.dtype == torch.float32
    img = fake_sample(2, 'image')
    np.testing.assert_allclose(
        inputs.numpy(), img.transpose(2, 0, 1) * 255, rtol=1e-6)

    seg = sample.gt_sem_seg.data
    assert seg.shape == (1, H, W) and seg.dtype == torch.int64
    label = fake_sample(2, 'label')
    expected = np.where(label < 0, 255, label).astype(np.int64)
    np.testing.assert_array_equal(seg[0].numpy(), expected)

    depth = sample.gt_depth_map.data
    assert depth.shape == (1, H, W) and depth.dtype == torch.float32
    np.testing.assert_array_equal(depth[0].numpy(),
                                  fake_sample(2, 'depth')[..., 0])

    normal = sample.gt_normal_map.data
    assert normal.shape == (3, H, W) and normal.dtype == torch.float32
    np.testing.assert_array_equal(normal.numpy(),
                                  fake_sample(2, 'normal').transpose(2, 0, 1))
    assert sample.metainfo['tasks'] == ['semantic', 'depth', 'normal']
    assert sample.metainfo['img_shape'] == (H, W)


def test_phase_dataset_packs_only_its_task(nyu_root):
    dataset = NYUv2MultiTaskDataset(
        data_root=nyu_root,
        tasks=('normal', ),
        indices=[1],
        pipeline=nyu_pipeline(train=True))
    sample = dataset[0]['data_samples']
    assert 'gt_normal_map' in sample
    assert 'gt_sem_seg' not in sample and 'gt_depth_map' not in sample
    assert sample.gt_normal_map.data.shape == (3, H, W)


def test_generic_mtan_dataset_with_own_classes(nyu_root):
    classes = ('floor', 'wall', 'ceiling', 'box', 'sphere', 'cylinder')
    label = np.full((H, W), 5, np.float32)
    label[0, 0] = -1
    np.save(osp.join(nyu_root, 'val', 'label', '0.npy'), label)
    dataset = DATASETS.build(
        dict(
            type='MTANNpyDataset',
            data_root=nyu_root,
            split='val',
            metainfo=dict(classes=classes),
            pipeline=nyu_pipeline()))
    assert dataset.metainfo['classes'] == classes
    assert len(dataset.metainfo['palette']) == 6
    assert dataset.get_data_info(0)['num_classes'] == 6
    seg = dataset[0]['data_samples'].gt_sem_seg.data
    assert int(seg[0, 0, 0]) == 255 and int(seg[0, 1, 1]) == 5
    # the NYUv2 fake labels use ids up to 12: too many for 6 classes
    with pytest.raises(ValueError, match=r'\[-1, 5\]'):
        dataset[1]
    with pytest.raises(ValueError, match='needs class names'):
        MTANNpyDataset(data_root=nyu_root)
    assert len(MTANNpyDataset(data_root=nyu_root, tasks=('depth', ))) == 5
