"""A task type and scorer defined only here are scored and reported.

``toy_flow``: a 2-channel flow-like map in pixels (all-zero = invalid),
scored by its own ``toy_epe`` scorer: the endpoint error ``||pred - gt||_2``
per valid pixel, averaged over the set (lower is better).

Fixture (1 x 3 pixels, channels (x, y)):
  image 0: gt (3, 4), (1, 0), (0, 0) invalid; pred (0, 0), (1, 1), (9, 9)
           -> errors 5, 1
  image 1: gt (0, 2), (1, 1), (2, 2); pred (0, -1), (1, 1), (2, 2)
           -> errors 3, 0, 0
  set: epe = 9 / 5 = 1.8 (the mean of per-image means would be 2)
"""
from collections import OrderedDict
from typing import Dict, Iterator, List, Tuple

import mmhad  # noqa: F401  (must precede mmseg.models)
import pytest
import torch
from torch import Tensor

from mmhad import tasks
from mmhad.evaluation import SCORERS, BaseScorer, MultiTaskMetric
from mmhad.evaluation.report import (DEFAULT_LOWER_IS_BETTER,
                                     average_forgetting, build_summary,
                                     delta_m, forgetting, is_lower_better,
                                     mean_rank)
from mmhad.registry import TASKS
from mmhad.tasks import LOWER, Measure, RegressionTask, register_task

FLOW_GT = [[[3., 1., 0.]], [[4., 0., 0.]]], [[[0., 1., 2.]], [[2., 1., 2.]]]
FLOW_PRED = [[[0., 1., 9.]], [[0., 1., 9.]]], [[[0., 1., 2.]],
                                               [[-1., 1., 2.]]]


class ToyEPEScorer(BaseScorer):
    """Mean endpoint error over the valid pixels of the set."""

    def process(self, pred: Tensor, gt: Tensor) -> Tuple[float, int]:
        valid = torch.isfinite(gt).all(0) & (gt != 0).any(0)
        epe = (pred.double() - gt.double()).norm(dim=0)[valid]
        return float(epe.sum()), int(valid.sum())

    def compute(self, stats: List[Tuple[float, int]]) -> Dict[str, float]:
        total, count = map(sum, zip(*stats))
        return OrderedDict(epe=total / count)


class ToyFlowTask(RegressionTask):
    name = 'toy_flow'
    kind = 'multi'
    channels = 2
    unit = 'px'
    metrics = dict(epe=Measure(LOWER, 'px'))
    scorer = 'toy_epe'


@pytest.fixture
def toy_flow() -> Iterator[type]:
    SCORERS.register_module(name='toy_epe', module=ToyEPEScorer, force=True)
    yield register_task(ToyFlowTask, force=True)
    TASKS.module_dict.pop('toy_flow', None)
    tasks._INSTANCES.pop('toy_flow', None)
    SCORERS.module_dict.pop('toy_epe', None)


def _px(data) -> dict:
    return {'data': torch.tensor(data)}


def _sample(img: int, depth: bool = False) -> dict:
    sample = dict(pred_toy_flow_map=_px(FLOW_PRED[img]),
                  gt_toy_flow_map=_px(FLOW_GT[img]))
    if depth:  # |d| = .5, 0 over 2 valid pixels: abs_err = rel_err = .25
        sample.update(pred_depth_map=_px([[[1.5, 2., 7.]]]),
                      gt_depth_map=_px([[[1., 2., 0.]]]))
    return sample


def _score(samples: List[dict], **kwargs) -> Dict[str, float]:
    metric = MultiTaskMetric(**kwargs)
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_custom_scorer_scores_the_custom_task(toy_flow):
    res = _score([_sample(0, depth=True), _sample(1)])
    # built-in tasks first (TaskType.position), then the new one
    assert list(res) == ['depth/abs_err', 'depth/rel_err', 'toy_flow/epe']
    assert res['toy_flow/epe'] == pytest.approx(9 / 5)
    assert res['depth/abs_err'] == pytest.approx(.25)
    assert _score([_sample(0), _sample(1)], tasks=['toy_flow']) == {
        'toy_flow/epe': pytest.approx(9 / 5)}
    assert MultiTaskMetric.is_lower_better('toy_flow/epe')
    assert MultiTaskMetric.is_lower_better('val/toy_flow/epe')


def test_custom_task_checks_channels_and_missing_prediction(toy_flow):
    three = torch.zeros(3, 1, 3)
    with pytest.raises(ValueError, match='"toy_flow": expected 2xHxW'):
        _score([dict(pred_toy_flow_map={'data': three},
                     gt_toy_flow_map={'data': three})])
    sample = _sample(0)
    del sample['pred_toy_flow_map']
    with pytest.raises(ValueError, match='"toy_flow".*pred_toy_flow_map'):
        _score([sample], tasks=['toy_flow'])
    assert _score([sample]) == {}


def test_unregistered_scorer_is_named(toy_flow):

    @register_task(force=True)
    class Unscored(RegressionTask):
        name = 'toy_flow'
        kind = 'multi'
        channels = 2
        metrics = dict(epe=Measure(LOWER, 'px'))
        scorer = 'no_such_scorer'

    with pytest.raises(KeyError, match='no_such_scorer.*is not registered'):
        _score([_sample(0)])


def _run(epe_before: float, epe_after: float,
         abs_err: float) -> Dict[str, object]:
    return dict(task_order=['toy_flow', 'depth'], phases=[
        dict(phase=0, task='toy_flow', metrics={'toy_flow/epe': epe_before}),
        dict(phase=1, task='depth', metrics={'toy_flow/epe': epe_after,
                                             'depth/abs_err': abs_err})])


def test_custom_task_counts_in_the_report_with_its_direction(toy_flow):
    run = _run(1.0, 1.5, 0.5)
    assert is_lower_better('toy_flow/epe')
    assert 'epe' in DEFAULT_LOWER_IS_BETTER
    # lower is better: forgetting = final - best = 1.5 - 1.0
    assert forgetting(run) == {'toy_flow/epe': pytest.approx(0.5)}
    assert average_forgetting(run) == {'toy_flow': pytest.approx(50.0)}
    # read as higher-is-better it would be an improvement
    assert forgetting(run, lower_is_better=()) == {
        'toy_flow/epe': pytest.approx(-0.5)}
    # epe: -(1.5 - 2) / 2 = +25 %; abs_err: -(0.5 - 0.25) / 0.25 = -100 %
    base = dict(task_order=['toy_flow', 'depth'], phases=[dict(
        phase=0, task=['toy_flow', 'depth'],
        metrics={'toy_flow/epe': 2.0, 'depth/abs_err': 0.25})])
    assert delta_m(run, base) == pytest.approx(-37.5)
    # B has the lower epe (rank 1) and the same abs_err (tie, 1.5 each)
    ranks = mean_rank({'A': run, 'B': _run(1.0, 1.0, 0.5)})
    assert ranks == pytest.approx({'A': 1.75, 'B': 1.25})
    assert 'epe' in build_summary({'A': run})['lower_is_better']
