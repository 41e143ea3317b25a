"""tools/dataset_converters/taskonomy.py on a tiny Taskonomy-style tree
written here ({domain}/{building}/point_P_view_V_domain_{domain}.png)."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from tests.test_tools.converter_checks import count_files, load_every_sample
from tests.test_tools.taskonomy_fakes import (H, VIEWS, W, convert_tree,
                                              fake_view, tk, write_tree)


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    return write_tree(str(tmp_path_factory.mktemp('taskonomy_raw')))


@pytest.fixture(scope='module')
def converted(tree, tmp_path_factory):
    return convert_tree(tree, str(tmp_path_factory.mktemp('taskonomy_out')))


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


def test_label_ids_beyond_the_dataset_classes(tmp_path):
    root = write_tree(str(tmp_path / 'raw'))
    path = tk.view_path(root, 'segment_semantic', 'collierville', VIEWS[1])
    assert cv2.imwrite(path, np.full((H, W), len(tk.CLASSES), np.uint8))
    with pytest.raises(ValueError,
                       match=r'point_3_view_1.*id 18 is beyond the 18'):
        tk.convert_taskonomy(root, str(tmp_path / 'out'),
                             dict(val=['collierville']), ['segment_semantic'])
