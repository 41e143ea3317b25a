"""Mixin giving an mmseg decode head the fields of its class task."""
from typing import Optional

from .task_head import TaskHeadMixin


class DenseClassificationHeadMixin(TaskHeadMixin):
    """Per-pixel classification on the fields of a class task type.

    Mix it in *before* an mmseg decode head (``class H(Mixin, ASPPHead)``):
    everything stays the parent's (logits, loss, ``ignore_index``) except
    that the (B, 1, H, W) int64 labels are read from the task's
    ``gt_field``; :class:`MultiTaskEncoderDecoder` writes the predicted
    classes to its ``pred_field`` and the logits to its ``logits_field``
    (:class:`~mmhad.tasks.TaskType`). Plain mmseg heads (``ASPPHead``) read
    ``gt_sem_seg``, the fields of the ``'semantic'`` task.

    Args:
        task (str, optional): A registered task type of kind ``'classes'``
            or ``'binary'``. Defaults to None, meaning the class's
            :attr:`task` (``'semantic'``).
    """

    task: str = 'semantic'

    def __init__(self, *args, task: Optional[str] = None, **kwargs) -> None:
        name = self.task_definition(task).name
        super().__init__(*args, **kwargs)
        self.task = name
