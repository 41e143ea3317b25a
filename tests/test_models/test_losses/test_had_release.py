"""The authors'-release options of the HAD losses against hand-worked values.

Each release term is computed here by hand from the release's formulas
(github Deexaa/HAD, ``utility.py``: ``weight_fit``, ``num_dep_bar``,
``num_norm_bar``, ``num_balance_seg``, ``_edgeMask``; ``methods/had.py``) on
1x?x2x3 maps, and every switch is checked to change only its own term.
"""
import math
import os.path as osp

import pytest
import torch

import mmhad  # noqa: F401  (compat shim + registration, before mmseg.models)
from mmengine.config import Config
from mmseg.registry import MODELS

from mmhad.models.losses.had_functional import (OPTIONS, check_option,
                                                db_group_ids, db_had,
                                                pixel_distill_loss,
                                                release_normal_sg, sg_had)
from mmhad.models.losses import HADDistillLoss, HADLoss

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
RELEASE_CFG = osp.join(ROOT, 'configs/had/ablations/'
                       'had-release_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py')


def _img(rows, channels=1):
    """(1, C, H, W) float32 from nested lists [[pixel, ...], ...] per row.

    With ``channels > 1`` each pixel is a list of its C values.
    """
    t = torch.tensor(rows, dtype=torch.float32)
    if channels == 1:
        return t[None, None]
    return t.permute(2, 0, 1)[None]


def _const_normals(vec):
    """(1, 3, 2, 3) map of one normal vector everywhere."""
    return torch.tensor(vec, dtype=torch.float32).view(1, 3, 1, 1).expand(
        1, 3, 2, 3).clone()


# --------------------------------------------------------------------------
# validation in one place
# --------------------------------------------------------------------------
def test_every_option_is_validated_with_key_value_and_allowed():
    for key, allowed in OPTIONS.items():
        assert check_option(key, allowed[0]) == allowed[0]
        with pytest.raises(ValueError) as err:
            check_option(key, 'bogus')
        msg = str(err.value)
        assert key in msg and "'bogus'" in msg and str(allowed) in msg
    for key in ('group_reduction', 'sg_normalization', 'normal_loss',
                'normal_sg'):
        with pytest.raises(ValueError, match=key):
            HADLoss('normal', **{key: 'bogus'})
    with pytest.raises(ValueError, match='task_reduction'):
        HADDistillLoss(dict(depth=dict(type='HADLoss',
                                       output_type='regression')),
                       task_reduction='bogus')
    # the normals-only options are refused for other output types
    with pytest.raises(ValueError, match='normal_loss'):
        HADLoss('regression', normal_loss='release_cos3')
    with pytest.raises(ValueError, match='normal_sg'):
        HADLoss('segmentation', normal_sg='release_unmasked_sum')


def test_paper_defaults_unchanged():
    loss = HADLoss('normal')
    assert (loss.group_reduction, loss.sg_normalization, loss.normal_loss,
            loss.normal_sg) == ('mean', 'edge_pixels', 'cosine', 'masked')
    distill = HADDistillLoss(dict(depth=dict(type='HADLoss',
                                             output_type='regression')))
    assert distill.task_reduction == 'mean'


# --------------------------------------------------------------------------
# 1. lambda * sum over old tasks (methods/had.py: new_loss += _loss)
# --------------------------------------------------------------------------
def test_task_reduction_sum_against_hand_values():
    # two regression tasks with LwFLoss (L_t = plain mean of |S - T|):
    # |S - T| = 2 everywhere -> L_1 = 2;  |S - T| = 4 -> L_2 = 4
    t = torch.zeros(1, 1, 2, 3)
    losses = dict(
        depth=dict(type='LwFLoss', output_type='regression'),
        height=dict(type='LwFLoss', output_type='regression'))
    student = dict(depth=t + 2, height=t + 4)
    teacher = dict(depth=t, height=t)
    mean = HADDistillLoss(losses, loss_weight=3.0).loss_dict(student, teacher)
    summed = HADDistillLoss(losses, loss_weight=3.0,
                            task_reduction='sum').loss_dict(student, teacher)
    # paper: 3 * (2 + 4) / 2 = 9;  release: 3 * (2 + 4) = 18
    assert mean['loss_distill'].item() == pytest.approx(9.0)
    assert summed['loss_distill'].item() == pytest.approx(18.0)
    # only the total changes: the per-task log values are the same
    for key in ('distill_depth', 'distill_height'):
        assert summed[key].item() == pytest.approx(mean[key].item())


# --------------------------------------------------------------------------
# 2. regression DB: arithmetic group means of the raw-student split, summed
#    (utility.num_dep_bar: a = loss[S > 0.5].mean(), b = ...; a + b)
# --------------------------------------------------------------------------
REG_S = [[0.2, 0.4, 0.9], [1.0, 0.1, 2.0]]
REG_T = [[0.0, 0.0, 0.6], [0.0, 0.4, 1.0]]
# l = |S - T| = [[0.2, 0.4, 0.3], [1.0, 0.3, 1.0]]
# S > 0.5 at (0,2), (1,0), (1,2): l = 0.3, 1.0, 1.0 -> mean 2.3 / 3
# S < 0.5 at (0,0), (0,1), (1,1): l = 0.2, 0.4, 0.3 -> mean 0.3
REG_DB_RELEASE = 2.3 / 3 + 0.3          # 1.0667 (sum of the two means)
REG_DB_MEAN = (2.3 / 3 + 0.3) / 2        # 0.5333 (mean of the two means)


def test_regression_db_release_sum_of_arithmetic_means():
    s, t = _img(REG_S), _img(REG_T)
    lm = pixel_distill_loss(s, t, 'regression')
    ids, n = db_group_ids(s, t, 'regression',
                          regression_split='release_raw_student')
    assert ids.tolist() == [[[0, 0, 1], [1, 0, 1]]]
    rel = db_had(lm, ids, n, mean='arithmetic', group_reduction='sum')
    assert rel.item() == pytest.approx(REG_DB_RELEASE, rel=1e-5)
    mean = db_had(lm, ids, n, mean='arithmetic', group_reduction='mean')
    assert mean.item() == pytest.approx(REG_DB_MEAN, rel=1e-5)
    # an empty group adds 0 for depth: all S < 0.5 -> only the low group
    low = db_had(lm, torch.zeros_like(ids), 2, mean='arithmetic',
                 group_reduction='sum')
    assert low.item() == pytest.approx((0.2 + 0.4 + 0.3 + 1 + .3 + 1) / 6,
                                       rel=1e-5)


def test_group_reduction_changes_only_db():
    s, t = _img(REG_S), _img(REG_T)
    kw = dict(mean='arithmetic', regression_split='release_raw_student',
              sobel_padding='zeros')
    paper = HADLoss('regression', **kw).terms(s, t)
    rel = HADLoss('regression', group_reduction='sum', **kw).terms(s, t)
    assert rel['db'].item() == pytest.approx(REG_DB_RELEASE, rel=1e-5)
    assert paper['db'].item() == pytest.approx(REG_DB_MEAN, rel=1e-5)
    assert rel['sg'].item() == pytest.approx(paper['sg'].item())


# --------------------------------------------------------------------------
# 3. segmentation SG: mean of l * M over all pixels
#    (utility.weight_fit: loss_1 = loss * sober_mask; loss_1.mean())
# --------------------------------------------------------------------------
def test_sg_all_pixels_against_hand_values():
    # l = [[1, 1, 1], [1, 1, 2]], Sobel with zero padding: (gx, gy) =
    #   (0,0): (3, 3)  (0,1): (1, 5)  (0,2): (-3, 5)
    #   (1,0): (3,-3)  (1,1): (2,-4)  (1,2): (-3,-3)
    # G = [[4.243, 5.099, 5.831], [4.243, 4.472, 4.243]]; min-max normalised
    # only (0,2) exceeds 0.9 -> M = {(0,2)}, where l = 1
    lm = torch.tensor([[[1., 1., 1.], [1., 1., 2.]]])
    edge = sg_had(lm, padding='zeros', normalization='edge_pixels')
    every = sg_had(lm, padding='zeros', normalization='all_pixels')
    assert edge.item() == pytest.approx(1.0)          # 1 / |M| = 1 / 1
    assert every.item() == pytest.approx(1.0 / 6)     # 1 / (B H W) = 1 / 6


def test_segmentation_release_terms_against_hand_values():
    # S = 0 logits: l = log 2 everywhere; T picks class 0 at 4, class 1 at
    # 2 pixels. Constant l with zero padding: G = 3 sqrt 2 at the 4 corners,
    # 4 at the two middle pixels -> M = the 4 corners.
    s = torch.zeros(1, 2, 2, 3)
    t = _img([[[1, 0], [1, 0], [0, 1]], [[1, 0], [0, 1], [1, 0]]], 2)
    ln2 = math.log(2.0)
    kw = dict(sobel_padding='zeros', eps=1e-6)
    paper = HADLoss('segmentation', **kw).terms(s, t)
    rel = HADLoss('segmentation', group_weighting='release_softmax',
                  sg_normalization='all_pixels', **kw).terms(s, t)
    # DB release: m = [ln2, ln2], w = softmax(-m) = [1/2, 1/2],
    # (1/C) sum w m = ln2 / 2;  SG release: 4 ln2 / 6
    assert rel['db'].item() == pytest.approx(ln2 / 2, rel=1e-5)
    assert rel['sg'].item() == pytest.approx(4 * ln2 / 6, rel=1e-5)
    assert rel['total'].item() == pytest.approx(7 / 12 * ln2, rel=1e-5)
    # paper: both terms ln2
    assert paper['db'].item() == pytest.approx(ln2, rel=1e-5)
    assert paper['sg'].item() == pytest.approx(ln2, rel=1e-5)
    # sg_normalization alone changes SG only
    sg_only = HADLoss('segmentation', sg_normalization='all_pixels',
                      **kw).terms(s, t)
    assert sg_only['db'].item() == pytest.approx(paper['db'].item())
    assert sg_only['sg'].item() == pytest.approx(4 * ln2 / 6, rel=1e-5)


# --------------------------------------------------------------------------
# 4. normals: l = 1 - mean_c(S^ T^) = 1 - cos/3, DB as in num_norm_bar and
#    SG = 1 - sum(S^ T^) / count_nonzero(S^ T^ M)  (utility.weight_fit)
# --------------------------------------------------------------------------
def test_normal_release_pixel_loss_against_hand_values():
    # S (2,0,0) vs T (1,0,0): cos 1; S (0,3,0) vs T (1,0,0): cos 0;
    # S (0,0,1) vs T (0,0,-1): cos -1
    s = _img([[[2, 0, 0], [0, 3, 0], [0, 0, 1]]], 3)
    t = _img([[[1, 0, 0], [1, 0, 0], [0, 0, -1]]], 3)
    rel = pixel_distill_loss(s, t, 'normal', normal_loss='release_cos3')
    paper = pixel_distill_loss(s, t, 'normal')
    torch.testing.assert_close(rel, torch.tensor([[[2 / 3, 1., 4 / 3]]]))
    torch.testing.assert_close(paper, torch.tensor([[[0., 1., 2.]]]))
    assert (pixel_distill_loss(s, t, 'regression', normal_loss='release_cos3')
            == pixel_distill_loss(s, t, 'regression')).all()


def test_normal_release_split_uses_unit_student():
    # S = (3, 0, 0): raw channel mean 1 > 0.5, but the release's model
    # unit-normalises normals first: (1, 0, 0), mean 1/3 < 0.5 -> low group.
    # S = (1, 1, 1): unit mean 1/sqrt 3 = 0.577 > 0.5 -> high group.
    s = _img([[[3, 0, 0], [1, 1, 1]]], 3)
    ids, _ = db_group_ids(s, s, 'normal',
                          regression_split='release_raw_student')
    assert ids.tolist() == [[[0, 1]]]
    # regression keeps the raw value: 3 -> channel mean 1 > 0.5
    ids, _ = db_group_ids(s, s, 'regression',
                          regression_split='release_raw_student')
    assert ids.tolist() == [[[1, 1]]]


def test_normal_release_db_against_hand_values():
    r3 = 1 / math.sqrt(3)
    # p1 S = T = (1,1,1)/sqrt3: high group, l = 1 - 1/3 = 2/3
    # p2 S = T = (1,0,0): low group, l = 2/3
    # p3 S = (0,1,0), T = (1,0,0): low group, cos 0, l = 1
    s = _img([[[r3, r3, r3], [1, 0, 0], [0, 1, 0]]], 3)
    t = _img([[[1, 1, 1], [1, 0, 0], [1, 0, 0]]], 3)
    kw = dict(use_sg=False, mean='arithmetic',
              regression_split='release_raw_student',
              normal_loss='release_cos3')
    rel = HADLoss('normal', group_reduction='sum', **kw)(s, t)
    # a = 2/3 (high), b = (2/3 + 1) / 2 = 5/6 (low); a + b = 3/2
    assert rel.item() == pytest.approx(1.5, rel=1e-5)
    mean = HADLoss('normal', **kw)(s, t)
    assert mean.item() == pytest.approx(0.75, rel=1e-5)
    # no pixel in the high group: the release's a = 1 - (empty mean 0) = 1
    s2 = _img([[[1, 0, 0], [1, 0, 0], [0, 1, 0]]], 3)
    t2 = _img([[[1, 0, 0], [1, 0, 0], [1, 0, 0]]], 3)
    empty = HADLoss('normal', group_reduction='sum', **kw)(s2, t2)
    # b = (1 - 1/3 + 1 - 1/3 + 1 - 0) / 3 = 7/9; a = 1
    assert empty.item() == pytest.approx(1 + 7 / 9, rel=1e-5)
    # with the paper's 1 - cos the empty group stays 0 under 'sum'
    kw['normal_loss'] = 'cosine'
    empty0 = HADLoss('normal', group_reduction='sum', **kw)(s2, t2)
    assert empty0.item() == pytest.approx((0 + 0 + 1) / 3, rel=1e-5)


def test_normal_release_sg_against_hand_values():
    # S = T = (1,0,0): l = 2/3 constant -> zero-padded Sobel marks the four
    # corners (G = 3 sqrt2 * 2/3 > 4 * 2/3). Products P = (1, 0, 0) per
    # pixel: sum P over all 6 pixels = 6; non-zero entries of P * M: 4
    # (one channel per corner) -> 1 - 6/4 = -0.5
    s = _const_normals([1., 0., 0.])
    lm = pixel_distill_loss(s, s, 'normal', normal_loss='release_cos3')
    assert release_normal_sg(lm, s, s).item() == pytest.approx(-0.5)
    # S = T = (1,1,1)/sqrt3: P = (1/3, 1/3, 1/3), sum = 6; 12 non-zero
    # entries at the corners -> 1 - 6/12 = 0.5
    u = _const_normals([1., 1., 1.])
    lm = pixel_distill_loss(u, u, 'normal', normal_loss='release_cos3')
    assert release_normal_sg(lm, u, u).item() == pytest.approx(0.5,
                                                              rel=1e-5)
    # no edge (replicate padding of a constant map): the release's 1
    assert release_normal_sg(lm, u, u, padding='replicate').item() == 1.0
    # gradient reaches the student
    sg = s.clone().requires_grad_(True)
    release_normal_sg(lm, sg, s).backward()
    assert sg.grad is not None and torch.isfinite(sg.grad).all()


def test_normal_switches_change_only_their_term():
    s = _const_normals([1., 0., 0.])
    kw = dict(sobel_padding='zeros', mean='arithmetic',
              regression_split='release_raw_student')
    base = HADLoss('normal', **kw).terms(s, s)
    # paper 1 - cos = 0 everywhere: DB 0, SG 0
    assert base['db'].item() == pytest.approx(0.0, abs=1e-6)
    assert base['sg'].item() == pytest.approx(0.0, abs=1e-6)
    # normal_sg alone: the mask comes from l = 1 - cos = 0, which has no
    # edge, so the release's SG is its constant 1; DB unchanged
    sg = HADLoss('normal', normal_sg='release_unmasked_sum', **kw).terms(s, s)
    assert sg['sg'].item() == pytest.approx(1.0)
    assert sg['db'].item() == pytest.approx(base['db'].item())
    # normal_loss alone: l = 2/3, so DB (one group) and masked SG are 2/3
    cos3 = HADLoss('normal', normal_loss='release_cos3', **kw).terms(s, s)
    assert cos3['db'].item() == pytest.approx(2 / 3, rel=1e-5)
    assert cos3['sg'].item() == pytest.approx(2 / 3, rel=1e-5)
    # all release options: DB = 2/3 + 1 (empty high group), SG = -0.5,
    # total (5/3 - 1/2) / 2 = 7/12
    rel = HADLoss('normal', normal_loss='release_cos3', group_reduction='sum',
                  normal_sg='release_unmasked_sum', **kw).terms(s, s)
    assert rel['db'].item() == pytest.approx(5 / 3, rel=1e-5)
    assert rel['total'].item() == pytest.approx(7 / 12, rel=1e-5)


# --------------------------------------------------------------------------
# the had-release config combines every loss-side release option
# --------------------------------------------------------------------------
def test_release_config_builds_all_release_options():
    cfg = Config.fromfile(RELEASE_CFG)
    assert cfg.train_cfg.method == 'had-release'
    distill = MODELS.build(cfg.distill_loss)
    assert distill.task_reduction == 'sum'
    assert distill.loss_weight == 3.0
    sem, dep, nor = (distill.losses[k] for k in ('semantic', 'depth',
                                                 'normal'))
    for loss in (sem, dep, nor):
        assert loss.sobel_padding == 'zeros'
    assert sem.group_weighting == 'release_softmax'
    assert sem.mean == 'geometric'
    assert sem.sg_normalization == 'all_pixels'
    for loss in (dep, nor):
        assert loss.mean == 'arithmetic'
        assert loss.group_reduction == 'sum'
        assert loss.regression_split == 'release_raw_student'
        assert loss.sg_normalization == 'edge_pixels'
    assert nor.normal_loss == 'release_cos3'
    assert nor.normal_sg == 'release_unmasked_sum'
    # on the hand-worked inputs the built losses give the release's values
    s, t = _img(REG_S), _img(REG_T)
    assert dep.terms(s, t)['db'].item() == pytest.approx(REG_DB_RELEASE,
                                                          rel=1e-5)
    n = _const_normals([1., 0., 0.])
    assert nor.terms(n, n)['total'].item() == pytest.approx(7 / 12, rel=1e-5)
