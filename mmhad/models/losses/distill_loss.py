"""Distillation over the old tasks: lambda times the mean of their L_t."""
from typing import Dict, Mapping, Sequence, Union

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from mmhad.tasks import get_task
from .had_functional import check_option, distill_total


def build_task_loss(task: str, cfg: Union[dict, nn.Module]) -> nn.Module:
    """Build the per-task distillation loss of old task ``task``.

    A config without ``output_type`` gets the task type's ``distill``
    (``get_task(task).distill``), so a task type registered anywhere is
    distilled by its own rule; a config may still give it.

    Args:
        task (str): Task name (a registered task type unless ``cfg`` gives
            ``output_type``).
        cfg (dict | nn.Module): A :class:`~.had_loss.HADLoss` /
            :class:`~.lwf_loss.LwFLoss` config, or a built module (kept).

    Returns:
        nn.Module: The loss.

    Raises:
        KeyError: If ``output_type`` is omitted and no task type ``task``
            is registered.
        ValueError: If ``output_type`` is omitted and the task type has no
            ``distill`` rule.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if 'output_type' not in cfg:
        rule = get_task(task).distill
        if not rule:
            raise ValueError(f'task {task!r} has no distill rule: give its '
                             'distillation loss an output_type')
        cfg = dict(cfg, output_type=rule)
    return MODELS.build(cfg)


@MODELS.register_module()
class HADDistillLoss(nn.Module):
    """Distillation over the old tasks: lambda * mean_t L_t (Eq. (9)).

    The per-task losses are :class:`~.had_loss.HADLoss` (HAD) or
    :class:`~.lwf_loss.LwFLoss` (the LwF baseline), any mix;
    ``task_reduction='sum'`` (the authors' release) gives
    lambda * sum_t L_t, see :func:`~.had_functional.distill_total`.

    Example::

        dict(type='HADDistillLoss', loss_weight=3.0, losses=dict(
            semantic=dict(type='HADLoss'),   # output_type 'segmentation'
            depth=dict(type='HADLoss', eps=0.1),
            normal=dict(type='HADLoss', output_type='normal')))

    Args:
        losses (dict[str, dict]): Per-task loss configs (or modules), keyed
            by task name; a config without ``output_type`` gets the task
            type's ``distill`` (:func:`build_task_loss`). Their own
            ``loss_weight`` multiplies their L_t inside the mean.
        loss_weight (float): lambda. Defaults to 3.0.
        task_reduction (str): ``'mean'`` (paper) or ``'sum'`` (release)
            over the old tasks. Defaults to 'mean'.
        loss_name (str): Key of the total in :meth:`loss_dict`.
            Defaults to 'loss_distill'.
    """

    def __init__(self,
                 losses: Mapping[str, Union[dict, nn.Module]],
                 loss_weight: float = 3.0,
                 loss_name: str = 'loss_distill',
                 task_reduction: str = 'mean') -> None:
        super().__init__()
        self.task_reduction = check_option('task_reduction', task_reduction)
        if not losses:
            raise ValueError('losses must configure at least one task')
        for task in losses:
            if 'loss' in task:
                raise ValueError(f'task name {task!r} must not contain '
                                 '"loss" (its log keys would be optimised)')
        self.losses = nn.ModuleDict({
            task: build_task_loss(task, cfg)
            for task, cfg in losses.items()
        })
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def loss_dict(
        self,
        student_outputs: Mapping[str, Tensor],
        teacher_outputs: Mapping[str, Tensor],
        valid_masks: Union[None, Tensor, Mapping[str, Tensor]] = None
    ) -> Dict[str, Tensor]:
        """Total loss plus detached per-task values for logging.

        Args:
            student_outputs (dict[str, Tensor]): Student outputs of the old
                tasks, (B, C_t, H, W) each. Every key is distilled.
            teacher_outputs (dict[str, Tensor]): Teacher outputs, same keys
                (extra keys are ignored) and shapes.
            valid_masks (Tensor | dict[str, Tensor], optional): One
                (B, H, W) bool mask for all tasks, or one per task.

        Returns:
            dict[str, Tensor]: ``{loss_name: L_distill}`` (with grad) and,
            detached, ``distill_{task}`` (L_t times the task's
            ``loss_weight``) and ``distill_{task}_{part}`` for part in
            db / sg (HAD) or lwf (LwF). No logging key contains "loss".
        """
        if not student_outputs:
            raise ValueError('no old-task output to distill')
        out: Dict[str, Tensor] = {}
        per_task = []
        for task, student in student_outputs.items():
            if task not in self.losses:
                raise KeyError(f'no HAD loss configured for task {task!r}')
            if task not in teacher_outputs:
                raise KeyError(f'no teacher output for task {task!r}')
            if isinstance(valid_masks, Mapping):
                mask = valid_masks.get(task)
            else:
                mask = valid_masks
            loss = self.losses[task]
            terms = loss.terms(student, teacher_outputs[task], mask)
            value = loss.loss_weight * terms.pop('total')
            per_task.append(value)
            out[f'distill_{task}'] = value.detach()
            for part, v in terms.items():
                out[f'distill_{task}_{part}'] = v.detach()
        total = distill_total(
            torch.stack(per_task), self.loss_weight, self.task_reduction)
        return {self._loss_name: total, **out}

    def forward(
        self,
        student_outputs: Mapping[str, Tensor],
        teacher_outputs: Mapping[str, Tensor],
        valid_masks: Union[None, Tensor, Mapping[str, Tensor]] = None
    ) -> Tensor:
        """Return lambda * mean (or sum) over the old tasks of L_t."""
        return self.loss_dict(student_outputs, teacher_outputs,
                              valid_masks)[self._loss_name]

    @property
    def loss_name(self) -> str:
        """Name of the total loss item."""
        return self._loss_name


def build_distill_loss(cfg: Mapping, tasks: Sequence[str]) -> HADDistillLoss:
    """Build a method's distillation loss for a model with heads ``tasks``.

    A continual method's ``_base_`` file (``configs/_base_/continual/``)
    configures one per-task loss for every task type it knows; a model has
    heads for some of them (Cityscapes: semantic and depth). Entries of
    ``cfg['losses']`` for tasks without a head are left out, so one method
    file serves every model.

    Args:
        cfg (Mapping): A ``HADDistillLoss`` config (the run config's
            top-level ``distill_loss``).
        tasks (Sequence[str]): The model's tasks (``model.tasks``).

    Returns:
        HADDistillLoss: The loss over the old tasks among ``tasks``.

    Raises:
        ValueError: If ``losses`` configures none of ``tasks``.
    """
    cfg = dict(cfg)
    losses = dict(cfg.get('losses') or {})
    cfg['losses'] = {t: losses[t] for t in tasks if t in losses}
    if not cfg['losses']:
        raise ValueError(
            f'distill_loss.losses configures {sorted(losses)} but the '
            f'model has heads {list(tasks)}: give a loss for the tasks '
            'that are distilled')
    return MODELS.build(cfg)
