"""HAD distillation losses (CVPR 2026, arXiv 2603.26192) as mmseg modules.

:class:`HADLoss` is the loss of one old task; :class:`HADDistillLoss` averages
it over the old tasks present and scales it by lambda. The pure functions are
in :mod:`mmhad.models.losses.had_functional`.
"""
from typing import Dict, Mapping, Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .had_functional import (OUTPUT_TYPES, db_group_ids, db_had, masked_mean,
                             pixel_distill_loss, sg_had)


@MODELS.register_module()
class HADLoss(nn.Module):
    """Heterogeneity-aware distillation loss of one old task.

    ``mode='had'``: L_t = (w_db * L_DB + w_sg * L_SG) / (number of enabled
    terms), i.e. (L_DB + L_SG) / 2 with both on (see ``had_functional`` for
    L_DB and L_SG). ``mode='lwf'``: L_t = mean of the per-pixel loss over the
    valid pixels (LwF-style baseline with the same pseudo-labels). The
    returned value is ``loss_weight * L_t``.

    Args:
        output_type (str): ``'segmentation'`` (C logits), ``'regression'``
            (e.g. depth, 1 channel) or ``'normal'`` (3-vectors).
        use_db (bool): Use the distribution-balanced term. Defaults to True.
        use_sg (bool): Use the salience-guided term. Defaults to True.
        mean (str): Group mean of DB-HAD, ``'geometric'`` (paper) or
            ``'arithmetic'`` (ablation). Defaults to 'geometric'.
        delta (float): Regression split point. Defaults to 0.5.
        k (float): SG edge threshold on the normalised Sobel magnitude.
            Defaults to 0.9.
        eps (float): Offset in log(l + eps) of the geometric mean.
            Defaults to 1e-6.
        group_weighting (str): ``'uniform'`` (paper) or ``'release_softmax'``
            (authors' release, see :func:`db_had`). Defaults to 'uniform'.
        regression_split (str): ``'normalized_teacher'`` (paper) or
            ``'release_raw_student'`` (release, see :func:`db_group_ids`).
            Defaults to 'normalized_teacher'.
        group_by (str): DB groups pooled over the ``'batch'`` or per
            ``'image'``. Defaults to 'batch'.
        sobel_padding (str): ``'replicate'`` or ``'zeros'`` (release).
            Defaults to 'replicate'.
        w_db (float): Weight of L_DB. Defaults to 1.0.
        w_sg (float): Weight of L_SG. Defaults to 1.0.
        mode (str): ``'had'`` or ``'lwf'``. Defaults to 'had'.
        loss_weight (float): Multiplier of L_t. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to 'loss_had'.
    """

    def __init__(self,
                 output_type: str,
                 use_db: bool = True,
                 use_sg: bool = True,
                 mean: str = 'geometric',
                 delta: float = 0.5,
                 k: float = 0.9,
                 eps: float = 1e-6,
                 group_weighting: str = 'uniform',
                 regression_split: str = 'normalized_teacher',
                 group_by: str = 'batch',
                 sobel_padding: str = 'replicate',
                 w_db: float = 1.0,
                 w_sg: float = 1.0,
                 mode: str = 'had',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_had') -> None:
        super().__init__()
        if output_type not in OUTPUT_TYPES:
            raise ValueError(f'output_type must be one of {OUTPUT_TYPES}, '
                             f'got {output_type!r}')
        if mode not in ('had', 'lwf'):
            raise ValueError(f'mode must be "had" or "lwf", got {mode!r}')
        if mode == 'had' and not (use_db or use_sg):
            raise ValueError('mode="had" needs use_db or use_sg; use '
                             'mode="lwf" for the plain distillation loss')
        for name, value, allowed in (
            ('mean', mean, ('geometric', 'arithmetic')),
            ('group_weighting', group_weighting,
             ('uniform', 'release_softmax')),
            ('regression_split', regression_split,
             ('normalized_teacher', 'release_raw_student')),
            ('group_by', group_by, ('batch', 'image')),
            ('sobel_padding', sobel_padding, ('replicate', 'zeros')),
        ):
            if value not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got '
                                 f'{value!r}')
        self.output_type = output_type
        self.use_db = use_db
        self.use_sg = use_sg
        self.mean = mean
        self.delta = delta
        self.k = k
        self.eps = eps
        self.group_weighting = group_weighting
        self.regression_split = regression_split
        self.group_by = group_by
        self.sobel_padding = sobel_padding
        self.w_db = w_db
        self.w_sg = w_sg
        self.mode = mode
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def terms(self,
              student: Tensor,
              teacher: Tensor,
              valid_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Compute L_t (without ``loss_weight``) and its parts.

        Args:
            student (Tensor): Student output, (B, C, H, W).
            teacher (Tensor): Teacher output, (B, C, H, W); never receives
                gradient.
            valid_mask (Tensor, optional): (B, H, W) bool, pixels to use.

        Returns:
            dict[str, Tensor]: ``'total'`` = L_t (scalar, float32, with grad)
            and the enabled parts ``'db'``, ``'sg'`` (mode 'had') or
            ``'lwf'`` (mode 'lwf'), all with grad.
        """
        loss_map = pixel_distill_loss(student, teacher, self.output_type)
        if self.mode == 'lwf':
            lwf = masked_mean(loss_map, valid_mask)
            return dict(total=lwf, lwf=lwf)
        out: Dict[str, Tensor] = {}
        weighted = []
        if self.use_db:
            ids, num_groups = db_group_ids(student, teacher, self.output_type,
                                           valid_mask, self.delta,
                                           self.regression_split)
            out['db'] = db_had(loss_map, ids, num_groups, valid_mask,
                               self.mean, self.eps, self.group_weighting,
                               self.group_by)
            weighted.append(self.w_db * out['db'])
        if self.use_sg:
            out['sg'] = sg_had(loss_map, valid_mask, self.k,
                               self.sobel_padding)
            weighted.append(self.w_sg * out['sg'])
        # L_t = (w_db L_DB + w_sg L_SG) / (number of enabled terms)
        out['total'] = sum(weighted) / len(weighted)
        return out

    def forward(self,
                student: Tensor,
                teacher: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Return ``loss_weight * L_t`` (scalar, float32)."""
        return self.loss_weight * self.terms(student, teacher,
                                             valid_mask)['total']

    @property
    def loss_name(self) -> str:
        """Name of the loss item; starts with ``loss_`` to be optimised."""
        return self._loss_name


@MODELS.register_module()
class HADDistillLoss(nn.Module):
    """HAD over the old tasks: lambda * mean_t L_t.

    Example::

        dict(type='HADDistillLoss', loss_weight=3.0, losses=dict(
            semantic=dict(type='HADLoss', output_type='segmentation'),
            depth=dict(type='HADLoss', output_type='regression'),
            normal=dict(type='HADLoss', output_type='normal')))

    Args:
        losses (dict[str, dict]): Per-task :class:`HADLoss` configs (or
            modules), keyed by task name. Their own ``loss_weight`` multiplies
            their L_t inside the mean.
        loss_weight (float): lambda. Defaults to 3.0.
        loss_name (str): Key of the total in :meth:`loss_dict`.
            Defaults to 'loss_distill'.
    """

    def __init__(self,
                 losses: Mapping[str, Union[dict, nn.Module]],
                 loss_weight: float = 3.0,
                 loss_name: str = 'loss_distill') -> None:
        super().__init__()
        if not losses:
            raise ValueError('losses must configure at least one task')
        for task in losses:
            if 'loss' in task:
                raise ValueError(f'task name {task!r} must not contain '
                                 '"loss" (its log keys would be optimised)')
        self.losses = nn.ModuleDict({
            task: cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)
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
            dict[str, Tensor]: ``{loss_name: lambda * mean_t L_t}`` (with
            grad) and, detached, ``distill_{task}`` (L_t times the task's
            ``loss_weight``) and ``distill_{task}_{part}`` for part in
            db / sg / lwf. No logging key contains "loss".
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
        # L_distill = lambda * (1/|old tasks|) sum_t L_t
        total = self.loss_weight * torch.stack(per_task).mean()
        return {self._loss_name: total, **out}

    def forward(
        self,
        student_outputs: Mapping[str, Tensor],
        teacher_outputs: Mapping[str, Tensor],
        valid_masks: Union[None, Tensor, Mapping[str, Tensor]] = None
    ) -> Tensor:
        """Return lambda * mean over the old tasks of L_t (scalar)."""
        return self.loss_dict(student_outputs, teacher_outputs,
                              valid_masks)[self._loss_name]

    @property
    def loss_name(self) -> str:
        """Name of the total loss item."""
        return self._loss_name
