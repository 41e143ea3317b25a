"""TaskonomyMultiTaskDataset on a fake Taskonomy tree converted by
tools/dataset_converters/taskonomy.py, read through the ``_base_`` dataset
config's pipelines, and the ``_base_`` model with its four heads."""
import copy
import json
import os.path as osp

import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS, MODELS
from tests.test_engine.utils import REPO
from tests.test_tools.taskonomy_fakes import (H, W, convert_tree, fake_view,
                                              tk, write_tree)

from mmhad.compat import _sync_bn_to_bn
from mmhad.datasets import TaskonomyMultiTaskDataset
from mmhad.datasets.taskonomy import TASKONOMY_CLASSES

DATASET_BASE = osp.join(REPO, 'configs/_base_/datasets/taskonomy.py')
MODEL_BASE = osp.join(
    REPO, 'configs/_base_/models/mt_deeplabv3_r18-d8_taskonomy.py')
TASKS = ('semantic', 'depth', 'normal', 'edge')
VAL_SEED = 4  # collierville/point_0_view_0: the fifth view written


@pytest.fixture(scope='module')
def converted(tmp_path_factory) -> str:
    tree = write_tree(str(tmp_path_factory.mktemp('taskonomy_raw')))
    return convert_tree(tree, str(tmp_path_factory.mktemp('taskonomy_out')))


def build(converted: str, loader: str = 'val_dataloader', **overrides):
    """The dataset of ``loader`` in the ``_base_`` config, on ``converted``."""
    cfg = Config.fromfile(DATASET_BASE)[loader].dataset
    return DATASETS.build(dict(cfg.to_dict(), data_root=converted,
                               **overrides))


def test_class_list_lives_in_the_dataset(converted):
    meta = TaskonomyMultiTaskDataset.METAINFO
    assert meta['classes'] == TASKONOMY_CLASSES
    assert len(meta['classes']) == 18  # ids 0..17 of the release
    assert meta['classes'][:3] == ('uncertain', 'background', 'bottle')
    assert len({tuple(c) for c in meta['palette']}) == 18
    assert tk.CLASSES is meta['classes']  # the converter reads it
    with open(osp.join(converted, 'meta.json')) as f:
        written = json.load(f)
    assert written['classes'] == list(TASKONOMY_CLASSES)
    assert written['dataset_type'] == 'TaskonomyMultiTaskDataset'
    assert TaskonomyMultiTaskDataset.TASK_TYPES == TASKS
    assert TaskonomyMultiTaskDataset.DEPTH_IS_INVERSE is False


def test_dataset_base():
    cfg = Config.fromfile(DATASET_BASE)
    for loader, batch in (('train_dataloader', 8), ('val_dataloader', 4),
                          ('test_dataloader', 4)):
        assert cfg[loader].batch_size == batch
        assert cfg[loader].dataset.type == 'TaskonomyMultiTaskDataset'
        assert cfg[loader].dataset.data_root == 'data/taskonomy'
        assert 'tasks' not in cfg[loader].dataset  # all four by default


def test_val_pipeline_reads_what_the_tree_encoded(converted):
    dataset = build(converted)
    assert isinstance(dataset, TaskonomyMultiTaskDataset)
    assert len(dataset) == 2 and dataset.tasks == TASKS
    info = dataset.get_data_info(0)
    assert info['edge_map_path'] == osp.join(converted, 'val', 'edge', '0.npy')
    assert info['num_classes'] == 18
    sample = dataset[0]['data_samples']
    raw = fake_view(VAL_SEED)

    edge = sample.gt_edge_map.data[0]
    assert edge.shape == (H, W)
    expected = np.zeros((H, W), np.int64)
    expected[:, 5] = 1  # 3000 >= 2; column 6 (strength 1) is no edge
    np.testing.assert_array_equal(edge.numpy(), expected)

    depth = sample.gt_depth_map.data[0]
    assert (depth[0] == 0).all()  # 65535: no surface
    np.testing.assert_allclose(depth[1:].numpy(), 1024 / 512)  # metres

    label = sample.gt_sem_seg.data[0]
    names = dataset.metainfo['classes']
    assert names[int(label[3, 5])] == 'background'  # id 5 % 4 = 1
    assert names[int(label[3, 6])] == 'bottle'  # id 2
    assert int(label[3, 4]) == 255  # id 0 'uncertain': ignored
    np.testing.assert_array_equal(
        label[3].numpy(),
        np.where(raw['segment_semantic'][3] == 0, 255,
                 raw['segment_semantic'][3]))

    normal = sample.gt_normal_map.data
    np.testing.assert_allclose(normal[:, 3, 5].numpy(), [0, 0, -1],
                               atol=1e-2)
    assert (normal[:, 0] == 0).all()  # masked where the depth is invalid


def test_train_pipeline_and_task_subsets(converted):
    sample = build(converted, 'train_dataloader')[1]['data_samples']
    assert set(sample.gt_edge_map.data.unique().tolist()) <= {0, 1, 255}
    depth = sample.gt_depth_map.data
    zoomed = depth[depth > 0].unique()  # metres: divided by the zoom
    assert len(zoomed) == 1
    assert min(abs(float(zoomed) - 2.0 / s) for s in (1.0, 1.2, 1.5)) < 1e-5
    edge_only = build(converted, tasks=('edge', ))[0]['data_samples']
    assert 'gt_edge_map' in edge_only and 'gt_sem_seg' not in edge_only


def test_missing_domain_names_the_converter(converted, tmp_path):
    tree = write_tree(str(tmp_path / 'raw'))
    out = convert_tree(tree, str(tmp_path / 'out'), ['depth_zbuffer'])
    assert len(build(out, tasks=('depth', ))) == 2
    with pytest.raises(FileNotFoundError, match='--tasks'):
        build(out, tasks=('depth', 'edge'))


def test_model_base_builds_four_heads(converted):
    cfg = copy.deepcopy(Config.fromfile(MODEL_BASE).model.to_dict())
    cfg['backbone']['init_cfg'] = None
    assert _sync_bn_to_bn(cfg) > 0
    model = MODELS.build(cfg)
    assert list(model.tasks) == list(TASKS)
    heads = model.decode_heads
    assert heads['semantic'].num_classes == len(TASKONOMY_CLASSES)
    assert type(heads['edge']).__name__ == 'EdgeASPPHead'
    assert heads['edge'].num_classes == 2

    # one supervised step on the converted samples reaches every head
    dataset = build(converted)
    batch = model.data_preprocessor(
        dict(inputs=[dataset[i]['inputs'] for i in range(2)],
             data_samples=[dataset[i]['data_samples'] for i in range(2)]),
        True)
    losses = model.loss(batch['inputs'], batch['data_samples'])
    for task in TASKS:
        terms = [v for k, v in losses.items()
                 if k.startswith(f'{task}.') and 'loss' in k]
        assert terms, f'no loss of {task}: {sorted(losses)}'
        assert all(torch.isfinite(v).all() for v in terms)
