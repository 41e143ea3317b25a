"""Binding of a decode head to a registered task type."""
from typing import Optional

import torch
from mmseg.utils import SampleList
from torch import Tensor

from mmhad.tasks import TaskType, get_task, task_names


class TaskHeadMixin:
    """A decode head that reads its fields from a task definition.

    The head of task ``task`` (a name registered with
    :func:`mmhad.tasks.register_task`) trains on the ``SegDataSample`` field
    ``get_task(task).gt_field`` and the segmentor writes its prediction to
    ``pred_field`` (and class scores to ``logits_field``). Subclasses check
    the definition with :meth:`task_definition` in ``__init__`` (before the
    parent head is built, to take its defaults) and store the name in
    :attr:`task` afterwards.

    Attributes:
        task (str): Name of the task type; a class attribute gives the
            default of the ``task=`` argument (``''``: required).
        predicts_classes (bool): Whether the head suits class tasks
            (``'classes'``/``'binary'`` kinds) or regressions.
    """

    task: str = ''
    predicts_classes: bool = True

    @classmethod
    def task_definition(cls, task: Optional[str] = None) -> TaskType:
        """The definition of ``task`` (default: the class's :attr:`task`).

        Raises:
            ValueError: If no task is given and the class has no default, or
                the task's kind does not suit the head.
            KeyError: If no task type of that name is registered.
        """
        name = task or cls.task
        if not name:
            raise ValueError(f'{cls.__name__} needs task=<name>, one of the '
                             f'registered task types {task_names()}')
        definition = get_task(name)
        if definition.is_classes != cls.predicts_classes:
            wanted = 'a class' if cls.predicts_classes else 'a regression'
            raise ValueError(
                f'{cls.__name__} is {wanted} head; task "{name}" has kind '
                f'{definition.kind!r}')
        return definition

    @property
    def task_type(self) -> TaskType:
        """The head's task definition (``get_task(self.task)``)."""
        return get_task(self.task)

    @property
    def gt_field(self) -> str:
        """``SegDataSample`` field holding the ground truth."""
        return self.task_type.gt_field

    @property
    def pred_field(self) -> str:
        """``SegDataSample`` field the prediction is written to."""
        return self.task_type.pred_field

    @property
    def logits_field(self) -> Optional[str]:
        """Field of the class scores (None for regressions)."""
        return self.task_type.logits_field

    def _stack_batch_gt(self, batch_data_samples: SampleList) -> Tensor:
        """Ground truth of the batch from :attr:`gt_field`, (B, C, H, W)."""
        missing = [i for i, s in enumerate(batch_data_samples)
                   if self.gt_field not in s]
        if missing:
            raise KeyError(f'{type(self).__name__}: samples {missing} carry '
                           f'no "{self.gt_field}"; load it in the pipeline')
        return torch.stack(
            [s.get(self.gt_field).data for s in batch_data_samples])
