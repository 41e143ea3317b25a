"""DumpPredictionsHook writes every task in the data-contract layout."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmhad.engine.hooks.dump_predictions_hook import DumpPredictionsHook
from mmhad.tasks import (RegressionTask, get_task, register_task, task_names,
                         unregister_task)

BUILT_IN = ('semantic', 'depth', 'normal', 'edge', 'albedo', 'shading')


def test_new_tasks_are_dumped_like_ground_truth(tmp_path):
    h, w = 4, 5
    sample = SegDataSample(metainfo=dict(img_path='/data/val/image/7.npy'))
    edge = torch.randint(0, 2, (1, h, w))
    albedo = torch.rand(3, h, w)
    shading = torch.rand(1, h, w) * 2
    sample.pred_edge_map = PixelData(data=edge)
    sample.pred_albedo_map = PixelData(data=albedo)
    sample.pred_shading_map = PixelData(data=shading)
    DumpPredictionsHook(str(tmp_path)).dump([sample])
    assert {get_task(t).folder for t in BUILT_IN} == {
        'label', 'depth', 'normal', 'edge', 'albedo', 'shading'}
    out = {f: np.load(tmp_path / f / '7.npy')
           for f in ('edge', 'albedo', 'shading')}
    assert out['edge'].shape == (h, w) and out['edge'].dtype == np.float32
    np.testing.assert_array_equal(out['edge'], edge[0].numpy())
    assert out['albedo'].shape == (h, w, 3)
    np.testing.assert_array_equal(out['albedo'],
                                  albedo.permute(1, 2, 0).numpy())
    assert out['shading'].shape == (h, w, 1)
    assert not (tmp_path / 'label').exists()  # semantics not predicted


class ToyFlowTask(RegressionTask):
    """Dumped as H x W x 2 into its own folder."""

    name, kind, channels, folder = 'toy_dump_flow', 'multi', 2, 'flow_xy'


@pytest.fixture
def toy_flow():
    """Register :class:`ToyFlowTask` for one test."""
    register_task(force=True)(ToyFlowTask)
    yield ToyFlowTask.name
    unregister_task(ToyFlowTask.name)


def test_a_task_registered_here_is_dumped_by_its_definition(tmp_path,
                                                             toy_flow):
    """A 2-channel flow-like task defined in this file only: its folder,
    prediction field and dump form come from the definition."""
    assert toy_flow in task_names()
    h, w = 3, 4
    flow = torch.randn(2, h, w)
    labels = torch.randint(0, 6, (1, h, w))
    sample = SegDataSample(metainfo=dict(img_path='/data/val/image/2.npy'))
    sample.pred_toy_dump_flow_map = PixelData(data=flow)
    sample.pred_sem_seg = PixelData(data=labels)
    DumpPredictionsHook(str(tmp_path)).dump([sample])
    saved = np.load(tmp_path / 'flow_xy' / '2.npy')
    assert saved.shape == (h, w, 2) and saved.dtype == np.float32
    np.testing.assert_array_equal(saved, flow.permute(1, 2, 0).numpy())
    label = np.load(tmp_path / 'label' / '2.npy')
    assert label.shape == (h, w) and label.dtype == np.float32
    np.testing.assert_array_equal(label, labels[0].numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == ['flow_xy', 'label']
