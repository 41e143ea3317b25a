"""The two Δm conventions against hand-computed numbers."""
import pytest

from mmhad.evaluation.report import (DELTA_M_FLAT, DELTA_M_TASK_MEAN,
                                     delta_m)


def _single(metrics):
    return dict(task_order=['semantic', 'depth'],
                phases=[dict(phase=0, task=['semantic', 'depth'],
                             metrics=metrics)])


RUN = _single({'semantic/mIoU': 33.0, 'semantic/aAcc': 60.0,
               'depth/abs_err': 0.6})
BASE = _single({'semantic/mIoU': 30.0, 'semantic/aAcc': 60.0,
                'depth/abs_err': 0.5})


def test_flat_mean_over_metrics():
    # mIoU +(33 - 30) / 30 = +10 %, aAcc 0 %, abs_err -(0.6 - 0.5) / 0.5
    # = -20 %: (10 + 0 - 20) / 3
    assert delta_m(RUN, BASE) == pytest.approx(-10 / 3)
    assert delta_m(RUN, BASE, convention=DELTA_M_FLAT) == pytest.approx(
        -10 / 3)


def test_mean_of_per_task_means():
    # semantic (10 + 0) / 2 = 5 %, depth -20 %: (5 - 20) / 2
    assert delta_m(RUN, BASE, convention=DELTA_M_TASK_MEAN) == pytest.approx(
        -7.5)
    assert delta_m(BASE, BASE, convention=DELTA_M_TASK_MEAN) == 0.0


def test_unknown_convention():
    with pytest.raises(ValueError, match='unknown convention'):
        delta_m(RUN, BASE, convention='median')
