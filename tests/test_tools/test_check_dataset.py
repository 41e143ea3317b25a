"""Issue 7 item 8: every bad file is found before training, each named."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmhad.utils.cli import run_tool
from tests.test_engine.utils import REPO, make_tiny_scenes, tiny_config
from tests.test_tools.utils import load_tool

check_tool = load_tool('misc/check_dataset.py')
train_tool = load_tool('train.py')

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


@pytest.fixture
def bad_scenes(tmp_path):
    """Tiny scenes (12 train in 3 chunks of 4, 4 val) with one bad file of
    each kind, in every phase's chunk and in the val set."""
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    train = osp.join(root, 'train')
    depth = osp.join(train, 'depth', '5.npy')  # phase 1 (depth)
    array = np.load(depth)
    array[0, 0] = np.nan
    np.save(depth, array)
    # phase 2 (normal): 2 channels instead of 3
    np.save(osp.join(train, 'normal', '9.npy'),
            np.zeros((32, 48, 2), np.float32))
    # phase 0 (semantic): a class id out of range, a non-numpy label
    label = np.load(osp.join(train, 'label', '1.npy'))
    label[0, 0] = 99
    np.save(osp.join(train, 'label', '1.npy'), label)
    with open(osp.join(train, 'label', '2.npy'), 'w') as f:
        f.write('not an array')
    # a truncated image in phase 0
    image = osp.join(train, 'image', '3.npy')
    with open(image, 'rb') as f:
        data = f.read()
    with open(image, 'wb') as f:
        f.write(data[:len(data) // 2])
    # val: a depth map of the wrong size
    np.save(osp.join(root, 'val', 'depth', '0.npy'),
            np.ones((16, 48), np.float32))
    bad = {
        depth: 'non-finite',
        osp.join(train, 'normal', '9.npy'): 'H x W x 3',
        osp.join(train, 'label', '1.npy'): 'offending values: [99',
        osp.join(train, 'label', '2.npy'): 'not a readable .npy',
        image: 'image',
        osp.join(root, 'val', 'depth', '0.npy'): 'but the image is 32x48',
    }
    return root, bad


def _config(root, tmp_path):
    path = str(tmp_path / 'cfg.py')
    tiny_config(HAD, root, str(tmp_path / 'w')).dump(path)
    return path


def test_check_dataset_lists_every_bad_file(bad_scenes, tmp_path, capsys):
    root, bad = bad_scenes
    code = run_tool(check_tool.main, [_config(root, tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(root)]
    for path, what in bad.items():
        hits = [line for line in lines if line.startswith(path + ':')]
        assert len(hits) == 1 and what in hits[0], (path, lines)
    assert len(lines) == len(bad)
    assert out.rstrip().splitlines()[-1].endswith(f'{len(bad)} bad file(s)')


def test_check_dataset_phase_and_split_and_clean_data(bad_scenes, tmp_path,
                                                      capsys):
    root, bad = bad_scenes
    cfg = _config(root, tmp_path)
    assert run_tool(check_tool.main, [cfg, '--phase', '1']) == 1
    out = capsys.readouterr().out
    assert 'depth/5.npy' in out and 'normal/9.npy' not in out
    assert 'val' + os.sep not in out
    assert run_tool(check_tool.main, [cfg, '--split', 'val']) == 1
    out = capsys.readouterr().out
    assert 'val/depth/0.npy' in out and 'train' + os.sep not in out
    clean = make_tiny_scenes(str(tmp_path / 'clean'))
    assert run_tool(check_tool.main, [_config(clean, tmp_path)]) == 0
    assert 'all good' in capsys.readouterr().out


def test_missing_folder_is_one_problem(tmp_path, capsys):
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    os.remove(osp.join(root, 'train', 'depth', '6.npy'))
    assert run_tool(check_tool.main, [_config(root, tmp_path)]) == 1
    out = capsys.readouterr().out
    assert 'train dataset: ValueError' in out and 'missing: [6.npy]' in out
    assert 'data check: 4 samples' in out  # the val set is still checked


def test_train_checks_data_first_and_ends_with_one_line(bad_scenes, tmp_path,
                                                        capsys):
    root, bad = bad_scenes
    cfg = _config(root, tmp_path)
    work_dir = str(tmp_path / 'run')
    code = run_tool(train_tool.main, [cfg, '--work-dir', work_dir])
    err = capsys.readouterr().err
    assert code == 2
    last = err.rstrip().splitlines()[-1]
    assert last.startswith('mmhad: error: the data check found 6 bad file(s)')
    assert '--skip-data-check' in last
    assert not osp.exists(osp.join(work_dir, 'last_checkpoint'))
    with pytest.raises(Exception, match='bad file'):
        run_tool(train_tool.main, [cfg, '--work-dir', work_dir, '--debug'])


def test_train_user_error_in_a_subprocess(tmp_path):
    """The real command line: last stderr line, exit code 2, no traceback;
    MMHAD_DEBUG=1 shows it."""
    root = make_tiny_scenes(str(tmp_path / 'scenes'))
    cfg = tiny_config(HAD, root, str(tmp_path / 'w'))
    cfg.distill_loss.loss_weight = -1
    path = str(tmp_path / 'cfg.py')
    cfg.dump(path)
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), path]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=str(tmp_path))
    assert done.returncode == 2, done.stderr
    last = done.stderr.rstrip().splitlines()[-1]
    assert last.startswith('mmhad: error: Invalid config:')
    assert 'loss_weight=-1' in last
    assert 'Traceback' not in done.stderr
    env['MMHAD_DEBUG'] = '1'
    done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=str(tmp_path))
    assert done.returncode == 1 and 'Traceback' in done.stderr


@pytest.mark.parametrize('content', ['truncated', 'text'])
def test_training_image_loader_names_a_broken_file(tmp_path, content):
    """The path training takes (not only the check) names the file."""
    from mmhad.datasets.transforms import LoadMultiTaskImageFromNpy
    path = str(tmp_path / '0.npy')
    np.save(path, np.zeros((8, 8, 3), np.float32))
    if content == 'truncated':
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) - 20])
    else:
        with open(path, 'w') as f:
            f.write('not an array')
    with pytest.raises(ValueError, match=f'{path} is not a readable .npy'):
        LoadMultiTaskImageFromNpy()(dict(img_path=path))


def test_missing_config_is_one_line(tmp_path, capsys):
    missing = str(tmp_path / 'nope.py')
    assert run_tool(check_tool.main, [missing]) == 2
    assert run_tool(train_tool.main, [missing]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f'mmhad: error: config file {missing} does not exist'] * 2
