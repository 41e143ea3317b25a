"""A tiny trained continual run whose checkpoints the API tests load."""
import os.path as osp

import numpy as np
import pytest
import torch

from mmhad.apis import init_model
from tests.test_engine.utils import make_tiny_scenes, tiny_config, train

CONFIG = 'configs/baselines/finetune_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
HEIGHT, WIDTH = 30, 44  # not a multiple of the size divisor (8) on purpose


@pytest.fixture(scope='session')
def run(tmp_path_factory):
    """(config, work dir) of the trained tiny run."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('apis')
    scenes = make_tiny_scenes(str(root / 'scenes'))
    cfg = tiny_config(CONFIG, scenes, str(root / 'work'), phase_iters=1)
    cfg.default_hooks.checkpoint.save_last = False
    train(cfg)
    torch.set_num_threads(threads)
    return cfg, str(root / 'work')


@pytest.fixture(scope='session')
def final_model(run):
    cfg, work_dir = run
    return init_model(cfg, osp.join(work_dir, 'phase2_normal.pth'))


@pytest.fixture(scope='session')
def image(tmp_path_factory):
    """An H x W x 3 RGB image in [0, 1], as .npy and as array."""
    rng = np.random.RandomState(0)
    img = rng.rand(HEIGHT, WIDTH, 3).astype(np.float32)
    path = str(tmp_path_factory.mktemp('img') / 'img.npy')
    np.save(path, img)
    return path, img
