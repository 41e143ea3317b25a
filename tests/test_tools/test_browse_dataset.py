"""tools/misc/browse_dataset.py on the tiny synthetic scenes."""
import os.path as osp

import mmcv
import numpy as np
import pytest

from mmhad.utils.cli import run_tool
from tests.test_engine.utils import REPO, make_tiny_scenes
from tests.test_tools.utils import load_tool

browse = load_tool('misc/browse_dataset.py')
SIX = osp.join(REPO, 'configs/had/had_r18-d8_1xb8-6x150it_synthetic-96x128_seg-depth-normal-edge-albedo-shading_mmhad-protocol.py')
#: The tasks of the six-phase config's data (whatever else is registered).
SIX_TASKS = ('semantic', 'depth', 'normal', 'edge', 'albedo', 'shading')
THREE = osp.join(REPO, 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py')
H, W = 32, 48  # make_tiny_scenes


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return make_tiny_scenes(str(tmp_path_factory.mktemp('scenes')))


def options(root, *more):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}', *more]


def input_rgb(root, split, index):
    image = np.load(osp.join(root, split, 'image', f'{index}.npy'))
    return np.round(image * 255).astype(np.uint8)


def test_every_task_after_the_train_pipeline(root, tmp_path):
    # prob=1: the pipeline's flip always happens, the panel shows it
    files = browse.main([
        SIX, '--out-dir', str(tmp_path), '-n', '2',
        *options(root, 'train_dataloader.dataset.pipeline.2.prob=1.0')])
    assert [osp.basename(f) for f in files] == ['train_0.png', 'train_1.png']
    panel = mmcv.imread(files[1], channel_order='rgb')
    # one row per task (ground truth only), input | GT | colour bar
    assert panel.shape == (H * len(SIX_TASKS), 2 * W + max(4, W // 8), 3)
    flipped = input_rgb(root, 'train', 1)[:, ::-1]
    assert np.abs(panel[:H, :W].astype(int) - flipped).max() <= 1
    assert (panel[:H, W:2 * W] != panel[H:2 * H, W:2 * W]).any()


def test_phase_holds_its_images_and_task(root, tmp_path):
    files = browse.main([THREE, '--out-dir', str(tmp_path), '-n', '9',
                         '--phase', '1', *options(root)])
    # 12 images in 3 contiguous chunks: phase 1 = images 4..7, depth only
    assert [osp.basename(f) for f in files] == [
        f'phase1_{i}.png' for i in range(4, 8)]
    assert mmcv.imread(files[0]).shape[0] == H


def test_val_split_and_errors(root, tmp_path, capsys):
    files = browse.main([THREE, '--out-dir', str(tmp_path), '-n', '1',
                         '--split', 'val', *options(root)])
    panel = mmcv.imread(files[0], channel_order='rgb')
    assert np.abs(panel[:H, :W].astype(int) -
                  input_rgb(root, 'val', 0)).max() <= 1
    assert run_tool(browse.main, [THREE, '--out-dir', str(tmp_path),
                                  '--phase', '7', *options(root)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        'has no training phase 7')
    with pytest.raises(SystemExit):
        browse.main([THREE, '--out-dir', str(tmp_path), '--phase', '0',
                     '--split', 'val'])
