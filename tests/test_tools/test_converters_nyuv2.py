"""tools/dataset_converters/nyuv2.py on a tiny fake labelled release written
here in the real layout (HDF5 .mat, axes N x 3 x W x H / N x W x H) with an
old-format splits.mat and a classMapping40.mat."""
import json
import os.path as osp

import h5py
import numpy as np
import pytest
from scipy.io import savemat

from mmhad.datasets import NYUv2MultiTaskDataset
from tests.test_engine.utils import REPO
from tests.test_tools.converter_checks import (check_dataset_passes,
                                               count_files, load_every_sample)
from tests.test_tools.utils import load_tool

nyu = load_tool('dataset_converters/nyuv2.py')

SRC_H, SRC_W = 24, 32  # source resolution of the fake release
OUT_H, OUT_W = 12, 16  # --size: every output pixel is source (2r+1, 2c+1)
TRAIN, TEST = [2, 5, 1], [3, 6]  # 1-based, as in splits.mat
NUM = 6
#: A tilted plane n . X = -OFFSET (unit n towards the camera).
PLANE_N = np.array([0.3, -0.5, -0.8]) / np.linalg.norm([0.3, -0.5, -0.8])
OFFSET = 2.0


def plane_depth(height: int, width: int) -> np.ndarray:
    """Depth of the tilted plane through the NYU camera (1-based pixels)."""
    k = nyu.NYU_INTRINSICS
    rx = (np.arange(width)[None, :] + 1 - k.cx) / k.fx
    ry = (np.arange(height)[:, None] + 1 - k.cy) / k.fy
    return -OFFSET / (PLANE_N[0] * rx + PLANE_N[1] * ry + PLANE_N[2])


def fake_sample(k: int):
    """Sample k (0-based): image, depth (metres), raw labels, all H x W."""
    rng = np.random.default_rng(k)
    image = rng.integers(0, 256, (SRC_H, SRC_W, 3), dtype=np.uint8)
    if k % 2 == 0:  # fronto-parallel wall at 2.5 m with a hole
        depth = np.full((SRC_H, SRC_W), 2.5)
        depth[4:8, 6:12] = 0
    else:
        depth = plane_depth(SRC_H, SRC_W)
    labels = np.zeros((SRC_H, SRC_W), dtype=np.uint16)
    labels[:, :8] = 1  # -> 40: 1 (wall) -> 13: 12 -> 11
    labels[:, 8:16] = 5  # -> 40: 5 (chair) -> 13: 4 -> 3
    labels[:, 16:24] = 23  # -> 40: 23 (books) -> 13: 2 -> 1
    labels[:12, 24:] = 41  # -> 40: 1 (fake table below) -> 11
    labels[12:, 24:] = 0  # unlabelled -> -1
    return image, depth.astype(np.float32), labels


@pytest.fixture(scope='module')
def release(tmp_path_factory):
    """The three input files, as the user has them."""
    root = tmp_path_factory.mktemp('nyu_raw')
    samples = [fake_sample(k) for k in range(NUM)]
    mat = str(root / 'nyu_depth_v2_labeled.mat')
    with h5py.File(mat, 'w') as f:  # MATLAB v7.3: axes reversed
        f['images'] = np.stack([s[0].transpose(2, 1, 0) for s in samples])
        f['depths'] = np.stack([s[1].T for s in samples])
        f['labels'] = np.stack([s[2].T for s in samples])
    splits = str(root / 'splits.mat')
    savemat(splits, dict(trainNdxs=np.array(TRAIN, float)[:, None],
                         testNdxs=np.array(TEST, float)[:, None]))
    mapping = str(root / 'classMapping40.mat')
    # fake 894 -> 40 table: raw k -> ((k - 1) mod 40) + 1
    savemat(mapping, dict(mapClass=(np.arange(894) % 40 + 1.0)[None, :]))
    return dict(mat=mat, splits=splits, mapping=mapping, samples=samples)


@pytest.fixture(scope='module')
def converted(release, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('nyu_out'))
    code = nyu.main(['--mat', release['mat'], '--splits', release['splits'],
                     '--class-map-40', release['mapping'], '--out', out,
                     '--size', f'{OUT_H}x{OUT_W}'])
    assert code == 0
    return out


def load(root, split, folder, i):
    return np.load(osp.join(root, split, folder, f'{i}.npy'))


def test_split_sizes_file_counts_and_meta(converted):
    for split, listed in (('train', TRAIN), ('val', TEST)):
        assert count_files(converted, split, nyu.FOLDERS) == {
            f: len(listed) for f in nyu.FOLDERS}
    with open(osp.join(converted, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['source_index'] == dict(train=TRAIN, val=TEST)
    assert meta['num_samples'] == dict(train=3, val=2)
    assert meta['size'] == [OUT_H, OUT_W]


def test_shapes_dtypes_and_image(release, converted):
    # train sample 1 is 1-based source 5 (k = 4)
    image = load(converted, 'train', 'image', 1)
    assert image.shape == (OUT_H, OUT_W, 3) and image.dtype == np.float32
    source = release['samples'][4][0].astype(np.float64)
    # area downscale by 2: mean of the 2 x 2 block, in [0, 1]
    np.testing.assert_allclose(image[3, 5], source[6:8, 10:12].mean((0, 1))
                               / 255, atol=1e-6)
    assert load(converted, 'train', 'label', 1).shape == (OUT_H, OUT_W)
    assert load(converted, 'train', 'depth', 1).shape == (OUT_H, OUT_W, 1)
    assert load(converted, 'train', 'normal', 1).shape == (OUT_H, OUT_W, 3)


def test_label_mapping(converted):
    label = load(converted, 'val', 'label', 0)  # hand-mapped columns
    expected = np.empty((OUT_H, OUT_W), np.float32)
    expected[:, :4], expected[:, 4:8], expected[:, 8:12] = 11, 3, 1
    expected[:6, 12:], expected[6:, 12:] = 11, -1
    np.testing.assert_array_equal(label, expected)
    table = nyu.load_map_40_to_13()
    names40 = nyu.utils.load_table('nyuv2_40_to_13.json')['names_40']
    classes = NYUv2MultiTaskDataset.METAINFO['classes']
    for name40, name13 in (('wall', 'wall'), ('floor', 'floor'),
                           ('books', 'books'), ('television', 'tv'),
                           ('blinds', 'window'), ('picture', 'painting'),
                           ('lamp', 'objects'), ('cabinet', 'furniture')):
        assert classes[table[names40.index(name40) + 1] - 1] == name13


def test_depth_is_nearest_and_keeps_holes(release, converted):
    for split, listed in (('train', TRAIN), ('val', TEST)):
        for i, one_based in enumerate(listed):
            source = release['samples'][one_based - 1][1]
            np.testing.assert_array_equal(
                load(converted, split, 'depth', i)[..., 0],
                source[1::2, 1::2])
    depth = load(converted, 'train', 'depth', 0)[..., 0]  # source 2: k = 1
    assert depth.min() > 0
    hole = load(converted, 'val', 'depth', 0)[..., 0]  # source 3: k = 2
    assert (hole == 0).sum() == 2 * 3  # rows 4..7 / cols 6..11 at half size
    assert set(np.unique(hole)) == {0.0, 2.5}


def test_normals_of_planes(converted):
    wall = load(converted, 'val', 'normal', 0)  # k = 2: wall with a hole
    depth = load(converted, 'val', 'depth', 0)[..., 0]
    invalid = depth == 0
    assert (wall[invalid] == 0).all()
    # rows 2..3 / cols 3..5 are the hole; every valid pixel keeps a normal
    # (one-sided differences next to it)
    np.testing.assert_allclose(wall[~invalid], [[0, 0, -1]] * (~invalid).sum(),
                               atol=1e-6)
    tilted = load(converted, 'train', 'normal', 0)  # k = 1: tilted plane
    # exact but for the float32 depth of the .mat (relative error ~6e-8 on
    # points 2.5 cm apart)
    np.testing.assert_allclose(tilted.reshape(-1, 3),
                               np.tile(PLANE_N, (OUT_H * OUT_W, 1)),
                               atol=5e-5)


def test_normals_function_orientation_and_invalid():
    depth = np.full((5, 6), 3.0)
    depth[2, 2] = 0
    normal = nyu.normals_from_depth(depth)
    assert (normal[2, 2] == 0).all()
    np.testing.assert_allclose(normal[0, 0], [0, 0, -1], atol=1e-7)
    # a single valid column has no horizontal derivative: no normal
    lone = np.zeros((4, 4))
    lone[:, 1] = 2.0
    assert not nyu.normals_from_depth(lone).any()
    smooth = nyu.normals_from_depth(plane_depth(10, 12), window=3)
    np.testing.assert_allclose(smooth.reshape(-1, 3),
                               np.tile(PLANE_N, (120, 1)), atol=1e-5)


def test_class_map_formats_and_errors(tmp_path):
    values = list(np.arange(894) % 40 + 1)
    as_text = tmp_path / 'map.txt'
    as_text.write_text(', '.join(str(v) for v in values))
    as_json = tmp_path / 'map.json'
    as_json.write_text(json.dumps(dict(mapClass=[int(v) for v in values])))
    as_npy = str(tmp_path / 'map.npy')
    np.save(as_npy, np.array(values))
    for path in (str(as_text), str(as_json), as_npy):
        table = nyu.load_map_894_to_40(path)
        assert table.shape == (895, ) and table[0] == 0
        assert table[1] == 1 and table[41] == 1 and table[894] == 14
    short = tmp_path / 'short.txt'
    short.write_text('1 2 3')
    with pytest.raises(ValueError, match='expected 894 integers'):
        nyu.load_map_894_to_40(str(short))
    with pytest.raises(ValueError, match='raw label ids'):
        nyu.map_labels(np.array([[895]]), table, nyu.load_map_40_to_13())


def test_splits_are_checked(tmp_path):
    path = str(tmp_path / 'splits.mat')
    savemat(path, dict(trainNdxs=np.array([[1.0], [2.0]]),
                       testNdxs=np.array([[2.0]])))
    with pytest.raises(ValueError, match='in both'):
        nyu.read_splits(path, 3)
    with pytest.raises(ValueError, match='1..1'):
        nyu.read_splits(path, 1)


def test_converted_tree_loads_and_passes_the_data_check(converted, capsys):
    for split, count in (('train', 3), ('val', 2)):
        samples = load_every_sample(dict(
            type='NYUv2MultiTaskDataset', data_root=converted, split=split))
        assert len(samples) == count
        gt = samples[0]['data_samples']
        assert tuple(gt.gt_sem_seg.data.shape) == (1, OUT_H, OUT_W)
        assert tuple(gt.gt_normal_map.data.shape) == (3, OUT_H, OUT_W)
    out = check_dataset_passes(
        osp.join(REPO, 'configs/had/had_r18-d8_8xb8-3x20e_nyuv2-288x384_seg-depth-normal_mmhad-protocol.py'),
        converted, capsys)
    assert '5 samples' in out and 'all good' in out
