"""``@region`` metrics of MultiTaskMetric, checked against hand counts."""
import math

import mmhad  # noqa: F401  (must precede mmseg.models)
import numpy as np
import pytest
import torch

from mmhad.evaluation import MultiTaskMetric
from mmhad.evaluation.metrics import region_stats as rs


def _px(t: torch.Tensor) -> dict:
    return dict(data=t)


def _run(samples, **kwargs):
    metric = MultiTaskMetric(region_metrics=True, **kwargs)
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_band_width_and_dilation():
    assert rs.band_width(48, 64) == 2  # 0.02 * 80 = 1.6
    assert rs.band_width(10, 10) == 1  # 0.28 -> at least 1
    assert rs.band_width(288, 384) == 10  # 0.02 * 480 = 9.6
    mask = torch.zeros(5, 5, dtype=torch.bool)
    mask[2, 2] = True
    assert torch.equal(rs.dilate(mask, 1), mask)
    assert int(rs.dilate(mask, 2).sum()) == 9  # 3 x 3 around the pixel


def test_label_band_reaches_across_ignored_pixels():
    label = torch.tensor([[0, 0, 255, 1, 1, 1]])
    # width 1: no labelled pixel of another class within 1 px
    assert not rs.label_band(label, 255, 1).any()
    # width 2: pixels 1 and 3 see the other class across the ignored pixel
    assert rs.label_band(label, 255, 2).tolist() == [
        [False, True, False, True, False, False]]
    # width 3: pixels 0 and 4 too; the ignored pixel is never in the band
    assert rs.label_band(label, 255, 3).tolist() == [
        [True, True, False, True, True, False]]


def test_depth_and_normal_edges():
    depth = torch.tensor([[1.0, 1.05, 2.0]])
    valid = torch.ones(1, 3, dtype=torch.bool)
    # 1.05 / 1 < 1.1: no edge; 2 / 1.05 > 1.1: edge
    assert rs.depth_edges(depth, valid).tolist() == [[False, True, True]]
    valid[0, 2] = False
    assert rs.depth_edges(depth, valid).tolist() == [[False, False, False]]
    normal = torch.zeros(3, 1, 3)
    normal[2, 0, :2] = 1.0  # facing the camera
    a = math.radians(40)
    normal[0, 0, 2], normal[2, 0, 2] = math.sin(a), math.cos(a)  # 40 deg
    valid = torch.ones(1, 3, dtype=torch.bool)
    assert rs.normal_edges(normal, valid, 30).tolist() == [[False, True,
                                                            True]]
    assert not rs.normal_edges(normal, valid, 45).any()


def test_rare_bins_take_least_populated_until_fraction():
    counts = np.array([50, 0, 3, 5, 40, 2])  # total 100
    # ascending: bin5 (2), bin2 (3), bin3 (5) -> cumulative 2, 5, 10 <= 10
    assert rs.rare_bins(counts, 0.1).tolist() == [
        False, False, True, True, False, True]
    # 1 % of 100: even the smallest bin (2) exceeds it -> that bin alone
    assert rs.rare_bins(counts, 0.01).tolist() == [
        False, False, False, False, False, True]
    assert not rs.rare_bins(np.zeros(4), 0.1).any()
    ids = rs.depth_bin_ids(torch.tensor([1.0, 1.2, 10.0, 1e-9, 1e9]))
    # log10 = 0, 0.079, 1 -> bins (x + 3) * 20 = 60, 61, 80; ends clamped
    assert ids.tolist() == [60, 61, 80, 0, rs.NUM_DEPTH_BINS - 1]


def test_semantic_region_metrics_by_hand():
    # 1 x 6 image, band width 1 on a 10 x 10 diagonal rule -> use 1 x 6:
    # diagonal 6.08 -> d = max(1, round(0.12)) = 1: band = edge pixels
    gt = torch.tensor([[[0, 0, 0, 0, 1, 2]]])
    pred = torch.tensor([[[0, 0, 0, 1, 1, 1]]])
    res = _run([dict(gt_sem_seg=_px(gt), pred_sem_seg=_px(pred))])
    # IoU: class 0: inter 3 / union 4; class 1: 1 / 3; class 2: 0 / 1
    assert res['semantic/IoU@a'] == pytest.approx(75.0)
    assert res['semantic/IoU@b'] == pytest.approx(100 / 3)
    assert res['semantic/IoU@c'] == pytest.approx(0.0)
    # areas 4, 1, 1 -> median 1 -> no class strictly below: nothing rare
    assert math.isnan(res['semantic/mIoU@rare'])
    # pixels within 1 px of another class: 3 (next to 1), 4, 5
    # in band: gt 0, 1, 2; pred 1, 1, 1 -> IoU 0: 0/1, 1: 1/3, 2: 0/1
    assert res['semantic/mIoU@boundary'] == pytest.approx(100 / 9)
    assert res['semantic/aAcc@boundary'] == pytest.approx(100 / 3)
    # the headline metrics are unchanged by region_metrics
    assert res['semantic/mIoU'] == pytest.approx((75 + 100 / 3 + 0) / 3)


def test_semantic_rare_classes():
    gt = torch.tensor([[[0, 0, 0, 0, 0, 1, 1, 2]]])
    pred = torch.tensor([[[0, 0, 0, 0, 0, 1, 0, 2]]])
    res = _run([dict(gt_sem_seg=_px(gt), pred_sem_seg=_px(pred))])
    # areas 5, 2, 1 -> median 2 -> rare = {class 2}, IoU 1 / 1
    assert res['semantic/mIoU@rare'] == pytest.approx(100.0)
    gt2 = torch.tensor([[[0, 0, 0, 0, 0, 1, 1, 2]]])
    pred2 = torch.tensor([[[0, 0, 0, 0, 0, 1, 1, 0]]])
    res = _run([dict(gt_sem_seg=_px(gt2), pred_sem_seg=_px(pred2))])
    assert res['semantic/mIoU@rare'] == pytest.approx(0.0)


def test_depth_region_metrics_by_hand():
    gt = torch.tensor([[[1.0, 1.0, 1.0, 4.0, 4.0, 0.0]]])  # last invalid
    pred = torch.tensor([[[1.5, 1.0, 1.0, 3.0, 4.0, 9.0]]])
    res = _run([dict(gt_depth_map=_px(gt), pred_depth_map=_px(pred))])
    # edge pair (2, 3): 4 / 1 > 1.1; d = 1 -> band = pixels 2, 3
    # errors there: 0 and 1 (rel 0 and 0.25)
    assert res['depth/abs_err@edge'] == pytest.approx(0.5)
    assert res['depth/rel_err@edge'] == pytest.approx(0.125)
    # bins: depth 1 -> 3 px, depth 4 -> 2 px (total 5); 10 % = 0.5 px, so
    # the least populated bin alone (depth 4): abs err (1 + 0) / 2
    assert res['depth/abs_err@rare'] == pytest.approx(0.5)
    assert res['depth/rel_err@rare'] == pytest.approx(0.125)
    assert res['depth/abs_err'] == pytest.approx(1.5 / 5)


def test_normal_region_metric_by_hand():
    gt = torch.zeros(3, 1, 4)
    gt[2, 0, :2] = 1.0
    gt[0, 0, 2:] = 1.0  # 90 deg turn between pixels 1 and 2
    pred = gt.clone()
    pred[:, 0, 1] = torch.tensor([math.sin(0.1), 0.0, math.cos(0.1)])
    res = _run([dict(gt_normal_map=_px(gt), pred_normal_map=_px(pred))])
    # band = pixels 1, 2; errors 0.1 rad and 0
    assert res['normal/mean_angle@edge'] == pytest.approx(
        math.degrees(0.1) / 2, rel=1e-5)


def test_region_keys_are_off_by_default_and_lower_better_parsed():
    metric = MultiTaskMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    gt = torch.tensor([[[0, 1, 2]]])
    metric.process({}, [dict(gt_sem_seg=_px(gt), pred_sem_seg=_px(gt))])
    assert set(metric.compute_metrics(metric.results)) == {
        'semantic/mIoU', 'semantic/aAcc'}
    assert MultiTaskMetric.is_lower_better('depth/abs_err@edge')
    assert not MultiTaskMetric.is_lower_better('semantic/mIoU@rare')
    with pytest.raises(ValueError, match='rare_fraction'):
        MultiTaskMetric(rare_fraction=1.5)


def test_report_keeps_region_metrics_out_of_headline_measures():
    from mmhad.evaluation.continual_report import (average_forgetting,
                                                   delta_m, final_metrics,
                                                   render_markdown,
                                                   build_summary)

    def results(miou, rare):
        return dict(task_order=['semantic'], phases=[dict(
            phase=0, task='semantic', metrics={
                'semantic/mIoU': miou, 'semantic/mIoU@rare': rare})])

    run, base = results(44.0, 10.0), results(40.0, 50.0)
    # Δm = +10 % from mIoU alone; the rare-class diagnostic (-80 %) is out
    assert delta_m(run, base) == pytest.approx(10.0)
    assert final_metrics(run) == {'semantic/mIoU': 44.0}
    assert final_metrics(run, regions=True) == {'semantic/mIoU@rare': 10.0}
    assert average_forgetting(run) == {}
    text = render_markdown(build_summary({'had': run}, baseline=base))
    assert '| semantic/mIoU@rare | 10 |' in text
