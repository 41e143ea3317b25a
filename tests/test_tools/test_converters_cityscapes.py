"""tools/dataset_converters/cityscapes.py on tiny fake packages written here
in the official layout (leftImg8bit / gtFine labelIds / uint16 disparity)."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmseg.datasets import CityscapesDataset

from mmhad.datasets.cityscapes import CITYSCAPES_7_METAINFO
from tests.test_engine.utils import REPO
from tests.test_tools.converter_checks import (check_dataset_passes,
                                               count_files, load_every_sample)
from tests.test_tools.utils import load_tool

cs = load_tool('dataset_converters/cityscapes.py')

SRC_H, SRC_W = 16, 32  # every output pixel of 8x16 is source (2r+1, 2c+1)
OUT_H, OUT_W = 8, 16
#: split -> city -> number of frames
CITIES = {'train': {'aachen': 2, 'bremen': 1}, 'val': {'frankfurt': 2}}
#: label id -> (19-class id, 7-class id), hand-read from the official table
LABELS = {7: (0, 0),  # road: flat
          9: (-1, 0),  # parking: no train id, category flat
          26: (13, 6),  # car: vehicle
          23: (10, 4),  # sky
          0: (-1, -1),  # unlabeled: void
          4: (-1, -1)}  # static: void
#: disparity PNG value p -> stored value (p - 1) / 65536, 0 for p <= 1
DISPARITY = {0: 0.0, 1: 0.0, 257: 1 / 256, 32257: 0.4921875}


def stems(split):
    return [(city, f'{city}_{seq:06d}_000019')
            for city, n in sorted(CITIES[split].items()) for seq in range(n)]


def fake_pngs(seed):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (SRC_H, SRC_W, 3), dtype=np.uint8)
    ids = np.array(list(LABELS), dtype=np.uint8)
    label = np.repeat(np.resize(ids, SRC_W)[None, :], SRC_H, axis=0)
    raw = np.array(list(DISPARITY), dtype=np.uint16)
    disparity = np.repeat(np.resize(raw, SRC_H)[:, None], SRC_W, axis=1)
    return rgb, label, disparity


@pytest.fixture(scope='module')
def raw_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('cityscapes_raw'))
    for split in CITIES:
        for n, (city, stem) in enumerate(stems(split)):
            rgb, label, disparity = fake_pngs(n + 10 * (split == 'val'))
            for kind, array in (('image', rgb[..., ::-1]), ('label', label),
                                ('disparity', disparity)):
                path = cs.input_path(root, split, city, stem, kind)
                os.makedirs(osp.dirname(path), exist_ok=True)
                assert cv2.imwrite(path, np.ascontiguousarray(array))
    return root


@pytest.fixture(scope='module')
def converted(raw_root, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('cityscapes_out'))
    assert cs.main(['--root', raw_root, '--out', out, '--size',
                    f'{OUT_H}x{OUT_W}']) == 0
    return out


def load(root, split, folder, i):
    return np.load(osp.join(root, split, folder, f'{i}.npy'))


def test_file_counts_order_and_meta(converted):
    for split, n in (('train', 3), ('val', 2)):
        assert count_files(converted, split, cs.FOLDERS) == {
            f: n for f in cs.FOLDERS}
    with open(osp.join(converted, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['source_stem']['train'] == [
        'aachen_000000_000019', 'aachen_000001_000019',
        'bremen_000000_000019']
    assert meta['num_samples'] == dict(train=3, val=2)


def test_labels_and_categories(converted):
    for i in range(3):
        label_19 = load(converted, 'train', 'label_19', i)
        label_7 = load(converted, 'train', 'label_7', i)
        assert label_19.shape == (OUT_H, OUT_W)
        assert label_19.dtype == np.float32
        ids = np.resize(np.array(list(LABELS)), SRC_W)[1::2]
        np.testing.assert_array_equal(
            label_19, np.tile([LABELS[k][0] for k in ids], (OUT_H, 1)))
        np.testing.assert_array_equal(
            label_7, np.tile([LABELS[k][1] for k in ids], (OUT_H, 1)))


def test_label_table_matches_the_class_sets():
    train19, category7 = cs.label_tables()
    table = cs.utils.load_table('cityscapes_labels.json')
    names = {row[1]: row[0] for row in table['labels']}
    by_train_id = [names[int(np.flatnonzero(train19 == t)[0])]
                   for t in range(19)]
    assert tuple(by_train_id) == CityscapesDataset.METAINFO['classes']
    categories = {row[3] for row in table['labels']} - {'void'}
    assert len(categories) == 7
    for row in table['labels']:
        if row[1] >= 0 and row[3] != 'void':
            assert CITYSCAPES_7_METAINFO['classes'][category7[row[1]]] == \
                row[3]
    assert (train19 >= 0).sum() == 19 and category7[34:].max() == -1


def test_disparity_scale_and_invalid(converted):
    depth = load(converted, 'val', 'depth', 1)
    assert depth.shape == (OUT_H, OUT_W, 1) and depth.dtype == np.float32
    rows = np.resize(np.array(list(DISPARITY.values())), SRC_H)[1::2]
    np.testing.assert_allclose(depth[..., 0], np.tile(rows[:, None],
                                                      (1, OUT_W)), rtol=1e-6)
    assert depth.max() == pytest.approx(0.4921875)  # the MTAN files' 0.4922
    raw = np.array([list(DISPARITY)], np.uint16)
    np.testing.assert_allclose(cs.disparity_from_png(raw),
                               [list(DISPARITY.values())], rtol=1e-6)
    pixels = cs.disparity_from_png(raw, unit='pixels')
    np.testing.assert_allclose(pixels, [[0, 0, 1, 126]])


def test_image_is_rgb_area_resized(converted):
    rgb = fake_pngs(0)[0].astype(np.float64)
    image = load(converted, 'train', 'image', 0)
    assert image.shape == (OUT_H, OUT_W, 3) and image.dtype == np.float32
    np.testing.assert_allclose(image[2, 3],
                               rgb[4:6, 6:8].mean((0, 1)) / 255, atol=1e-6)


def test_missing_annotation_is_named(raw_root, tmp_path):
    city, stem = stems('val')[0]
    path = cs.input_path(raw_root, 'val', city, stem, 'disparity')
    moved = str(tmp_path / 'moved.png')
    os.rename(path, moved)
    try:
        with pytest.raises(FileNotFoundError, match=stem):
            cs.list_samples(raw_root, 'val')
    finally:
        os.rename(moved, path)
    with pytest.raises(FileNotFoundError, match='no images match'):
        cs.list_samples(str(tmp_path), 'train')


@pytest.mark.parametrize('num_classes', [7, 19])
def test_converted_tree_loads_and_passes_the_data_check(
        converted, capsys, num_classes):
    for split, count in (('train', 3), ('val', 2)):
        samples = load_every_sample(dict(
            type='CityscapesMultiTaskDataset', data_root=converted,
            split=split, num_classes=num_classes))
        assert len(samples) == count
        gt = samples[0]['data_samples']
        assert tuple(gt.gt_depth_map.data.shape) == (1, OUT_H, OUT_W)
    config = osp.join(
        REPO, 'configs/had/had_r18-d8_8xb8-2x20e_cityscapes-'
        f'{num_classes}cls-128x256_seg-depth_mmhad-protocol.py')
    out = check_dataset_passes(config, converted, capsys)
    # 2 phases x 1 training sample (contiguous halves of 3) + 2 val
    assert '4 samples' in out and 'all good' in out
