import pytest
import torch
from mmseg.registry import MODELS

from mmhad.models.losses import db_group_ids
from tests.test_models.utils import SIX_TASKS, make_batch, tiny_model_cfg

HAD = dict(
    type='HADDistillLoss',
    loss_weight=3.0,
    losses=dict(
        semantic=dict(type='HADLoss', output_type='segmentation'),
        depth=dict(type='HADLoss', output_type='regression'),
        normal=dict(type='HADLoss', output_type='normal')))


def student_with_teacher():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(distill_loss=HAD))
    model.set_tasks(active=['semantic', 'depth'],
                    learned=['semantic', 'depth'])
    teacher = model.snapshot()
    model.set_teacher(teacher)
    model.set_tasks(active=['normal'], learned=model.tasks)
    return model, teacher


def count_calls(module):
    calls = []
    module.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_teacher_backbone_runs_once_for_all_old_tasks():
    model, teacher = student_with_teacher()
    teacher_calls = count_calls(teacher.backbone)
    student_calls = count_calls(model.backbone)
    head_calls = {t: count_calls(teacher.decode_heads[t].conv_seg)
                  for t in teacher.tasks}
    data = model.data_preprocessor(make_batch(tasks=('normal', )), True)
    losses = model(**data, mode='loss')
    assert model.distilled_tasks() == ['semantic', 'depth']
    assert len(teacher_calls) == 1  # one pass however many old tasks
    assert len(student_calls) == 1  # new and old heads share it
    assert {t: len(c) for t, c in head_calls.items()} == {
        'semantic': 1, 'depth': 1, 'normal': 0}
    assert {'normal.loss_normal', 'loss_distill'} <= set(losses)
    assert not any('loss' in k for k in losses
                   if k.startswith('distill_'))


def test_distillation_trains_student_old_heads_not_teacher():
    model, teacher = student_with_teacher()
    data = model.data_preprocessor(make_batch(tasks=('normal', )), True)
    losses = model(**data, mode='loss')
    losses['loss_distill'].backward()
    assert model.decode_heads['semantic'].conv_seg.weight.grad is not None
    assert model.decode_heads['depth'].conv_seg.weight.grad is not None
    assert model.backbone.stem[0].weight.grad is not None
    assert all(p.grad is None for p in teacher.parameters())
    assert not teacher.training


def test_student_equal_to_teacher_has_zero_lwf_distillation():
    torch.manual_seed(0)
    lwf = dict(HAD, losses={
        t: dict(c, type='LwFLoss') for t, c in HAD['losses'].items()})
    model = MODELS.build(tiny_model_cfg(distill_loss=lwf)).eval()
    model.set_teacher(model.snapshot())
    model.set_tasks(active=['normal'], learned=model.tasks)
    # in eval mode the student computes what the teacher computes; the
    # regression terms vanish, the segmentation term is the CE of the
    # teacher's own arg-max, which a hand computation reproduces
    data = model.data_preprocessor(make_batch(tasks=('normal', )), True)
    out = model(**data, mode='loss')
    assert float(out['distill_depth']) == 0.0
    metas = [s.metainfo for s in data['data_samples']]
    logits = model.encode_decode(data['inputs'], metas)['semantic']
    ce = torch.nn.functional.cross_entropy(logits, logits.argmax(1))
    assert float(out['distill_semantic']) == pytest.approx(ce.item(),
                                                           rel=1e-5)
    # lambda * mean over the two old tasks
    assert float(out['loss_distill']) == pytest.approx(
        3.0 * (ce.item() + 0.0) / 2, rel=1e-5)


HAD6 = dict(HAD, losses=dict(
    HAD['losses'],
    edge=dict(type='HADLoss', output_type='segmentation'),
    albedo=dict(type='HADLoss', output_type='regression'),
    shading=dict(type='HADLoss', output_type='regression')))


def test_six_tasks_distil_edges_as_classes_and_intrinsics_as_values():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(tasks=SIX_TASKS, distill_loss=HAD6))
    old = ['semantic', 'depth', 'normal', 'edge', 'albedo']
    model.set_tasks(active=old, learned=old)
    model.set_teacher(model.snapshot())
    model.set_tasks(active=['shading'], learned=model.tasks)
    data = model.data_preprocessor(make_batch(tasks=('shading', )), True)
    losses = model(**data, mode='loss')
    assert model.distilled_tasks() == old
    for task in old:
        assert torch.isfinite(losses[f'distill_{task}']), task
        assert {f'distill_{task}_db', f'distill_{task}_sg'} <= set(losses)
    assert {'shading.loss_shading', 'loss_distill'} <= set(losses)
    losses['loss_distill'].backward()
    for task in ('edge', 'albedo'):
        assert model.decode_heads[task].conv_seg.weight.grad is not None
    # the teacher's edge output is 2-class logits: DB-HAD groups its pixels
    # by pseudo-class (edge / no edge); albedo by its normalised value
    metas = [s.metainfo for s in data['data_samples']]
    out = model.teacher.encode_decode(data['inputs'], metas)
    assert out['edge'].shape[1] == 2 and out['albedo'].shape[1] == 3
    ids, groups = db_group_ids(out['edge'], out['edge'], 'segmentation')
    assert groups == 2 and torch.equal(ids, out['edge'].argmax(1))
    ids, groups = db_group_ids(out['albedo'], out['albedo'], 'regression')
    v = out['albedo'].mean(1)
    v = (v - v.amin((1, 2), keepdim=True)) / (
        v.amax((1, 2), keepdim=True) - v.amin((1, 2), keepdim=True))
    assert groups == 2 and torch.equal(ids, (v > 0.5).long())
