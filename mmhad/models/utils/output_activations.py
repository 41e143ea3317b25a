"""Output activations of regression heads, by the name a task type gives.

A task type's ``activation`` (:class:`mmhad.tasks.TaskType`) names how its
head maps raw outputs to the output space. Each entry pairs ``activate``
(applied to raw outputs after resizing, so interpolation never breaks the
constraint) with ``constrain`` (an idempotent projection onto the output
space, applied to a prediction after it is interpolated again, e.g. to the
original image size). Both take a (..., C, H, W) tensor and the head's
``value_range`` (``(low, high)`` or None) and keep the shape.
"""
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .channel_ops import unit_vectors

Range = Optional[Tuple[float, float]]


class OutputActivation(NamedTuple):
    """``activate(raw, value_range)`` and ``constrain(pred, value_range)``."""

    activate: Callable[[Tensor, Range], Tensor]
    constrain: Callable[[Tensor, Range], Tensor]
    #: Whether it needs a ``value_range``.
    bounded: bool = False


def _unit(x: Tensor, value_range: Range = None) -> Tensor:
    """L2-normalise over the channel axis (-3); idempotent."""
    return unit_vectors(x, dim=-3, eps=1e-6)


def _sigmoid_range(x: Tensor, value_range: Range) -> Tensor:
    """``low + (high - low) * sigmoid(x)``, into ``(low, high)``."""
    low, high = value_range
    return low + (high - low) * torch.sigmoid(x)


def _softplus(x: Tensor, value_range: Range = None) -> Tensor:
    return F.softplus(x)


def _non_negative(x: Tensor, value_range: Range = None) -> Tensor:
    return x.clamp(min=0)


def _clamp_range(x: Tensor, value_range: Range) -> Tensor:
    return x.clamp(*value_range)


def _identity(x: Tensor, value_range: Range = None) -> Tensor:
    return x


#: Name -> activation. ``softplus``: non-negative with a gradient everywhere
#: (clamped at 0 after interpolation); ``unit``: unit vectors over channels;
#: ``sigmoid_range``: into ``value_range`` (clamped into it after
#: interpolation); ``identity``: unbounded values.
OUTPUT_ACTIVATIONS: Dict[str, OutputActivation] = dict(
    softplus=OutputActivation(_softplus, _non_negative),
    unit=OutputActivation(_unit, _unit),
    sigmoid_range=OutputActivation(_sigmoid_range, _clamp_range,
                                   bounded=True),
    identity=OutputActivation(_identity, _identity),
)
