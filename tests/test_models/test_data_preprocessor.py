import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS

from tests.test_datasets.toy_tasks import toy_flow  # noqa: F401  (fixture)
from tests.test_models.utils import make_batch


def test_depth_and_normals_are_padded_with_invalid_zeros():
    pre = MODELS.build(
        dict(type='MultiTaskDataPreProcessor', mean=[0., 0., 0.],
             std=[1., 1., 1.], size=(20, 28), seg_pad_val=255))
    batch = make_batch(n=2, height=16, width=24)
    depth0 = batch['data_samples'][0].gt_depth_map.data.clone()
    out = pre(batch, training=True)
    s = out['data_samples'][0]
    assert out['inputs'].shape == (2, 3, 20, 28)
    assert s.gt_sem_seg.data.shape == (1, 20, 28)
    assert (s.gt_sem_seg.data[:, 16:, :] == 255).all()
    assert s.gt_depth_map.data.shape == (1, 20, 28)
    assert torch.equal(s.gt_depth_map.data[:, :16, :24], depth0)
    assert (s.gt_depth_map.data[:, 16:, :] == 0).all()
    assert (s.gt_depth_map.data[:, :, 24:] == 0).all()
    assert s.gt_normal_map.data.shape == (3, 20, 28)
    assert (s.gt_normal_map.data[:, :, 24:] == 0).all()
    assert tuple(s.metainfo['padding_size']) == (0, 4, 0, 4)


def test_edges_albedo_and_shading_are_padded_as_invalid():
    pre = MODELS.build(
        dict(type='MultiTaskDataPreProcessor', mean=[0., 0., 0.],
             std=[1., 1., 1.], size=(20, 28), seg_pad_val=255))
    batch = make_batch(n=2, height=16, width=24,
                       tasks=('edge', 'albedo', 'shading'))
    originals = {k: batch['data_samples'][1].get(k).data.clone()
                 for k in ('gt_edge_map', 'gt_albedo_map', 'gt_shading_map')}
    s = pre(batch, training=True)['data_samples'][1]
    for key, value in originals.items():
        data = s.get(key).data
        assert data.shape == (value.shape[0], 20, 28), key
        assert torch.equal(data[:, :16, :24], value), key
    assert (s.gt_edge_map.data[:, 16:, :] == 255).all()  # ignored
    assert (s.gt_edge_map.data[:, :, 24:] == 255).all()
    assert s.gt_edge_map.data.dtype == torch.int64
    for key in ('gt_albedo_map', 'gt_shading_map'):  # all-zero = invalid
        assert (s.get(key).data[:, 16:, :] == 0).all(), key
        assert (s.get(key).data[:, :, 24:] == 0).all(), key
    # the padding the segmentor's distillation mask reads
    assert tuple(s.metainfo['padding_size']) == (0, 4, 0, 4)


def test_a_task_registered_later_is_padded_with_its_pad_value(toy_flow):
    pre = MODELS.build(
        dict(type='MultiTaskDataPreProcessor', mean=[0., 0., 0.],
             std=[1., 1., 1.], size=(20, 28), seg_pad_val=255))
    batch = make_batch(n=2, height=16, width=24, tasks=('semantic', ))
    flow = torch.full((2, 16, 24), 3.0)
    for sample in batch['data_samples']:
        sample.gt_toy_flow_map = PixelData(data=flow.clone())
    s = pre(batch, training=True)['data_samples'][0]
    assert s.gt_toy_flow_map.data.shape == (2, 20, 28)
    assert (s.gt_toy_flow_map.data[:, :16, :24] == 3).all()
    assert (s.gt_toy_flow_map.data[:, 16:, :] == 0).all()  # pad_value 0
    assert (s.gt_toy_flow_map.data[:, :, 24:] == 0).all()
