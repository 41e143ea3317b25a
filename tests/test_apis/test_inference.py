"""End to end: train a tiny continual run, then predict with mmhad.apis.

The checkpoints are the real ones ``tools/train.py`` writes (phase
checkpoints with mmengine's message hub and meta), of a 3-phase fine-tuning
run (semantic -> depth -> normal) on tiny synthetic scenes, 1 iteration per
phase, thin ResNet-18.
"""
import copy
import datetime
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint

from mmhad.apis import init_model, inference_model, inference_pipeline_cfg
from mmhad.tasks import get_task
from mmhad.utils.checkpoint_io import CheckpointRefusedError
from tests.test_apis.conftest import HEIGHT, WIDTH

NUM_CLASSES = 6


def assert_maps_valid(maps: dict, tasks) -> None:
    """Shapes, dtypes and units of each task's map."""
    assert list(maps) == list(tasks)
    for name, array in maps.items():
        task = get_task(name)
        assert array.shape[:2] == (HEIGHT, WIDTH), name
        assert np.isfinite(array.astype(np.float64)).all(), name
        if task.is_classes:
            assert array.shape == (HEIGHT, WIDTH) and array.dtype == np.uint8
    if 'semantic' in maps:
        assert maps['semantic'].max() < NUM_CLASSES
    if 'depth' in maps:  # metres
        assert maps['depth'].shape == (HEIGHT, WIDTH)
        assert maps['depth'].dtype == np.float32
        assert (maps['depth'] >= 0).all()
    if 'normal' in maps:  # unit vectors
        normal = maps['normal']
        assert normal.shape == (HEIGHT, WIDTH, 3)
        assert normal.dtype == np.float32
        np.testing.assert_allclose(
            np.linalg.norm(normal, axis=-1), 1, atol=1e-4)


def test_final_checkpoint_predicts_every_learned_task(final_model, image):
    assert final_model.learned_tasks == ['semantic', 'depth', 'normal']
    assert final_model.dataset_meta['classes'][0] == 'floor'
    assert not final_model.training
    assert_maps_valid(inference_model(final_model, image[0]),
                      ['semantic', 'depth', 'normal'])


def test_phase_checkpoints_predict_only_their_tasks(run, image):
    cfg, work_dir = run
    model = init_model(cfg, osp.join(work_dir, 'phase0_semantic.pth'))
    maps = inference_model(model, image[1])
    assert_maps_valid(maps, ['semantic'])
    model = init_model(cfg, osp.join(work_dir, 'phase1_depth.pth'))
    assert_maps_valid(inference_model(model, image[1]), ['semantic', 'depth'])


def test_path_and_array_give_identical_outputs(final_model, image,
                                               tmp_path):
    path, img = image
    from_path = inference_model(final_model, path)
    from_array = inference_model(final_model, img)
    rgb8 = (img * 255).round().astype(np.uint8)
    png = str(tmp_path / 'img.png')
    mmcv.imwrite(rgb8[..., ::-1], png)  # mmcv writes BGR
    from_png = inference_model(final_model, png)
    from_uint8 = inference_model(final_model, rgb8)
    for name in from_path:
        np.testing.assert_array_equal(from_path[name], from_array[name])
        np.testing.assert_array_equal(from_png[name], from_uint8[name])
    # a list of images is one batch, one dict per image
    batch = inference_model(final_model, [path, rgb8])
    assert len(batch) == 2
    for name in from_path:
        np.testing.assert_allclose(batch[0][name], from_path[name],
                                   atol=1e-4)


def test_checkpoint_of_another_model_is_refused(run, tmp_path):
    cfg, work_dir = run
    other = copy.deepcopy(cfg)
    other.model.decode_heads.semantic.num_classes = 4
    with pytest.raises(ValueError, match=r'does not fit the model.*'
                       r'decode_heads\.semantic\.conv_seg\.weight: '
                       r'checkpoint \(6, 16, 1, 1\) vs model \(4, 16, 1, 1\)'):
        init_model(other, osp.join(work_dir, 'phase2_normal.pth'))
    fewer = copy.deepcopy(cfg)
    fewer.model.decode_heads.normal = None
    with pytest.raises(ValueError, match=r'weight\(s\) not in the model '
                       r'\(decode_heads\.normal\.'):
        init_model(fewer, osp.join(work_dir, 'phase2_normal.pth'))


def test_checkpoint_loads_weights_only(run, tmp_path):
    cfg, work_dir = run
    model = init_model(cfg)
    unsafe = str(tmp_path / 'unsafe.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'when': datetime.date(2026, 1, 1)}}, unsafe)
    with pytest.raises(CheckpointRefusedError, match='weights-only'):
        init_model(cfg, unsafe)
    # a plain state dict (no meta) written by mmengine loads
    plain = str(tmp_path / 'plain.pth')
    save_checkpoint(model.state_dict(), plain)
    assert init_model(cfg, plain).learned_tasks == model.learned_tasks


def test_inference_pipeline_drops_loaders(run):
    cfg, _ = run
    steps = inference_pipeline_cfg(cfg)
    assert [s['type'] for s in steps] == ['PackMultiTaskInputs']
    cfg = copy.deepcopy(cfg)
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='mmseg.LoadImageFromFile'),
        dict(type='Resize', scale=(64, 48), keep_ratio=False),
        dict(type='LoadAnnotations')]
    assert [s['type'] for s in inference_pipeline_cfg(cfg)] == [
        'Resize', 'PackMultiTaskInputs']


def test_checkpoint_without_learned_mask_predicts_every_head(run, tmp_path):
    """Older checkpoints have no ``learned_mask``: every head counts."""
    cfg, work_dir = run
    model = init_model(cfg, osp.join(work_dir, 'phase0_semantic.pth'))
    state = {k: v for k, v in model.state_dict().items()
             if k != 'learned_mask'}
    path = str(tmp_path / 'no_mask.pth')
    save_checkpoint({'state_dict': state}, path)
    assert init_model(cfg, path).learned_tasks == [
        'semantic', 'depth', 'normal']
