import glob
import os.path as osp

import numpy as np
import pytest

from tests.test_engine.utils import REPO, make_tiny_scenes
from tests.test_tools.utils import load_tool


def stack(root, split, folder):
    files = sorted(glob.glob(osp.join(root, split, folder, '*.npy')),
                   key=lambda p: int(osp.basename(p)[:-4]))
    return np.stack([np.load(f) for f in files])


def test_constant_predictions_match_numpy(tmp_path):
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    opts = [f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}']
    metrics = load_tool('analysis_tools/trivial_baseline.py').main([
        osp.join(REPO, 'configs/joint/joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'),
        '--out', str(tmp_path / 'm.json'), '--cfg-options', *opts])

    train_label = stack(root, 'train', 'label')
    majority = np.bincount(train_label[train_label >= 0].astype(int)).argmax()
    val_label = stack(root, 'val', 'label')
    labelled = val_label[val_label >= 0]
    assert metrics['semantic/aAcc'] == pytest.approx(
        100 * np.mean(labelled == majority), rel=1e-6)

    train_depth = stack(root, 'train', 'depth')
    mean_depth = train_depth[train_depth > 0].mean()
    val_depth = stack(root, 'val', 'depth')
    valid = val_depth[val_depth > 0]
    assert metrics['depth/abs_err'] == pytest.approx(
        np.abs(valid - mean_depth).mean(), rel=1e-4)

    normals = stack(root, 'train', 'normal').reshape(-1, 3)
    mean_normal = normals[np.abs(normals).sum(1) > 0].sum(0)
    mean_normal /= np.linalg.norm(mean_normal)
    val_normals = stack(root, 'val', 'normal').reshape(-1, 3)
    val_normals = val_normals[np.abs(val_normals).sum(1) > 0]
    cos = np.clip(val_normals @ mean_normal, -1, 1)
    angles = np.degrees(np.arccos(cos))
    assert metrics['normal/median_angle'] == pytest.approx(
        np.median(angles), abs=1e-3)
