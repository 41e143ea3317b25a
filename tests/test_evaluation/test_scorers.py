"""Every built-in task type names a registered scorer; scorers stand alone."""
import pytest
import torch

from mmhad.evaluation import SCORERS, BaseScorer
from mmhad.evaluation.scorers import AbsErrScorer, DepthScorer
from mmhad.tasks import get_task, task_names


def test_builtin_task_types_name_registered_scorers():
    builtin = [t for t in task_names() if get_task(t).position < 100]
    assert len(builtin) == 6
    for task in builtin:
        cls = SCORERS.get(get_task(task).scorer)
        assert cls is not None and issubclass(cls, BaseScorer), task


def test_scorer_process_and_compute_without_the_metric():
    # |d| = .5, 0 (gt 1, 2; gt 0 invalid) and 1 (gt 4): abs .5 + 0 + 1,
    # rel .5 + 0 + .25 over 3 valid pixels
    scorer = DepthScorer(get_task('depth'), ignore_index=7)
    stats = [scorer.process(torch.tensor([[[1.5, 2., 9.]]]),
                            torch.tensor([[[1., 2., 0.]]])),
             scorer.process(torch.tensor([[[3.]]]), torch.tensor([[[4.]]]))]
    assert stats[0] == (0.5, 0.5, 2)
    metrics = scorer.compute(stats)
    assert metrics['abs_err'] == pytest.approx(1.5 / 3)
    assert metrics['rel_err'] == pytest.approx(0.75 / 3)
    shading = AbsErrScorer(get_task('shading'))
    assert shading.compute([shading.process(torch.ones(1, 1, 2) * 2,
                                            torch.ones(1, 1, 2))]) == {
        'abs_err': 1.0}
