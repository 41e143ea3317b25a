"""Tests of MultiTaskMetric against hand-computed numbers.

Fixture (two images of 2x3 pixels, classes a, b, c, d; d never occurs):

semantic  image 0: gt [[0, 0, 1], [1, 2, 255]]  pred [[0, 1, 1], [1, 2, 0]]
          image 1: gt [[0, 1, 1], [2, 2, 2]]    pred [[0, 1, 2], [2, 2, 1]]
  11 non-ignored pixels, 8 correct          -> aAcc = 8 / 11 = 72.7273 %
  class a: I=2 U=3+2-2=3 -> 2/3 (the ignored pixel is predicted a; counting
           it would make U=4)
  class b: I=3 U=4+5-3=6 -> 1/2
  class c: I=3 U=4+4-3=5 -> 3/5
  class d: U=0 -> NaN, excluded             -> mIoU = (2/3+1/2+3/5)/3 %
depth     image 0: gt [[1, 2, 0], [4, 1, 2]]  pred [[1.5, 2, 7], [3, 1, 2.5]]
            5 valid: sum|d| = .5+0+1+0+.5 = 2, sum|d|/gt = .5+0+.25+0+.25 = 1
          image 1: gt only (1, 2) = 2 valid, pred there 5: |d| = 3, rel 1.5
  -> abs_err = 5/6, rel_err = 2.5/6 (the per-image mean would be 1.7, .95)
normal    image 0: errors 10, 20, 25, 45, 90 degrees + one all-zero gt
          image 1: errors 0, 2, 4 degrees + three all-zero gt
  all 8: mean 196/8 = 24.5, median (10+20)/2 = 15 (the mean of per-image
         medians is (25+2)/2 = 13.5), within 11.25/22.5/30 = 4/8, 5/8, 6/8
  image 0 alone (odd): mean 38, median 25, within 20/40/60 %
"""
import math
from typing import Dict, List, Optional, Sequence

import mmhad  # noqa: F401  (must precede mmseg.models)
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from mmhad.evaluation import LOWER_IS_BETTER, MultiTaskMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

CLASSES = ('a', 'b', 'c', 'd')

SEM_GT = [[[0, 0, 1], [1, 2, 255]], [[0, 1, 1], [2, 2, 2]]]
SEM_PRED = [[[0, 1, 1], [1, 2, 0]], [[0, 1, 2], [2, 2, 1]]]
MIOU = (2 / 3 + 1 / 2 + 3 / 5) / 3 * 100
AACC = 8 / 11 * 100

DEPTH_GT = [[[1., 2., 0.], [4., 1., 2.]], [[0., 0., 0.], [0., 0., 2.]]]
DEPTH_PRED = [[[1.5, 2., 7.], [3., 1., 2.5]], [[9., 9., 9.], [9., 9., 5.]]]
ABS_ERR = 5 / 6
REL_ERR = 2.5 / 6

# Angular error per pixel (row-major), None = invalid (all-zero) gt.
NORMAL_ANGLES = [[10., 20., None, 25., 45., 90.],
                 [None, 0., None, 2., 4., None]]
# Assorted gt directions (not only +z), and gt / pred lengths that are not
# all 1, so that both normalisations are exercised.
GT_DIRS = [(0., 0., 1.), (1., 2., 3.), (-1., .5, .2), (.3, -1., .4),
           (0., 1., 0.), (2., 0., -1.)]
PRED_SCALES = [1., 2., .5, 3., .25, 1.5]
GT_SCALES = [1., 1., 1., 2., 1., .5]


def _rotated(gt: np.ndarray, angle_deg: float) -> np.ndarray:
    """A vector at exactly ``angle_deg`` from unit vector ``gt``."""
    helper = np.array([1., 0., 0.]) if abs(gt[0]) < .9 else np.array(
        [0., 1., 0.])
    perp = np.cross(gt, helper)
    perp /= np.linalg.norm(perp)
    rad = math.radians(angle_deg)
    return math.cos(rad) * gt + math.sin(rad) * perp


def _normal_maps(img: int) -> tuple:
    """(pred, gt) normal maps of image ``img``, each 3x2x3 float32."""
    pred = np.zeros((3, 6))
    gt = np.zeros((3, 6))
    for px, angle in enumerate(NORMAL_ANGLES[img]):
        g = np.array(GT_DIRS[px])
        g /= np.linalg.norm(g)
        p = _rotated(g, angle if angle is not None else 33.)
        pred[:, px] = p * PRED_SCALES[px]
        if angle is not None:
            gt[:, px] = g * GT_SCALES[px]
    return (torch.from_numpy(pred.reshape(3, 2, 3)).float(),
            torch.from_numpy(gt.reshape(3, 2, 3)).float())


def _pixel(t: torch.Tensor) -> dict:
    return {'data': t}


def make_sample(img: int,
                tasks: Sequence[str] = ('semantic', 'depth', 'normal'),
                pred_only: Sequence[str] = ()) -> dict:
    """Data sample ``img`` in the dict form the Evaluator passes on.

    ``tasks`` get prediction and ground truth; ``pred_only`` only a
    prediction.
    """
    sample: Dict[str, dict] = {}
    for task in set(tasks) | set(pred_only):
        if task == 'semantic':
            pred = torch.tensor([SEM_PRED[img]], dtype=torch.int64)
            gt = torch.tensor([SEM_GT[img]], dtype=torch.int64)
            keys = ('pred_sem_seg', 'gt_sem_seg')
        elif task == 'depth':
            pred = torch.tensor([DEPTH_PRED[img]])
            gt = torch.tensor([DEPTH_GT[img]])
            keys = ('pred_depth_map', 'gt_depth_map')
        else:
            pred, gt = _normal_maps(img)
            keys = ('pred_normal_map', 'gt_normal_map')
        sample[keys[0]] = _pixel(pred)
        if task in tasks:
            sample[keys[1]] = _pixel(gt)
    return sample


def run_metric(samples: List[dict],
               metric: Optional[MultiTaskMetric] = None,
               **kwargs) -> Dict[str, float]:
    metric = metric or MultiTaskMetric(**kwargs)
    if metric.dataset_meta is None:
        metric.dataset_meta = {'classes': CLASSES}
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_registered():
    assert METRICS.get('MultiTaskMetric') is MultiTaskMetric


def test_semantic_miou_and_aacc_with_ignored_pixel():
    res = run_metric([make_sample(0, ['semantic']),
                      make_sample(1, ['semantic'])])
    assert set(res) == {'semantic/mIoU', 'semantic/aAcc'}
    assert res['semantic/mIoU'] == pytest.approx(MIOU, abs=1e-9)
    assert res['semantic/aAcc'] == pytest.approx(AACC, abs=1e-9)


def test_semantic_num_classes_argument_and_missing_classes():
    # num_classes=3 (no empty class d) gives the same mIoU: d was excluded.
    metric = MultiTaskMetric(num_classes=3)
    metric.process({}, [make_sample(0, ['semantic'])])
    areas = metric.results[0]['semantic']
    assert areas.shape == (4, 3)
    # image 0: intersect, union, pred area, label area per class.
    np.testing.assert_array_equal(
        areas, [[1, 2, 1], [2, 3, 1], [1, 3, 1], [2, 2, 1]])
    with pytest.raises(ValueError, match='num_classes'):
        MultiTaskMetric().process({}, [make_sample(0, ['semantic'])])


def test_depth_excludes_invalid_pixels_and_is_pixel_weighted():
    res = run_metric([make_sample(0, ['depth']), make_sample(1, ['depth'])])
    assert set(res) == {'depth/abs_err', 'depth/rel_err'}
    assert res['depth/abs_err'] == pytest.approx(ABS_ERR, abs=1e-9)
    assert res['depth/rel_err'] == pytest.approx(REL_ERR, abs=1e-9)


def test_normal_angles_median_over_all_pixels_even_count():
    res = run_metric([make_sample(0, ['normal']), make_sample(1, ['normal'])])
    assert list(res) == [
        'normal/mean_angle', 'normal/median_angle', 'normal/within_11.25',
        'normal/within_22.5', 'normal/within_30'
    ]
    assert res['normal/mean_angle'] == pytest.approx(24.5, abs=1e-3)
    # True median of the 8 errors; the mean of per-image medians is 13.5.
    assert res['normal/median_angle'] == pytest.approx(15.0, abs=1e-3)
    assert res['normal/within_11.25'] == pytest.approx(50.0)
    assert res['normal/within_22.5'] == pytest.approx(62.5)
    assert res['normal/within_30'] == pytest.approx(75.0)


def test_normal_angles_odd_count():
    metric = MultiTaskMetric()
    res = run_metric([make_sample(0, ['normal'])], metric)
    errors = metric.results[0]['normal']
    assert errors.dtype == np.float32
    np.testing.assert_allclose(errors, [10, 20, 25, 45, 90], atol=1e-3)
    assert res['normal/mean_angle'] == pytest.approx(38.0, abs=1e-3)
    assert res['normal/median_angle'] == pytest.approx(25.0, abs=1e-3)
    assert res['normal/within_11.25'] == pytest.approx(20.0)
    assert res['normal/within_22.5'] == pytest.approx(40.0)
    assert res['normal/within_30'] == pytest.approx(60.0)


def test_normal_custom_thresholds_key_names():
    res = run_metric([make_sample(0, ['normal'])],
                     normal_thresholds=(5, 50.0))
    assert res['normal/within_5'] == pytest.approx(0.0)
    assert res['normal/within_50'] == pytest.approx(80.0)
    assert 'normal/within_11.25' not in res


def test_all_tasks_together():
    res = run_metric([make_sample(0), make_sample(1)])
    assert len(res) == 2 + 2 + 5
    assert res['semantic/mIoU'] == pytest.approx(MIOU, abs=1e-9)
    assert res['depth/abs_err'] == pytest.approx(ABS_ERR, abs=1e-9)
    assert res['normal/median_angle'] == pytest.approx(15.0, abs=1e-3)


def test_absent_tasks_produce_no_keys():
    # Depth predicted but without ground truth: not scored.
    res = run_metric([make_sample(0, ['semantic'], pred_only=['depth'])])
    assert set(res) == {'semantic/mIoU', 'semantic/aAcc'}
    # Tasks coming from different samples are each scored on their own.
    res = run_metric([make_sample(0, ['depth']), make_sample(1, ['normal'])])
    assert set(res) == {
        'depth/abs_err', 'depth/rel_err', 'normal/mean_angle',
        'normal/median_angle', 'normal/within_11.25', 'normal/within_22.5',
        'normal/within_30'
    }
    assert res['depth/abs_err'] == pytest.approx(2 / 5)
    assert res['normal/mean_angle'] == pytest.approx(2.0, abs=1e-3)
    # Nothing scorable at all: empty dict, one (empty) entry per sample.
    metric = MultiTaskMetric()
    assert run_metric([{}, make_sample(0, [], ['depth'])], metric) == {}
    assert metric.results == [{}, {}]


def test_tasks_argument_restricts_and_validates():
    res = run_metric([make_sample(0), make_sample(1)], tasks=['depth'])
    assert set(res) == {'depth/abs_err', 'depth/rel_err'}
    with pytest.raises(ValueError, match='unknown task'):
        MultiTaskMetric(tasks=['semantic', 'edges'])
    # A listed task whose ground truth is present but prediction missing.
    sample = make_sample(0, ['depth'])
    del sample['pred_depth_map']
    with pytest.raises(ValueError, match='"depth".*pred_depth_map'):
        run_metric([sample], tasks=['depth'])
    # With tasks=None the same sample is simply not scored for depth.
    assert run_metric([sample]) == {}


@pytest.mark.parametrize('task,pred_key', [('semantic', 'pred_sem_seg'),
                                           ('depth', 'pred_depth_map'),
                                           ('normal', 'pred_normal_map')])
def test_shape_mismatch_raises(task, pred_key):
    sample = make_sample(0, [task])
    pred = sample[pred_key]['data']
    sample[pred_key] = _pixel(pred.transpose(1, 2).contiguous())
    c = pred.shape[0]
    with pytest.raises(ValueError) as err:
        run_metric([sample])
    msg = str(err.value)
    assert f'"{task}"' in msg
    assert f'({c}, 3, 2)' in msg and f'({c}, 2, 3)' in msg


@pytest.mark.parametrize('task,pred_key,bad', [
    ('depth', 'pred_depth_map', float('nan')),
    ('depth', 'pred_depth_map', float('inf')),
    ('normal', 'pred_normal_map', float('nan')),
    ('normal', 'pred_normal_map', -float('inf')),
])
def test_non_finite_prediction_raises(task, pred_key, bad):
    sample = make_sample(0, [task])
    # Put it on an *invalid* gt pixel: still an error in the prediction.
    sample[pred_key]['data'][0, 0, 2] = bad
    with pytest.raises(ValueError, match=f'"{task}".*NaN or inf'):
        run_metric([sample])


def test_lower_is_better():
    assert LOWER_IS_BETTER == ('abs_err', 'rel_err', 'mean_angle',
                               'median_angle')
    assert MultiTaskMetric.LOWER_IS_BETTER == LOWER_IS_BETTER
    res = run_metric([make_sample(0), make_sample(1)])
    lower = {k for k in res if MultiTaskMetric.is_lower_better(k)}
    assert lower == {
        'depth/abs_err', 'depth/rel_err', 'normal/mean_angle',
        'normal/median_angle'
    }
    assert MultiTaskMetric.is_lower_better('val/normal/median_angle')
    assert not MultiTaskMetric.is_lower_better('val/semantic/mIoU')


def _samples(n: int) -> List[dict]:
    """n samples cycling through both images and task subsets.

    Sample 1 carries no scorable task at all (it must still count as one
    sample for the DDP trimming).
    """
    subsets = [('semantic', 'depth', 'normal'), (), ('semantic', 'depth'),
               ('depth', 'normal')]
    return [make_sample(i % 2, subsets[i % 4]) for i in range(n)]


def test_simulated_ddp_equals_single_process():
    samples = _samples(6)
    single = MultiTaskMetric()
    expected = run_metric(samples, single)

    rank0, rank1 = MultiTaskMetric(), MultiTaskMetric()
    for m in (rank0, rank1):
        m.dataset_meta = {'classes': CLASSES}
    rank0.process({}, samples[:3])
    rank1.process({}, samples[3:])
    gathered = rank0.results + rank1.results  # as collect_results would
    got = rank0.compute_metrics(gathered)

    assert set(got) == set(expected) and len(got) == 9
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-12), key
    # the exact median of the whole set, not of per-rank medians
    all_errors = np.concatenate([r['normal'] for r in single.results
                                 if 'normal' in r])
    assert got['normal/median_angle'] == float(np.median(all_errors))


def test_ddp_padding_is_trimmed_by_size():
    """Mimic DefaultSampler + collect_results_cpu with 2 ranks, 7 samples.

    The sampler pads indices to [0, 1, ..., 6, 0]; rank r gets
    indices[r::2]; collect_results interleaves the rank parts and keeps the
    first ``size`` entries. That only works with exactly one entry per
    sample, including sample 1 which has no scorable task.
    """
    samples = _samples(7)
    expected = run_metric(samples)
    padded = list(range(7)) + [0]
    parts = []
    for rank in range(2):
        m = MultiTaskMetric()
        m.dataset_meta = {'classes': CLASSES}
        m.process({}, [samples[i] for i in padded[rank::2]])
        parts.append(m.results)
    gathered = [r for pair in zip(*parts) for r in pair][:7]
    got = MultiTaskMetric(num_classes=4).compute_metrics(gathered)
    assert got == pytest.approx(expected, rel=1e-12)
    # Without the trim the duplicated sample 0 would change the metrics.
    untrimmed = [r for pair in zip(*parts) for r in pair]
    assert MultiTaskMetric(num_classes=4).compute_metrics(
        untrimmed)['depth/abs_err'] != pytest.approx(
            expected['depth/abs_err'])


def _seg_data_sample(img: int) -> SegDataSample:
    sample = make_sample(img)
    ds = SegDataSample()
    for key, field in sample.items():
        ds.set_field(PixelData(data=field['data']), key)
    return ds


def test_evaluator_end_to_end_with_seg_data_samples():
    with DefaultScope.overwrite_default_scope('mmseg'):
        evaluator = Evaluator([dict(type='MultiTaskMetric')])
    evaluator.dataset_meta = {'classes': CLASSES}
    evaluator.process(data_samples=[_seg_data_sample(0)], data_batch={})
    evaluator.process(data_samples=[_seg_data_sample(1)], data_batch={})
    res = evaluator.evaluate(size=2)
    assert res['semantic/mIoU'] == pytest.approx(MIOU, abs=1e-9)
    assert res['semantic/aAcc'] == pytest.approx(AACC, abs=1e-9)
    assert res['depth/abs_err'] == pytest.approx(ABS_ERR, abs=1e-9)
    assert res['depth/rel_err'] == pytest.approx(REL_ERR, abs=1e-9)
    assert res['normal/mean_angle'] == pytest.approx(24.5, abs=1e-3)
    assert res['normal/median_angle'] == pytest.approx(15.0, abs=1e-3)
    assert res['normal/within_30'] == pytest.approx(75.0)
    assert len(res) == 9


def test_evaluator_prefix():
    with DefaultScope.overwrite_default_scope('mmseg'):
        evaluator = Evaluator([dict(type='MultiTaskMetric', prefix='val')])
    evaluator.dataset_meta = {'classes': CLASSES}
    evaluator.process(data_samples=[_seg_data_sample(0)], data_batch={})
    res = evaluator.evaluate(size=1)
    assert 'val/depth/abs_err' in res and 'val/semantic/mIoU' in res
    assert res['val/depth/abs_err'] == pytest.approx(2 / 5)


def _ddp_worker(rank: int, world_size: int, port: int, collect_dir: str,
                out_file: str) -> None:
    """One rank of a real 2-process gloo run of ``Evaluator.evaluate``."""
    import pickle

    import torch.distributed as dist
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size)
    try:
        with DefaultScope.overwrite_default_scope('mmseg'):
            evaluator = Evaluator([
                dict(type='MultiTaskMetric', collect_dir=collect_dir)])
        evaluator.dataset_meta = {'classes': CLASSES}
        samples = _samples(7)
        padded = list(range(7)) + [0]  # as DefaultSampler pads
        for i in padded[rank::world_size]:
            evaluator.process(data_samples=[samples[i]], data_batch={})
        res = evaluator.evaluate(size=7)
        if rank == 0:
            with open(out_file, 'wb') as f:
                pickle.dump(res, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(
    not torch.distributed.is_available(), reason='no torch.distributed')
def test_real_two_process_gloo_matches_single_process(tmp_path):
    import pickle
    import socket

    import torch.multiprocessing as mp
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out_file = str(tmp_path / 'res.pkl')
    mp.spawn(
        _ddp_worker,
        args=(2, port, str(tmp_path / 'collect'), out_file),
        nprocs=2,
        join=True)
    with open(out_file, 'rb') as f:
        got = pickle.load(f)
    expected = run_metric(_samples(7))
    assert len(got) == 9
    assert got == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------
# edge, albedo, shading
# --------------------------------------------------------------------------
# edge (1 = edge), 2x3 per image, 255 ignored:
#   image 0: gt [[0, 1, 1], [0, 255, 0]]  pred [[1, 1, 0], [0, 1, 0]]
#            TP 1 (0,1), FP 1 (0,0), FN 1 (0,2), correct 3 of 5 labelled
#            (the ignored pixel is predicted edge: not a false positive)
#   image 1: gt [[1, 1, 0], [0, 0, 0]]    pred [[1, 1, 1], [0, 0, 0]]
#            TP 2, FP 1, FN 0, correct 5 of 6
#   set: TP 3, FP 2, FN 1 -> F1 = 6 / 9, IoU = 3 / 6, aAcc = 8 / 11
#        (the mean of per-image F1s would be (2/4 + 4/5) / 2 = 0.65)
EDGE_GT = [[[0, 1, 1], [0, 255, 0]], [[1, 1, 0], [0, 0, 0]]]
EDGE_PRED = [[[1, 1, 0], [0, 1, 0]], [[1, 1, 1], [0, 0, 0]]]
# albedo, 3 channels x 1 x 2 pixels:
#   image 0: pixel 0 gt (.5, .2, .1) pred (.6, .2, .4): |d| .1 + 0 + .3;
#            pixel 1 all-zero gt: invalid (pred .9 ignored)
#   image 1: pixel 0 gt (.3, 0, 0) - valid, one channel non-zero - pred
#            (.3, .1, .1): 0 + .1 + .1; pixel 1 gt (1, 1, 1) pred (.8, 1, 1)
#   set: (.4 + .4) / 9 values (per-image mean would be .1)
ALBEDO_GT = [[[[.5, 0.]], [[.2, 0.]], [[.1, 0.]]],
             [[[.3, 1.]], [[0., 1.]], [[0., 1.]]]]
ALBEDO_PRED = [[[[.6, .9]], [[.2, .9]], [[.4, .9]]],
               [[[.3, .8]], [[.1, 1.]], [[.1, 1.]]]]
# shading, 1 x 1 x 2: image 0 gt [1.2, 0 (invalid)] pred [1.0, .5] -> .2;
#   image 1 gt [.5, .25] pred [.5, .75] -> 0 + .5; set: .7 / 3
SHADING_GT = [[[[1.2, 0.]]], [[[.5, .25]]]]
SHADING_PRED = [[[[1.0, .5]]], [[[.5, .75]]]]


def make_intrinsic_sample(img: int, tasks=('edge', 'albedo',
                                           'shading')) -> dict:
    sample = {}
    if 'edge' in tasks:
        sample['pred_edge_map'] = _pixel(torch.tensor([EDGE_PRED[img]]))
        sample['gt_edge_map'] = _pixel(torch.tensor([EDGE_GT[img]]))
    if 'albedo' in tasks:
        sample['pred_albedo_map'] = _pixel(torch.tensor(ALBEDO_PRED[img]))
        sample['gt_albedo_map'] = _pixel(torch.tensor(ALBEDO_GT[img]))
    if 'shading' in tasks:
        sample['pred_shading_map'] = _pixel(torch.tensor(SHADING_PRED[img]))
        sample['gt_shading_map'] = _pixel(torch.tensor(SHADING_GT[img]))
    return sample


def test_edge_f1_iou_acc_over_the_set():
    metric = MultiTaskMetric()
    res = run_metric([make_intrinsic_sample(0, ['edge']),
                      make_intrinsic_sample(1, ['edge'])], metric)
    assert list(res) == ['edge/F1', 'edge/IoU', 'edge/aAcc']
    assert res['edge/F1'] == pytest.approx(6 / 9 * 100, abs=1e-9)
    assert res['edge/IoU'] == pytest.approx(50.0, abs=1e-9)
    assert res['edge/aAcc'] == pytest.approx(8 / 11 * 100, abs=1e-9)
    np.testing.assert_array_equal(metric.results[0]['edge'],
                                  [1, 1, 1, 3, 5])
    # no edge in prediction nor ground truth: F1 / IoU undefined
    none = dict(pred_edge_map=_pixel(torch.zeros(1, 2, 2, dtype=torch.long)),
                gt_edge_map=_pixel(torch.zeros(1, 2, 2, dtype=torch.long)))
    res = run_metric([none])
    assert math.isnan(res['edge/F1']) and math.isnan(res['edge/IoU'])
    assert res['edge/aAcc'] == 100.0


def test_edge_ignore_index_argument():
    res = run_metric([make_intrinsic_sample(0, ['edge'])], ignore_index=7)
    # 255 is now a label: the ignored pixel counts as a wrong non-edge
    assert res['edge/aAcc'] == pytest.approx(3 / 6 * 100)


def test_albedo_and_shading_abs_err_over_valid_values():
    metric = MultiTaskMetric()
    res = run_metric([make_intrinsic_sample(0, ['albedo', 'shading']),
                      make_intrinsic_sample(1, ['albedo', 'shading'])],
                     metric)
    assert set(res) == {'albedo/abs_err', 'shading/abs_err'}
    assert res['albedo/abs_err'] == pytest.approx(0.8 / 9, abs=1e-7)
    assert res['shading/abs_err'] == pytest.approx(0.7 / 3, abs=1e-7)
    albedo_sum, values, pixels = metric.results[0]['albedo']
    assert (values, pixels) == (3, 1)
    assert albedo_sum == pytest.approx(0.4, abs=1e-7)


def test_six_tasks_together_and_directions():
    samples = []
    for img in (0, 1):
        sample = make_sample(img)
        sample.update(make_intrinsic_sample(img))
        samples.append(sample)
    res = run_metric(samples)
    assert len(res) == 9 + 3 + 1 + 1
    assert [k.split('/')[0] for k in res][-5:] == [
        'edge', 'edge', 'edge', 'albedo', 'shading']
    assert res['edge/F1'] == pytest.approx(6 / 9 * 100, abs=1e-9)
    assert res['depth/abs_err'] == pytest.approx(ABS_ERR, abs=1e-9)
    lower = {k for k in res if MultiTaskMetric.is_lower_better(k)}
    assert lower == {
        'depth/abs_err', 'depth/rel_err', 'normal/mean_angle',
        'normal/median_angle', 'albedo/abs_err', 'shading/abs_err'
    }
    assert MultiTaskMetric(tasks=['edge', 'albedo']).tasks == ('edge',
                                                             'albedo')


def test_albedo_needs_three_channels():
    sample = make_intrinsic_sample(0, ['albedo'])
    sample['pred_albedo_map'] = _pixel(torch.zeros(1, 1, 2))
    sample['gt_albedo_map'] = _pixel(torch.zeros(1, 1, 2))
    with pytest.raises(ValueError, match='"albedo": expected 3xHxW'):
        run_metric([sample])


def test_evaluator_end_to_end_with_new_tasks():
    with DefaultScope.overwrite_default_scope('mmseg'):
        evaluator = Evaluator([dict(type='MultiTaskMetric')])
    evaluator.dataset_meta = {'classes': CLASSES}
    for img in (0, 1):
        ds = SegDataSample()
        for key, field in make_intrinsic_sample(img).items():
            ds.set_field(PixelData(data=field['data']), key)
        evaluator.process(data_samples=[ds], data_batch={})
    res = evaluator.evaluate(size=2)
    assert res['edge/IoU'] == pytest.approx(50.0)
    assert res['albedo/abs_err'] == pytest.approx(0.8 / 9, abs=1e-7)
    assert res['shading/abs_err'] == pytest.approx(0.7 / 3, abs=1e-7)
