"""A task type defined only here: a 2-channel flow-like regression.

``toy_flow`` is an optical-flow-like map in pixels, stored in
``{split}/toy_flow/{i}.npy`` (H x W x 2, all-zero = invalid): a horizontal
flip negates its x component, a zoom by ``s`` multiplies it by ``s`` (a
displacement in pixels grows with the image).
"""
from typing import Iterator

import numpy as np
import pytest

from mmhad.tasks import (LOWER, Measure, RegressionTask, register_task,
                         task_names, unregister_task)


class ToyFlowTask(RegressionTask):
    """2-channel flow in pixels; x is negated by a horizontal flip."""

    name = 'toy_flow'
    kind = 'multi'
    channels = 2
    unit = 'px'
    flip_negate = dict(horizontal=(0, ))
    metrics = dict(abs_err=Measure(LOWER, 'px'))
    scorer = 'abs_err'
    loss = dict(type='MaskedL1Loss', valid_rule='nonzero',
                loss_name='loss_toy_flow')

    def zoom(self, array: np.ndarray, scale: float,
             results: dict) -> np.ndarray:
        return array * np.float32(scale)


def register_toy_flow() -> type:
    """Register :class:`ToyFlowTask` (replacing any earlier one)."""
    return register_task(ToyFlowTask, force=True)


def unregister(name: str) -> None:
    """Remove a task type registered by a test, if it is registered."""
    if name in task_names():
        unregister_task(name)


@pytest.fixture
def toy_flow() -> Iterator[type]:
    """:class:`ToyFlowTask`, registered for one test."""
    yield register_toy_flow()
    unregister(ToyFlowTask.name)
