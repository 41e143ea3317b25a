"""DumpPredictionsHook writes every task in the data-contract layout."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmhad.engine.hooks.dump_predictions_hook import (PREDICTION_LAYOUT,
                                                      DumpPredictionsHook)


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
    assert {PREDICTION_LAYOUT[k][0] for k in PREDICTION_LAYOUT} == {
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
