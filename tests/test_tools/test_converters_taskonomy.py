"""tools/dataset_converters/taskonomy.py on a tiny Taskonomy-style tree
written here ({domain}/{building}/point_P_view_V_domain_{domain}.png)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from tests.test_tools.converter_checks import count_files, load_every_sample
from tests.test_tools.utils import load_tool

tk = load_tool('dataset_converters/taskonomy.py')

H, W = 8, 12
SPLITS = {'train': ['allensville', 'beechwood'], 'val': ['collierville']}
VIEWS = ['point_0_view_0', 'point_3_view_1']
TASKS = ['depth_zbuffer', 'normal', 'segment_semantic', 'edge_occlusion']


def fake_view(seed):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    depth = np.full((H, W), 1024, np.uint16)  # 2 m
    depth[0, :] = 65535  # no surface
    normal = np.zeros((H, W, 3), np.uint8)  # RGB
    normal[...] = (128, 128, 0)  # (~0, ~0, -1): a wall facing the camera
    label = np.tile(np.arange(W, dtype=np.uint8) % 4, (H, 1))  # 0 ignored
    edge = np.zeros((H, W), np.uint16)
    edge[:, 5] = 3000
    edge[:, 6] = 1  # below --edge-threshold 2
    return dict(rgb=rgb, depth_zbuffer=depth, normal=normal,
                segment_semantic=label, edge_occlusion=edge)


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('taskonomy_raw'))
    seed = 0
    for buildings in SPLITS.values():
        for building in buildings:
            for view in VIEWS:
                for domain, array in fake_view(seed).items():
                    path = tk.view_path(root, domain, building, view)
                    os.makedirs(osp.dirname(path), exist_ok=True)
                    if array.ndim == 3:  # RGB -> cv2's BGR
                        array = np.ascontiguousarray(array[..., ::-1])
                    assert cv2.imwrite(path, array)
                seed += 1
    return root


@pytest.fixture(scope='module')
def converted(tree, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('taskonomy_out'))
    args = ['--root', tree, '--out', out, '--tasks', *TASKS,
            '--edge-threshold', '2']
    for split, buildings in SPLITS.items():
        args += ['--split', f'{split}={",".join(buildings)}']
    assert tk.main(args) == 0
    return out


def load(root, split, folder, i):
    return np.load(osp.join(root, split, folder, f'{i}.npy'))


def test_counts_and_meta(converted):
    folders = ['image', 'depth', 'normal', 'label', 'edge']
    assert count_files(converted, 'train', folders) == dict.fromkeys(
        folders, 4)
    assert count_files(converted, 'val', folders) == dict.fromkeys(
        folders, 2)
    with open(osp.join(converted, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['source_view']['val'] == [
        'collierville/point_0_view_0', 'collierville/point_3_view_1']
    assert meta['size'] == [H, W]


def test_units_and_invalid_values(converted):
    depth = load(converted, 'train', 'depth', 0)
    assert depth.shape == (H, W, 1)
    assert (depth[0] == 0).all() and (depth[1:] == 2.0).all()
    normal = load(converted, 'train', 'normal', 0)
    assert (normal[0] == 0).all()  # where the depth is invalid
    np.testing.assert_allclose(normal[1:].reshape(-1, 3),
                               np.tile([0, 0, -1], ((H - 1) * W, 1)),
                               atol=1e-2)
    np.testing.assert_allclose(np.linalg.norm(normal[1:], axis=-1), 1,
                               atol=1e-6)
    label = load(converted, 'train', 'label', 0)
    np.testing.assert_array_equal(
        label[0], np.where(np.arange(W) % 4 == 0, -1, np.arange(W) % 4))
    edge = load(converted, 'train', 'edge', 0)
    assert set(np.flatnonzero(edge[0])) == {5}
    image = load(converted, 'val', 'image', 1)
    np.testing.assert_allclose(image, fake_view(5)['rgb'] / 255, atol=1e-6)


def test_normal_signs_resize_and_errors(tree, tmp_path):
    out = str(tmp_path / 'small')
    options = tk.SimpleNamespace(normal_signs='+--', ignore_ids=[],
                                 edge_threshold=1)
    tk.convert_taskonomy(tree, out, dict(val=['collierville']),
                         ['normal'], size=(4, 6), options=options)
    normal = load(out, 'val', 'normal', 0)
    assert normal.shape == (4, 6, 3)
    np.testing.assert_allclose(normal[..., 2], 1, atol=1e-3)  # z flipped
    with pytest.raises(ValueError, match='not among'):
        tk.convert_taskonomy(tree, out, dict(val=['collierville']), ['rgb'])
    with pytest.raises(FileNotFoundError, match='no rgb views'):
        tk.convert_taskonomy(tree, out, dict(val=['nowhere']), ['normal'])


def test_converted_tree_loads_as_a_config_would(converted):
    classes = ('c1', 'c2', 'c3')  # ids 1..3 -> give names for 0..3
    for tasks in (('semantic', 'depth', 'normal'), ('depth', )):
        samples = load_every_sample(dict(
            type='MTANNpyDataset', data_root=converted, split='val',
            tasks=tasks, metainfo=dict(classes=('c0', ) + classes)))
        assert len(samples) == 2
        assert samples[0]['data_samples'].gt_depth_map.data.max() == 2.0
