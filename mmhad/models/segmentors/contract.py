"""What continual-learning methods may call on the model.

The continual loop (:class:`~mmhad.engine.runner.ContinualTrainLoop`) and
the method hooks (:class:`~mmhad.engine.hooks.TeacherHook`,
:class:`~mmhad.engine.hooks.EWCHook`, a new regulariser...) talk to the
segmentor through :class:`ContinualModel` only: they set the tasks of a
phase, freeze a copy, attach a teacher with its distillation loss, add a
penalty and evaluate the supervised loss of given tasks. Anything else
(backbone, heads) is the model's own business. A method that needs nothing
more is one hook file (``docs/adding_a_method.md``).

:class:`~mmhad.models.segmentors.MultiTaskEncoderDecoder` implements it;
``isinstance(model, ContinualModel)`` checks that an object has every
member (not their signatures).
"""
from typing import (Callable, Dict, List, Mapping, Optional, Protocol,
                    Sequence, runtime_checkable)

import torch.nn as nn
from mmseg.utils import SampleList
from torch import Tensor

#: ``penalty(model) -> Tensor``: a scalar () regulariser of the (unwrapped)
#: model's parameters, added to every training step's losses.
Penalty = Callable[[nn.Module], Tensor]


@runtime_checkable
class ContinualModel(Protocol):
    """The model interface of the continual methods.

    An implementation is also an ``nn.Module``: methods may read
    ``named_parameters()``, ``modules()``, ``state_dict()`` and switch
    ``train()``/``eval()``. It is always the *unwrapped* model
    (:func:`mmhad.utils.model.unwrap_model`), never a DDP wrapper.

    Three task sets, all lists of task names in the config order of
    ``decode_heads``:

    - ``tasks``: every task the model has a head for;
    - ``learned_tasks``: the tasks it predicts (kept in checkpoints);
    - ``active_tasks``: the tasks trained on ground truth in this phase.

    Attributes:
        decode_heads (Mapping[str, nn.Module]): Task name -> its head (e.g.
            to switch an old task's head to eval mode).
        teacher (ContinualModel | None): The frozen model that distils the
            old tasks, or None; not part of ``state_dict()``.
        distill_loss (nn.Module | None): The loss between the student's and
            the teacher's old-task outputs (:meth:`set_distill_loss`).
    """

    decode_heads: Mapping[str, nn.Module]
    distill_loss: Optional[nn.Module]

    @property
    def tasks(self) -> List[str]:
        """Every task the model has a head for."""

    @property
    def learned_tasks(self) -> List[str]:
        """Tasks the model predicts."""

    active_tasks: List[str]

    @property
    def teacher(self) -> Optional['ContinualModel']:
        """The frozen teacher, or None."""

    def set_tasks(self,
                  active: Optional[Sequence[str]] = None,
                  learned: Optional[Sequence[str]] = None) -> None:
        """Set the tasks trained on labels and/or the tasks predicted
        (None leaves a set as it is); unknown names raise ``KeyError``."""

    def snapshot(self) -> 'ContinualModel':
        """A frozen deep copy (eval mode, no gradients), without the
        teacher and the penalties."""

    def set_teacher(self, teacher: Optional['ContinualModel']) -> None:
        """Attach (or with None, drop) a frozen teacher: from then on the
        teacher's learned tasks that are not active are distilled."""

    def set_distill_loss(self, loss: Optional[nn.Module]) -> None:
        """Set (or with None, drop) the loss that distils the old tasks
        towards the teacher (a module without weights, called by the
        model; e.g. :class:`~mmhad.models.losses.HADDistillLoss`)."""

    def set_penalty(self, name: str, penalty: Optional[Penalty]) -> None:
        """Add (or with None, remove) a regulariser: every training step's
        losses get ``loss_{name} = penalty(model)``. The model does not
        save it; its owner (a hook) does."""

    def supervised_loss(self, inputs: Tensor, data_samples: SampleList,
                        tasks: Sequence[str]) -> Dict[str, Tensor]:
        """The task heads' losses of ``tasks`` on a preprocessed batch.

        Args:
            inputs (Tensor): (B, 3, H, W) images from the data
                preprocessor (``data_preprocessor(batch, True)``).
            data_samples (list[SegDataSample]): The B samples, carrying the
                ground truth of every task in ``tasks``.
            tasks (Sequence[str]): Tasks with heads, in summation order.

        Returns:
            dict[str, Tensor]: ``'{task}.{key}'`` -> the head's loss terms
            (keys with ``'loss'``) and logged extras (``acc_seg``...); no
            distillation, no penalty. The model's mode (train/eval) is
            left as the caller set it.
        """
