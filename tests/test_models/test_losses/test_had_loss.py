"""Tests of the HAD distillation losses against hand-computed values."""
import math

import numpy as np
import pytest
import torch

import mmhad  # noqa: F401  (compat shim + registration, before mmseg.models)
from mmengine.model import BaseModel
from mmseg.registry import MODELS

from mmhad.models.losses.had_functional import (db_group_ids, db_had,
                                                masked_mean,
                                                pixel_distill_loss,
                                                sg_edge_mask, sg_had,
                                                sobel_magnitude)
from mmhad.models.losses import HADDistillLoss, HADLoss, LwFLoss

EPS = 1e-6


def _map(rows):
    """(1, H, W) float32 loss map from nested lists."""
    return torch.tensor([rows], dtype=torch.float32)


# --------------------------------------------------------------------------
# per-pixel loss maps
# --------------------------------------------------------------------------
def test_pixel_ce_against_hand_values():
    # pixel 0: S=[2, 0], T=[0.1, 0.9] -> y^=1, l = log(1 + e^2)
    # pixel 1: S=[0, 0], T=[3, 1]     -> y^=0, l = log 2
    s = torch.tensor([[2., 0.], [0., 0.]]).t().reshape(1, 2, 1, 2)
    t = torch.tensor([[0.1, 0.9], [3., 1.]]).t().reshape(1, 2, 1, 2)
    lm = pixel_distill_loss(s, t, 'segmentation')
    assert lm.shape == (1, 1, 2)
    torch.testing.assert_close(
        lm, torch.tensor([[[math.log(1 + math.e**2), math.log(2.)]]]))


def test_pixel_l1_averages_channels():
    s = torch.tensor([1., 3.]).reshape(1, 2, 1, 1)
    t = torch.tensor([2., 1.]).reshape(1, 2, 1, 1)
    # (|1-2| + |3-1|) / 2
    torch.testing.assert_close(
        pixel_distill_loss(s, t, 'regression'), torch.tensor([[[1.5]]]))


def test_pixel_normal_one_minus_cos_known_angles():
    s = torch.tensor([[1., 0., 0.]] * 3).t().reshape(1, 3, 1, 3)
    a = math.radians(60)
    # 0 deg (scaled by 2), 60 deg (scaled by 5), 90 deg (scaled by 3)
    t = torch.tensor([[2., 0., 0.], [5 * math.cos(a), 5 * math.sin(a), 0.],
                      [0., 3., 0.]]).t().reshape(1, 3, 1, 3)
    lm = pixel_distill_loss(s, t, 'normal')
    torch.testing.assert_close(lm, torch.tensor([[[0., 0.5, 1.]]]),
                               atol=1e-6, rtol=0)


def test_pixel_loss_rejects_unknown_type_and_shape_mismatch():
    with pytest.raises(ValueError):
        pixel_distill_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2),
                           'depth')
    with pytest.raises(AssertionError):
        pixel_distill_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 1, 2, 2),
                           'regression')


# --------------------------------------------------------------------------
# DB-HAD
# --------------------------------------------------------------------------
# group A = {1, 4, 4, 1}: geometric 2, arithmetic 2.5; group B = {9, 9}: 9
DB_MAP = _map([[1., 4., 9.], [4., 1., 9.]])
DB_IDS = torch.tensor([[[0, 0, 1], [0, 0, 1]]])


def _geo(values):
    return math.exp(sum(math.log(v + EPS) for v in values) / len(values))


def test_db_geometric_vs_arithmetic():
    geo = db_had(DB_MAP, DB_IDS, 2, mean='geometric', eps=EPS)
    ari = db_had(DB_MAP, DB_IDS, 2, mean='arithmetic')
    # exact with eps, and the eps-free hand value (2 + 9) / 2
    assert geo.item() == pytest.approx(
        (_geo([1, 4, 4, 1]) + _geo([9, 9])) / 2, rel=1e-6)
    assert geo.item() == pytest.approx(5.5, abs=1e-5)
    assert ari.item() == pytest.approx((2.5 + 9) / 2, rel=1e-6)


def test_db_ignores_empty_groups_and_invalid_pixels():
    # 5 groups, only 0 and 1 occupied -> still mean over the 2 non-empty ones
    assert db_had(DB_MAP, DB_IDS, 5).item() == pytest.approx(5.5, abs=1e-5)
    # invalidate one '4' and one '1' of group A: A = {1, 4} still -> 2
    valid = torch.tensor([[[True, True, True], [False, False, True]]])
    assert db_had(DB_MAP, DB_IDS, 2, valid).item() == pytest.approx(
        5.5, abs=1e-5)
    # invalidate all of group B -> only A = 2
    valid = torch.tensor([[[True, True, False], [True, True, False]]])
    assert db_had(DB_MAP, DB_IDS, 2, valid).item() == pytest.approx(
        2.0, abs=1e-5)


def test_db_exact_zero_is_stable_with_eps():
    lm = _map([[0., 4.]]).requires_grad_()
    ids = torch.zeros(1, 1, 2, dtype=torch.long)
    val = db_had(lm, ids, 1, eps=EPS)
    # geometric mean of {0 + eps, 4 + eps}: sqrt(eps * (4 + eps)) ~ 2e-3
    assert val.item() == pytest.approx(math.sqrt(EPS * (4 + EPS)), rel=1e-5)
    val.backward()
    assert torch.isfinite(lm.grad).all()
    # all-zero group gives eps, not 0 (documented)
    assert db_had(_map([[0., 0.]]), ids, 1, eps=EPS).item() == pytest.approx(
        EPS, rel=1e-4)


def test_db_no_valid_pixel_gives_zero_with_grad():
    lm = DB_MAP.clone().requires_grad_()
    val = db_had(lm, DB_IDS, 2, torch.zeros(1, 2, 3, dtype=torch.bool))
    assert val.item() == 0.0 and val.requires_grad
    val.backward()
    assert torch.equal(lm.grad, torch.zeros_like(lm))


def test_db_group_by_image():
    # image 0: A = {1, 4} (geo 2), image 1: A = {9} and B = {1}
    lm = torch.tensor([[[1., 4.]], [[9., 1.]]])
    ids = torch.tensor([[[0, 0]], [[0, 1]]])
    batch = db_had(lm, ids, 2, group_by='batch')
    image = db_had(lm, ids, 2, group_by='image')
    # batch: A = {1, 4, 9} -> 36^(1/3); B = {1}
    assert batch.item() == pytest.approx((36**(1 / 3) + 1) / 2, rel=1e-5)
    # image: (2 + (9 + 1) / 2) / 2 = 3.5
    assert image.item() == pytest.approx(3.5, rel=1e-5)


def test_db_release_softmax():
    # group means m = [2, 9] and an empty third group (m = 0 in the release)
    m = [2.0, 9.0, 0.0]
    z = sum(math.exp(-v) for v in m)
    expected = sum(math.exp(-v) / z * v for v in m) / 3   # ~0.0797864
    val = db_had(DB_MAP, DB_IDS, 3, group_weighting='release_softmax')
    assert val.item() == pytest.approx(expected, rel=1e-4)
    assert val.item() == pytest.approx(0.0797864, rel=1e-4)
    assert abs(val.item() - 5.5) > 1      # differs from the paper's uniform
    # the weights are detached: d/dm_g = w_g / G
    lm = DB_MAP.clone().requires_grad_()
    db_had(lm, DB_IDS, 3, group_weighting='release_softmax').backward()
    w_b = math.exp(-9.0) / z
    # each '9' pixel: dm_B/dl = m_B / (2 (l + eps)) = 0.5
    assert lm.grad[0, 0, 2].item() == pytest.approx(w_b / 3 * 0.5, rel=1e-3)


def test_db_rejects_bad_options():
    with pytest.raises(ValueError):
        db_had(DB_MAP, DB_IDS, 2, mean='harmonic')
    with pytest.raises(ValueError):
        db_had(DB_MAP, DB_IDS, 2, group_weighting='softmax')
    with pytest.raises(ValueError):
        db_had(DB_MAP, DB_IDS, 2, group_by='class')


# --------------------------------------------------------------------------
# grouping
# --------------------------------------------------------------------------
def test_segmentation_groups_are_teacher_argmax():
    t = torch.tensor([[0., 5.], [1., 0.], [0., 0.3]]).reshape(1, 3, 1, 2)
    ids, n = db_group_ids(torch.zeros_like(t), t, 'segmentation')
    assert n == 3
    assert ids.tolist() == [[[1, 0]]]


def test_regression_groups_minmax_per_image_and_delta_split():
    # image 0: [1, 2, 3, 5] -> [0, .25, .5, 1] -> [0, 0, 0 (tie), 1]
    # image 1: constant -> normalised to 0 -> all in group 0
    t = torch.tensor([[1., 2., 3., 5.], [7., 7., 7., 7.]]).reshape(2, 1, 1, 4)
    ids, n = db_group_ids(torch.zeros_like(t), t, 'regression', delta=0.5)
    assert n == 2
    assert ids.tolist() == [[[0, 0, 0, 1]], [[0, 0, 0, 0]]]
    # delta = 0.2 moves 0.25 to the high group
    ids, _ = db_group_ids(torch.zeros_like(t), t, 'regression', delta=0.2)
    assert ids.tolist() == [[[0, 1, 1, 1]], [[0, 0, 0, 0]]]
    # min-max over valid pixels only: drop the 5 -> [0, .5, 1, 2]
    valid = torch.tensor([[[True, True, True, False]],
                          [[True, True, True, True]]])
    ids, _ = db_group_ids(torch.zeros_like(t), t, 'regression', valid)
    assert ids[0, 0, :3].tolist() == [0, 0, 1]


def test_normal_groups_use_normalised_teacher_channel_mean():
    # channel means of the unit teacher: (1,0,0)->1/3, (0,0,-1)->-1/3,
    # (0,0,2)->(0,0,1)->1/3 (not 2/3: the pseudo-label is normalised)
    t = torch.tensor([[1., 0., 0.], [0., 0., -1.], [0., 0., 2.],
                      [0., 0., 0.5]]).t().reshape(1, 3, 1, 4)
    ids, _ = db_group_ids(torch.zeros_like(t), t, 'normal')
    # normalised to [1, 0, 1, 1] -> [1, 0, 1, 1]
    assert ids.tolist() == [[[1, 0, 1, 1]]]


def test_release_raw_student_split():
    s = torch.tensor([0.2, 0.5, 0.7, 3.0]).reshape(1, 1, 1, 4)
    t = torch.tensor([10., 0., 0., 0.]).reshape(1, 1, 1, 4)
    paper, _ = db_group_ids(s, t, 'regression')
    release, _ = db_group_ids(s, t, 'regression',
                              regression_split='release_raw_student')
    assert paper.tolist() == [[[1, 0, 0, 0]]]
    assert release.tolist() == [[[0, 0, 1, 1]]]
    with pytest.raises(ValueError):
        db_group_ids(s, t, 'regression', regression_split='raw')


# --------------------------------------------------------------------------
# SG-HAD
# --------------------------------------------------------------------------
STEP = _map([[1., 1., 1., 3., 3., 3.]] * 4)   # vertical step between col 2|3


def test_sobel_step_edge_by_hand():
    g = sobel_magnitude(STEP)
    # gx = (1 + 2 + 1) * (3 - 1) = 8 at columns 2 and 3, gy = 0 (replicate)
    expected = torch.zeros(1, 4, 6)
    expected[..., 2:4] = 8.
    torch.testing.assert_close(g, expected)


def test_sg_selects_columns_next_to_the_edge():
    mask = sg_edge_mask(STEP, k=0.9)
    expected = torch.zeros(1, 4, 6, dtype=torch.bool)
    expected[..., 2:4] = True
    assert torch.equal(mask, expected)
    # L_SG = mean of {1, 3} over the selected pixels = 2
    assert sg_had(STEP, k=0.9).item() == pytest.approx(2.0)
    # two images: the second one has no edge and adds no pixel
    two = torch.cat([STEP, torch.full_like(STEP, 5.)])
    assert sg_had(two).item() == pytest.approx(2.0)


def test_sg_constant_map_is_exact_zero_and_backward_works():
    # dyadic values: S - T is exactly 1 (float rounding noise would be
    # picked up by the min-max normalisation as edges)
    t = torch.randint(0, 8, (2, 1, 5, 5)).float() / 4
    s = (t + 1.0).requires_grad_()          # |S - T| = 1 everywhere
    val = sg_had(pixel_distill_loss(s, t, 'regression'))
    assert val.item() == 0.0 and not torch.isnan(val)
    assert val.requires_grad
    val.backward()
    assert torch.equal(s.grad, torch.zeros_like(s))
    # no edge in a constant image whatever the threshold
    assert sg_edge_mask(torch.ones(1, 3, 3), k=-1.0).sum() == 0


def test_sg_zeros_padding_makes_the_border_an_edge():
    const = torch.full((1, 4, 6), 2.)
    assert sg_had(const, padding='replicate').item() == 0.0
    # zero padding (release): corners G = 3*2*sqrt(2), other border pixels
    # G = 4*2 = 8 -> normalised [1, 8/8.49=0.94] > 0.9: whole border, l = 2
    mask = sg_edge_mask(const, padding='zeros')
    assert mask[0, 1:3, 1:5].sum() == 0 and mask.sum() == 16
    assert sg_had(const, padding='zeros').item() == pytest.approx(2.0)


def test_sg_validity_mask_excludes_pixels_and_their_neighbours():
    lm = STEP.clone()
    valid = torch.ones(1, 4, 6, dtype=torch.bool)
    valid[..., 5] = False                     # padding column
    # column 4 touches the invalid column -> not eligible; the edge at 2|3
    # is still found and column 5 (zeroed in the Sobel input) never selected
    mask = sg_edge_mask(lm, valid)
    assert mask[..., 2:4].all() and mask[..., [0, 1, 4, 5]].sum() == 0
    assert sg_had(lm, valid).item() == pytest.approx(2.0)
    # nothing valid -> 0
    assert sg_had(lm, torch.zeros_like(valid)).item() == 0.0


def test_sg_mask_is_not_differentiated():
    t = torch.rand(2, 1, 8, 8)
    s = torch.rand(2, 1, 8, 8, requires_grad=True)
    lm = pixel_distill_loss(s, t, 'regression')
    g_auto, = torch.autograd.grad(sg_had(lm), s)
    mask = sg_edge_mask(lm).float()
    assert mask.sum() > 0
    lm2 = pixel_distill_loss(s, t, 'regression')
    g_fixed, = torch.autograd.grad((lm2 * mask).sum() / mask.sum(), s)
    torch.testing.assert_close(g_auto, g_fixed)


# --------------------------------------------------------------------------
# HADLoss
# --------------------------------------------------------------------------
def _reg_pair():
    # |S - T| = STEP; teacher [0, 0, 0, 1, 1, 1] -> groups 0 | 1 by column
    t = torch.tensor([[0., 0., 0., 1., 1., 1.]] * 4).reshape(1, 1, 4, 6)
    s = t + STEP.reshape(1, 1, 4, 6)
    return s, t


def test_had_loss_combination_and_switches():
    s, t = _reg_pair()
    # DB: group 0 = {1}x12 -> 1, group 1 = {3}x12 -> 3 => L_DB = 2 (+eps)
    # SG: columns 2, 3 -> (1 + 3) / 2 = 2
    db = HADLoss('regression', use_sg=False)(s, t).item()
    sg = HADLoss('regression', use_db=False)(s, t).item()
    both = HADLoss('regression')(s, t).item()
    assert db == pytest.approx(2.0, abs=1e-5)
    assert sg == pytest.approx(2.0)
    assert both == pytest.approx((db + sg) / 2)
    weighted = HADLoss('regression', w_db=2.0, w_sg=0.5, loss_weight=3.0)
    assert weighted(s, t).item() == pytest.approx(3 * (2 * db + 0.5 * sg) / 2)
    # lwf: plain mean of l = (1 * 12 + 3 * 12) / 24 = 2; with a mask
    lwf = LwFLoss('regression')
    assert lwf(s, t).item() == pytest.approx(2.0)
    valid = torch.zeros(1, 4, 6, dtype=torch.bool)
    valid[..., 4:] = True
    assert lwf(s, t, valid).item() == pytest.approx(3.0)
    assert masked_mean(STEP, valid).item() == pytest.approx(3.0)


def test_had_loss_imbalanced_db_differs_from_mean():
    # 3 pixels of group 0 with l = 1 and 1 pixel of group 1 with l = 9
    t = torch.tensor([0., 0., 0., 1.]).reshape(1, 1, 1, 4)
    s = t + torch.tensor([1., 1., 1., 9.]).reshape(1, 1, 1, 4)
    db = HADLoss('regression', use_sg=False)(s, t).item()
    assert db == pytest.approx(5.0, abs=1e-5)          # (1 + 9) / 2
    lwf = LwFLoss('regression')(s, t).item()
    assert lwf == pytest.approx(3.0)                   # 12 / 4


def test_had_loss_release_options_change_value_as_documented():
    s, t = _reg_pair()
    paper = HADLoss('regression', use_sg=False)(s, t).item()
    # release_softmax over the two groups m = [1, 3]
    z = math.exp(-1) + math.exp(-3)
    expected = (math.exp(-1) * 1 + math.exp(-3) * 3) / z / 2
    rel = HADLoss('regression', use_sg=False,
                  group_weighting='release_softmax')(s, t).item()
    assert rel == pytest.approx(expected, rel=1e-4)
    assert rel != pytest.approx(paper, rel=1e-3)
    # release_raw_student: S = 1 or 4 > 0.5 everywhere -> one group, its
    # geometric mean sqrt(1 * 3) instead of (1 + 3) / 2
    raw = HADLoss('regression', use_sg=False,
                  regression_split='release_raw_student')(s, t).item()
    assert raw == pytest.approx(math.sqrt(3.0), rel=1e-5)


def test_had_loss_config_validation_and_registry():
    with pytest.raises(ValueError):
        HADLoss('regression', use_db=False, use_sg=False)
    with pytest.raises(ValueError):
        HADLoss('depth')
    with pytest.raises(TypeError):  # LwF is its own class, LwFLoss
        HADLoss('regression', mode='plain')
    with pytest.raises(ValueError):
        HADLoss('regression', sobel_padding='reflect')
    loss = MODELS.build(dict(type='HADLoss', output_type='normal'))
    assert isinstance(loss, HADLoss) and loss.loss_name == 'loss_had'


@pytest.mark.parametrize('output_type,channels',
                         [('segmentation', 5), ('regression', 1),
                          ('normal', 3)])
def test_gradients_reach_student_only(output_type, channels):
    torch.manual_seed(0)
    s = torch.randn(2, channels, 16, 16, requires_grad=True)
    t_plain = torch.randn(2, channels, 16, 16)
    t_grad = t_plain.clone().requires_grad_()   # teacher by mistake w/ grad
    for teacher in (t_plain, t_grad):
        loss = HADLoss(output_type)(s, teacher)
        loss.backward()
        assert torch.isfinite(loss)
        assert s.grad is not None and torch.isfinite(s.grad).all()
        assert s.grad.abs().sum() > 0
        assert teacher.grad is None
        s.grad = None


def test_amp_dtype_is_float32():
    s = torch.randn(1, 4, 8, 8, dtype=torch.bfloat16, requires_grad=True)
    t = torch.randn(1, 4, 8, 8, dtype=torch.bfloat16)
    loss = HADLoss('segmentation')(s, t)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    assert s.grad.dtype == torch.bfloat16


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_runs_on_cuda():
    s = torch.randn(2, 3, 8, 8, device='cuda', requires_grad=True)
    t = torch.randn(2, 3, 8, 8, device='cuda')
    loss = HADLoss('normal')(s, t, torch.ones(2, 8, 8, dtype=torch.bool,
                                               device='cuda'))
    loss.backward()
    assert loss.device.type == 'cuda'


# --------------------------------------------------------------------------
# HADDistillLoss
# --------------------------------------------------------------------------
def _two_task_inputs():
    # depth: |S - T| = 0.5 everywhere -> L = 0.5 (lwf);
    # semantic: S = 0 logits over 4 classes -> CE = log 4 everywhere
    dt = torch.rand(2, 1, 4, 4)
    student = dict(depth=(dt + 0.5).requires_grad_(),
                   semantic=torch.zeros(2, 4, 4, 4, requires_grad=True))
    teacher = dict(depth=dt, semantic=torch.randn(2, 4, 4, 4),
                   normal=torch.randn(2, 3, 4, 4))   # extra: ignored
    return student, teacher


def _distiller(**kwargs):
    return MODELS.build(dict(
        type='HADDistillLoss',
        losses=dict(
            semantic=dict(type='LwFLoss', output_type='segmentation'),
            depth=dict(type='LwFLoss', output_type='regression',
                       loss_weight=2.0),
            normal=dict(type='HADLoss', output_type='normal')),
        **kwargs))


def test_distiller_lambda_times_mean_over_tasks():
    student, teacher = _two_task_inputs()
    distill = _distiller(loss_weight=3.0)
    assert isinstance(distill, HADDistillLoss)
    total = distill(student, teacher)
    # 3 * (log 4 + 2 * 0.5) / 2
    assert total.item() == pytest.approx(3 * (math.log(4) + 1.0) / 2,
                                         rel=1e-5)
    total.backward()
    assert student['depth'].grad is not None
    assert teacher['depth'].grad is None


def test_distiller_log_keys_are_not_optimised():
    student, teacher = _two_task_inputs()
    out = _distiller().loss_dict(student, teacher)
    assert set(out) == {'loss_distill', 'distill_semantic',
                        'distill_semantic_lwf', 'distill_depth',
                        'distill_depth_lwf'}
    assert out['distill_depth'].item() == pytest.approx(1.0, rel=1e-5)
    assert out['distill_depth_lwf'].item() == pytest.approx(0.5, rel=1e-5)
    for key, value in out.items():
        if key != 'loss_distill':
            assert 'loss' not in key and not value.requires_grad

    class _Model(BaseModel):
        def forward(self, *args, **kwargs):
            pass

    parsed, log_vars = _Model().parse_losses(out)
    torch.testing.assert_close(parsed, out['loss_distill'])
    assert 'distill_depth_lwf' in log_vars


def test_distiller_had_parts_and_masks():
    s, t = _reg_pair()
    distill = HADDistillLoss(
        dict(depth=dict(type='HADLoss', output_type='regression')),
        loss_weight=1.0)
    out = distill.loss_dict(dict(depth=s), dict(depth=t))
    assert out['distill_depth_db'].item() == pytest.approx(2.0, abs=1e-5)
    assert out['distill_depth_sg'].item() == pytest.approx(2.0)
    valid = torch.ones(1, 4, 6, dtype=torch.bool)
    valid[..., :3] = False               # only the '3' columns remain
    by_tensor = distill(dict(depth=s), dict(depth=t), valid)
    by_dict = distill(dict(depth=s), dict(depth=t), dict(depth=valid))
    torch.testing.assert_close(by_tensor, by_dict)
    # DB: one group {3} -> 3; SG: column 3 touches the invalid column 2 and
    # the rest is constant -> no edge -> 0; total (3 + 0) / 2
    assert by_tensor.item() == pytest.approx(1.5, abs=1e-5)


def test_distiller_errors():
    student, teacher = _two_task_inputs()
    with pytest.raises(ValueError):
        _distiller()({}, teacher)
    with pytest.raises(KeyError):
        _distiller()(dict(edge=student['depth']), teacher)
    with pytest.raises(KeyError):
        _distiller()(student, dict(depth=teacher['depth']))
    with pytest.raises(ValueError):
        HADDistillLoss(dict(loss_depth=dict(type='HADLoss',
                                            output_type='regression')))


# --------------------------------------------------------------------------
# vectorised implementation vs a slow loop reference
# --------------------------------------------------------------------------
def _ref_loss_map(s, t, output_type):
    s, t = s.double().numpy(), t.double().numpy()
    b, c, h, w = s.shape
    out = np.zeros((b, h, w))
    for i in range(b):
        for y in range(h):
            for x in range(w):
                sv, tv = s[i, :, y, x], t[i, :, y, x]
                if output_type == 'segmentation':
                    z = np.log(np.exp(sv - sv.max()).sum()) + sv.max()
                    out[i, y, x] = z - sv[int(np.argmax(tv))]
                elif output_type == 'regression':
                    out[i, y, x] = np.abs(sv - tv).mean()
                else:
                    out[i, y, x] = 1 - sv @ tv / (np.linalg.norm(sv) *
                                                  np.linalg.norm(tv))
    return out


def _ref_groups(s, t, output_type, valid, delta):
    t = t.double().numpy()
    if output_type == 'segmentation':
        return t.argmax(1), t.shape[1]
    if output_type == 'normal':
        t = t / np.linalg.norm(t, axis=1, keepdims=True)
    v = t.mean(1)
    ids = np.zeros(v.shape, dtype=int)
    for i in range(v.shape[0]):
        lo, hi = v[i][valid[i]].min(), v[i][valid[i]].max()
        vn = (v[i] - lo) / (hi - lo) if hi > lo else np.zeros_like(v[i])
        ids[i] = vn > delta
    return ids, 2


def _ref_db(lm, ids, n_groups, valid, group_by, weighting):
    rows = [np.arange(lm.shape[0])] if group_by == 'batch' else [
        [i] for i in range(lm.shape[0])]
    per_row = []
    for r in rows:
        means = []
        for g in range(n_groups):
            px = [lm[i][(ids[i] == g) & valid[i]] for i in r]
            px = np.concatenate(px)
            means.append(np.exp(np.log(px + EPS).mean()) if px.size else None)
        if all(m is None for m in means):
            continue
        if weighting == 'uniform':
            per_row.append(np.mean([m for m in means if m is not None]))
        else:
            m = np.array([0. if v is None else v for v in means])
            wgt = np.exp(-m) / np.exp(-m).sum()
            per_row.append((wgt * m).sum() / n_groups)
    return np.mean(per_row)


def _ref_sg(lm, valid, k):
    b, h, w = lm.shape
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    total, count = 0.0, 0
    for i in range(b):
        src = np.where(valid[i], lm[i], 0.0)
        g = np.zeros((h, w))
        elig = np.zeros((h, w), dtype=bool)
        for y in range(h):
            for x in range(w):
                gx = gy = 0.0
                ok = valid[i, y, x]
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        yy, xx = y + dy, x + dx
                        if 0 <= yy < h and 0 <= xx < w and not valid[i, yy,
                                                                     xx]:
                            ok = False
                        yy, xx = min(max(yy, 0), h - 1), min(max(xx, 0), w - 1)
                        gx += kx[dy + 1, dx + 1] * src[yy, xx]
                        gy += kx[dx + 1, dy + 1] * src[yy, xx]
                g[y, x] = math.hypot(gx, gy)
                elig[y, x] = ok
        if not elig.any():
            continue
        lo, hi = g[elig].min(), g[elig].max()
        if hi <= lo:
            continue
        sel = elig & ((g - lo) / (hi - lo) > k)
        total += lm[i][sel].sum()
        count += sel.sum()
    return total / count if count else 0.0


@pytest.mark.parametrize('output_type,channels', [('segmentation', 13),
                                                  ('regression', 1),
                                                  ('normal', 3)])
@pytest.mark.parametrize('group_by,weighting', [('batch', 'uniform'),
                                                ('image', 'uniform'),
                                                ('batch', 'release_softmax')])
def test_vectorised_matches_loop_reference(output_type, channels, group_by,
                                           weighting):
    gen = torch.Generator().manual_seed(1)
    s = torch.randn(2, channels, 32, 32, generator=gen)
    t = torch.randn(2, channels, 32, 32, generator=gen)
    valid = torch.ones(2, 32, 32, dtype=torch.bool)
    valid[1, :, 27:] = False      # right padding of the second image
    valid[1, 30:] = False
    vnp = valid.numpy()

    lm = pixel_distill_loss(s, t, output_type)
    ref_lm = _ref_loss_map(s, t, output_type)
    np.testing.assert_allclose(lm.double().numpy(), ref_lm, rtol=1e-5,
                               atol=1e-5)

    ids, n = db_group_ids(s, t, output_type, valid)
    ref_ids, ref_n = _ref_groups(s, t, output_type, vnp, 0.5)
    assert n == ref_n
    np.testing.assert_array_equal(ids.numpy(), ref_ids)

    db = db_had(lm, ids, n, valid, group_weighting=weighting,
                group_by=group_by)
    ref_db = _ref_db(ref_lm, ref_ids, n, vnp, group_by, weighting)
    assert db.item() == pytest.approx(ref_db, rel=1e-5, abs=1e-7)

    sg = sg_had(lm, valid, k=0.9)
    assert sg.item() == pytest.approx(_ref_sg(ref_lm, vnp, 0.9), rel=1e-5)
    assert sg_edge_mask(lm, valid).sum() > 0

    loss = HADLoss(output_type, group_by=group_by, group_weighting=weighting)
    assert loss(s, t, valid).item() == pytest.approx(
        (ref_db + _ref_sg(ref_lm, vnp, 0.9)) / 2, rel=1e-5, abs=1e-7)
