"""A task type registered inside the test goes through the data pipeline.

``toy_flow`` (``tests/test_datasets/toy_tasks.py``) is listed by a dataset,
loaded, flipped (x negated), scale-cropped (values times the zoom) and
packed without any change to ``mmhad/``; expected values are hand-computed.
"""
import os
import os.path as osp

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmseg.registry import TRANSFORMS
from tests.test_datasets.mtan_fakes import write_split
from tests.test_datasets.toy_tasks import (  # noqa: F401  (fixture)
    register_toy_flow, toy_flow, unregister)

from mmhad.datasets import MTANNpyDataset
from mmhad.datasets.mtan_npy import TASK_PATH_KEYS

# a 2 x 3 flow; pixel (0, 2) is invalid (all-zero)
FLOW_X = np.array([[1, 2, 0], [3, -4, 5]], np.float32)
FLOW_Y = np.array([[6, 7, 0], [8, 9, 10]], np.float32)


def build(type_: str, **kwargs):
    return TRANSFORMS.build(dict(type=type_, **kwargs))


def flow_results(x=FLOW_X, y=FLOW_Y) -> dict:
    h, w = x.shape
    return dict(
        img=np.zeros((h, w, 3), np.float32),
        img_shape=(h, w),
        gt_toy_flow_map=np.stack([x, y], -1),
        seg_fields=['gt_toy_flow_map'])


class ToyFlowDataset(MTANNpyDataset):
    """Depth and the test's flow; no classes needed."""

    METAINFO = dict()
    TASK_TYPES = ('depth', 'toy_flow')


def write_flow_split(root: str, n: int = 3) -> list:
    """``image`` / ``depth`` of mtan_fakes (8 x 12) plus ``toy_flow``."""
    write_split(root, 'train', n, dict(image='image', depth='depth'))
    os.makedirs(osp.join(root, 'train', 'toy_flow'))
    flows = []
    for i in range(n):
        flow = np.random.default_rng(i).normal(size=(8, 12, 2))
        flow[0, 0] = 0  # invalid
        np.save(osp.join(root, 'train', 'toy_flow', f'{i}.npy'), flow)
        flows.append(flow.astype(np.float32))
    return flows


def test_dataset_lists_the_new_task(toy_flow, tmp_path):
    root = str(tmp_path / 'flow')
    write_flow_split(root)
    assert TASK_PATH_KEYS['toy_flow'] == 'toy_flow_map_path'
    assert 'toy_flow' in dict(TASK_PATH_KEYS)
    dataset = ToyFlowDataset(data_root=root)
    assert dataset.task_folders() == dict(depth='depth', toy_flow='toy_flow')
    info = dataset.get_data_info(1)
    assert info['tasks'] == ['depth', 'toy_flow']
    assert info['toy_flow_map_path'] == osp.join(root, 'train', 'toy_flow',
                                                 '1.npy')
    only = ToyFlowDataset(data_root=root, tasks='toy_flow').get_data_info(0)
    assert only['tasks'] == ['toy_flow'] and 'depth_map_path' not in only
    os.remove(osp.join(root, 'train', 'toy_flow', '2.npy'))
    with pytest.raises(ValueError, match=r"task 'toy_flow'.*missing: \[2"):
        ToyFlowDataset(data_root=root)


def test_dataset_pipeline_loads_flips_and_packs(toy_flow, tmp_path):
    root = str(tmp_path / 'flow')
    flows = write_flow_split(root)
    dataset = ToyFlowDataset(
        data_root=root,
        pipeline=[
            dict(type='LoadMultiTaskImageFromNpy'),
            dict(type='LoadMultiTaskAnnotations'),
            dict(type='RandomFlipMultiTask', prob=1.0),
            dict(type='PackMultiTaskInputs'),
        ])
    sample = dataset[2]['data_samples']
    flow = sample.gt_toy_flow_map.data
    assert flow.shape == (2, 8, 12) and flow.dtype == torch.float32
    mirrored = flows[2][:, ::-1]
    np.testing.assert_array_equal(flow[0].numpy(), -mirrored[..., 0])
    np.testing.assert_array_equal(flow[1].numpy(), mirrored[..., 1])
    assert not np.signbit(flow[:, 0, -1].numpy()).any()  # invalid stays +0
    assert sample.gt_depth_map.data.shape == (1, 8, 12)
    assert sample.metainfo['toy_flow_map_path'].endswith(
        osp.join('toy_flow', '2.npy'))


def test_load_checks_and_restricts(toy_flow, save_npy):
    flow = np.stack([FLOW_X, FLOW_Y], -1).astype(np.float64)
    results = dict(
        img_shape=(2, 3),
        toy_flow_map_path=save_npy('flow', flow),
        depth_map_path=save_npy('depth', np.ones((2, 3), np.float32)))
    out = build('LoadMultiTaskAnnotations', tasks=('toy_flow', ))(results)
    assert out['seg_fields'] == ['gt_toy_flow_map']
    assert 'gt_depth_map' not in out
    assert out['gt_toy_flow_map'].dtype == np.float32
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 0], FLOW_X)
    path = save_npy('bad_flow', np.zeros((2, 3, 3), np.float32))
    with pytest.raises(ValueError,
                       match=r'^toy_flow .*bad_flow.npy must be H x W x 2'):
        build('LoadMultiTaskAnnotations')(
            dict(img_shape=(2, 3), toy_flow_map_path=path))


def test_horizontal_flip_negates_x_only(toy_flow):
    out = build('RandomFlipMultiTask', prob=1.0)(flow_results())
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 0],
                                  [[0, -2, -1], [-5, 4, -3]])
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 1],
                                  [[0, 7, 6], [10, 9, 8]])
    assert not np.signbit(out['gt_toy_flow_map'][0, 0]).any()


def test_vertical_flip_keeps_values(toy_flow):
    out = build(
        'RandomFlipMultiTask', prob=1.0,
        direction='vertical')(flow_results())
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 0],
                                  [[3, -4, 5], [1, 2, 0]])
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 1],
                                  [[8, 9, 10], [6, 7, 0]])


def test_scale_crop_resizes_and_zooms_flow(toy_flow):
    x = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.float32)
    results = flow_results(x, -x)
    results['gt_depth_map'] = x + 10
    results['seg_fields'].append('gt_depth_map')
    crop = build('RandomScaleCropMultiTask', scales=(2.0, ))
    # zoom 2 into the 1 x 2 window at row 1, columns 1-2: values 6, 7
    crop._sample_window = lambda height, width: (2.0, 1, 1, 1, 2)
    out = crop(results)
    # nearest 1 x 2 -> 2 x 4 repeats each value twice; flow (px) doubles
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 0],
                                  [[12, 12, 14, 14], [12, 12, 14, 14]])
    np.testing.assert_array_equal(out['gt_toy_flow_map'][..., 1],
                                  [[-12, -12, -14, -14], [-12, -12, -14, -14]])
    # metric depth is divided by the zoom in the same pass
    np.testing.assert_array_equal(out['gt_depth_map'],
                                  [[8, 8, 8.5, 8.5], [8, 8, 8.5, 8.5]])


def test_pack_and_meta_keys_follow_the_registry():
    unregister('toy_flow')  # whatever an earlier test module left
    packer = build('PackMultiTaskInputs')  # built before the registration
    assert 'toy_flow_map_path' not in packer.meta_keys
    register_toy_flow()
    try:
        assert 'toy_flow_map_path' in packer.meta_keys
        results = flow_results()
        results['gt_toy_flow_map'] = results['gt_toy_flow_map'].astype(
            np.float64)
        results['toy_flow_map_path'] = 'train/toy_flow/0.npy'
        sample = packer(results)['data_samples']
        data = sample.gt_toy_flow_map.data
        assert data.shape == (2, 2, 3) and data.dtype == torch.float32
        np.testing.assert_array_equal(data[0].numpy(), FLOW_X)
        np.testing.assert_array_equal(data[1].numpy(), FLOW_Y)
        assert sample.metainfo['toy_flow_map_path'] == 'train/toy_flow/0.npy'
        with pytest.raises(ValueError,
                           match='^gt_toy_flow_map must be H x W x 2'):
            packer(dict(img=np.zeros((2, 3, 3), np.float32),
                        gt_toy_flow_map=FLOW_X))
    finally:
        unregister('toy_flow')
    assert 'toy_flow_map_path' not in packer.meta_keys
