"""The segmentor reads task definitions, not head classes (issue 8)."""
import pytest
import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from tests.test_models.utils import tiny_model_cfg, toy_task_types

HEAD = dict(in_channels=512, channels=16, dilations=(1, 2),
            dropout_ratio=0.0, norm_cfg=dict(type='BN'))


@pytest.fixture(scope='module', autouse=True)
def toy_tasks():
    with toy_task_types():
        yield


def build(decode_heads):
    torch.manual_seed(0)
    cfg = tiny_model_cfg(tasks=('depth', ))
    cfg['decode_heads'] = decode_heads
    return MODELS.build(cfg)


def flow_model():
    return build(dict(toy_flow=dict(type='RegressionASPPHead',
                                    task='toy_flow', **HEAD)))


def test_flipped_toy_flow_prediction_is_unflipped_with_x_negated():
    model = flow_model().eval()
    assert model.gt_field('toy_flow') == 'gt_toy_flow_map'
    out = torch.tensor([[[[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]]]])  # 1x2x1x3
    meta = dict(ori_shape=(1, 3), img_shape=(1, 3), flip=True,
                flip_direction='horizontal')
    s = model.postprocess_result({'toy_flow': out}, None, [meta])[0]
    # mirrored back, x negated, y kept (identity activation: no clamp)
    assert s.pred_toy_flow_map.data.tolist() == [[[-3.0, -2.0, -1.0]],
                                                 [[6.0, 5.0, 4.0]]]
    meta = dict(meta, flip=False)
    s = model.postprocess_result({'toy_flow': out}, None, [meta])[0]
    assert torch.equal(s.pred_toy_flow_map.data, out[0])
    # a vertical flip mirrors rows back and negates y instead
    out = torch.tensor([[[[1.0], [2.0]], [[3.0], [4.0]]]])  # 1x2x2x1
    meta = dict(ori_shape=(2, 1), img_shape=(2, 1), flip=True,
                flip_direction='vertical')
    s = model.postprocess_result({'toy_flow': out}, None, [meta])[0]
    assert s.pred_toy_flow_map.data.tolist() == [[[2.0], [1.0]],
                                                 [[-4.0], [-3.0]]]


def test_toy_flow_model_predicts_its_field_at_image_size():
    model = flow_model().eval()
    meta = dict(ori_shape=(16, 24), img_shape=(16, 24), pad_shape=(16, 24),
                padding_size=[0, 0, 0, 0], flip=True,
                flip_direction='horizontal')
    with torch.no_grad():
        s = model.predict(torch.rand(1, 3, 16, 24),
                          [SegDataSample(metainfo=meta)])[0]
    assert s.pred_toy_flow_map.data.shape == (2, 16, 24)
    assert 'pred_sem_seg' not in s


def test_binary_task_prediction_goes_to_its_fields():
    model = build(dict(toy_saliency=dict(type='EdgeASPPHead',
                                         task='toy_saliency',
                                         **HEAD))).eval()
    logits = torch.tensor([[[[2.0, 0.0]], [[0.0, 1.0]]]])  # 1x2x1x2
    meta = dict(ori_shape=(1, 2), img_shape=(1, 2), flip=True,
                flip_direction='horizontal')
    s = model.postprocess_result({'toy_saliency': logits}, None, [meta])[0]
    assert torch.equal(s.toy_saliency_logits.data, logits[0].flip(-1))
    assert s.pred_toy_saliency_map.data.tolist() == [[[1, 0]]]


def test_unregistered_task_is_a_clear_error_at_build_time():
    with pytest.raises(KeyError, match=r"\['nope'\].*'depth'"):
        build(dict(nope=dict(type='DepthASPPHead', **HEAD)))


def test_head_bound_to_another_task_is_refused():
    with pytest.raises(ValueError, match='head of task "depth"'):
        build(dict(normal=dict(type='DepthASPPHead', **HEAD)))
