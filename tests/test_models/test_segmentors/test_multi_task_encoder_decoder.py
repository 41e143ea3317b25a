import pytest
import torch
from mmseg.registry import MODELS

from tests.test_models.utils import SIX_TASKS, make_batch, tiny_model_cfg


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(**kwargs))


def test_loss_has_one_prefixed_term_per_active_task():
    model = build()
    data = model.data_preprocessor(make_batch(), True)
    losses = model(**data, mode='loss')
    assert {k for k in losses if 'loss' in k} == {
        'semantic.loss_ce', 'depth.loss_depth', 'normal.loss_normal'}
    model.set_tasks(active=['depth'])
    losses = model(**data, mode='loss')
    assert [k for k in losses if 'loss' in k] == ['depth.loss_depth']


def test_loss_backward_reaches_only_active_head():
    model = build()
    model.set_tasks(active=['normal'])
    data = model.data_preprocessor(make_batch(), True)
    sum(v for k, v in model(**data, mode='loss').items()
        if 'loss' in k).backward()
    assert model.decode_heads['normal'].conv_seg.weight.grad is not None
    assert model.backbone.stem[0].weight.grad is not None
    assert model.decode_heads['depth'].conv_seg.weight.grad is None


def test_active_task_without_labels_is_a_clear_error():
    model = build()
    data = model.data_preprocessor(make_batch(tasks=('semantic', )), True)
    with pytest.raises(KeyError, match='task "depth" is active'):
        model(**data, mode='loss')


def test_predict_fills_each_learned_task_at_original_size():
    model = build().eval()
    batch = make_batch(height=20, width=30)  # padded to 24 x 32 by /8
    data = model.data_preprocessor(batch, False)
    assert data['inputs'].shape[-2:] == (20, 30)
    with torch.no_grad():
        out = model(**data, mode='predict')
    s = out[0]
    assert s.pred_sem_seg.data.shape == (1, 20, 30)
    assert s.seg_logits.data.shape == (4, 20, 30)
    assert s.pred_depth_map.data.shape == (1, 20, 30)
    assert (s.pred_depth_map.data >= 0).all()
    norms = s.pred_normal_map.data.norm(dim=0)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)


def test_learned_tasks_limit_predictions_and_survive_state_dict():
    model = build().eval()
    model.set_tasks(learned=['semantic'])
    data = model.data_preprocessor(make_batch(), False)
    with torch.no_grad():
        s = model(**data, mode='predict')[0]
    assert 'pred_sem_seg' in s and 'pred_depth_map' not in s
    fresh = build()
    assert fresh.learned_tasks == ['semantic', 'depth', 'normal']
    fresh.load_state_dict(model.state_dict())
    assert fresh.learned_tasks == ['semantic']
    # the heads listed in another order (as in the config mmengine dumps
    # into the work dir, keys sorted) read the same learned tasks
    model.set_tasks(learned=['semantic', 'depth'])
    reordered = build(tasks=('normal', 'depth', 'semantic'))
    reordered.load_state_dict(model.state_dict())
    assert reordered.learned_tasks == ['depth', 'semantic']


def test_unknown_task_names_are_rejected():
    with pytest.raises(KeyError, match="unknown task"):
        build(active_tasks=['semantic', 'albedo'])
    with pytest.raises(ValueError, match='whole'):
        build(test_cfg=dict(mode='slide'))


def test_tensor_mode_returns_raw_outputs_per_task():
    model = build(tasks=('semantic', 'depth'))
    data = model.data_preprocessor(make_batch(height=16, width=24), False)
    out = model(**data, mode='tensor')
    assert out['semantic'].shape == (2, 4, 2, 3)  # stride 8
    assert out['depth'].shape == (2, 1, 2, 3)


def test_snapshot_is_frozen_independent_copy():
    model = build()
    teacher = model.snapshot()
    assert not teacher.training
    assert all(not p.requires_grad for p in teacher.parameters())
    with torch.no_grad():
        model.backbone.stem[0].weight.add_(1.0)
    assert not torch.equal(model.backbone.stem[0].weight,
                           teacher.backbone.stem[0].weight)


def test_six_heads_read_and_write_their_own_fields():
    model = build(tasks=SIX_TASKS)
    assert {t: model.gt_field(t) for t in model.tasks} == dict(
        semantic='gt_sem_seg', depth='gt_depth_map',
        normal='gt_normal_map', edge='gt_edge_map',
        albedo='gt_albedo_map', shading='gt_shading_map')
    data = model.data_preprocessor(make_batch(tasks=SIX_TASKS), True)
    losses = model(**data, mode='loss')
    assert {k for k in losses if 'loss' in k} == {
        'semantic.loss_ce', 'depth.loss_depth', 'normal.loss_normal',
        'edge.loss_edge', 'albedo.loss_albedo', 'shading.loss_shading'}
    assert all(torch.isfinite(v) for k, v in losses.items() if 'loss' in k)
    # the edge head trains on edges only, never on gt_sem_seg
    model.set_tasks(active=['edge'])
    data = model.data_preprocessor(make_batch(tasks=('edge', )), True)
    assert [k for k in model(**data, mode='loss') if 'loss' in k] == [
        'edge.loss_edge']
    data = model.data_preprocessor(make_batch(tasks=('semantic', )), True)
    with pytest.raises(KeyError, match='"gt_edge_map"'):
        model(**data, mode='loss')


def test_six_heads_predict_their_fields_in_range():
    model = build(tasks=SIX_TASKS).eval()
    batch = make_batch(height=20, width=30, tasks=SIX_TASKS)
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        s = model(**data, mode='predict')[0]
    assert s.pred_sem_seg.data.shape == (1, 20, 30)
    assert s.seg_logits.data.shape == (4, 20, 30)  # not the edge logits
    assert s.edge_logits.data.shape == (2, 20, 30)
    edge = s.pred_edge_map.data
    assert edge.shape == (1, 20, 30)
    assert torch.equal(edge, s.edge_logits.data.argmax(0, keepdim=True))
    albedo = s.pred_albedo_map.data
    assert albedo.shape == (3, 20, 30)
    assert (albedo >= 0).all() and (albedo <= 1).all()
    shading = s.pred_shading_map.data
    assert shading.shape == (1, 20, 30)
    assert (shading >= 0).all() and (shading <= 2).all()


def test_flipped_edge_prediction_is_mirrored_back():
    model = build(tasks=('edge', )).eval()
    logits = torch.randn(1, 2, 4, 6)
    meta = dict(ori_shape=(4, 6), img_shape=(4, 6), flip=True,
                flip_direction='horizontal')
    s = model.postprocess_result({'edge': logits}, None, [meta])[0]
    assert torch.equal(s.edge_logits.data, logits[0].flip(-1))
    assert 'pred_sem_seg' not in s and 'seg_logits' not in s
