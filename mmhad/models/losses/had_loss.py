"""HAD distillation losses (CVPR 2026, arXiv 2603.26192) as mmseg modules.

:class:`HADLoss` is the loss of one old task; :class:`HADDistillLoss` averages
(or, as the authors' release, sums) it over the old tasks present and scales
it by lambda. The pure functions are in
:mod:`mmhad.models.losses.had_functional`.

Every deviation of the authors' release (github Deexaa/HAD, ``utility.py``,
``methods/had.py``) is one option whose default is the paper's form; the
allowed values of all of them are in ``had_functional.OPTIONS``. The release
combines: ``group_weighting='release_softmax'`` (segmentation),
``regression_split='release_raw_student'``, ``mean='arithmetic'`` with
``group_reduction='sum'`` (depth, normals), ``sg_normalization='all_pixels'``
(segmentation), ``normal_loss='release_cos3'``,
``normal_sg='release_unmasked_sum'``, ``sobel_padding='zeros'`` and
``HADDistillLoss(task_reduction='sum')``.

Not reproduced (release quirks kept out on purpose): the release's
geometric mean drops exact zeros where mmhad adds ``eps``; its depth SG
divides by the count of non-zero masked losses and, for a batch of B > 1,
broadcasts the (B, 1, H, W) loss against the (B, H, W) mask to B x B x H x W;
its split drops pixels exactly at ``delta``.
"""
from typing import Dict, Mapping, Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .had_functional import (check_option, db_group_ids, db_had,
                             masked_mean, pixel_distill_loss,
                             release_normal_sg, sg_had)


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
        group_reduction (str): DB over its groups: ``'mean'`` (paper) or
            ``'sum'`` (release for depth / normals, with
            ``mean='arithmetic'``), see :func:`db_had`. Defaults to 'mean'.
        sg_normalization (str): ``'edge_pixels'`` (paper, sum(M l)/sum(M))
            or ``'all_pixels'`` (release for segmentation, mean of M l over
            all pixels), see :func:`sg_had`. Defaults to 'edge_pixels'.
        normal_loss (str): Normals only: ``'cosine'`` (paper, 1 - cos) or
            ``'release_cos3'`` (release, 1 - cos/3), see
            :func:`pixel_distill_loss`. With ``group_reduction='sum'`` an
            empty DB group then counts as 1, as in the release.
            Defaults to 'cosine'.
        normal_sg (str): Normals only: ``'masked'`` (paper, via
            ``sg_normalization``) or ``'release_unmasked_sum'`` (release,
            see :func:`release_normal_sg`). Defaults to 'masked'.
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
                 group_reduction: str = 'mean',
                 sg_normalization: str = 'edge_pixels',
                 normal_loss: str = 'cosine',
                 normal_sg: str = 'masked',
                 w_db: float = 1.0,
                 w_sg: float = 1.0,
                 mode: str = 'had',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_had') -> None:
        super().__init__()
        options = dict(output_type=output_type, mode=mode, mean=mean,
                       group_weighting=group_weighting,
                       regression_split=regression_split, group_by=group_by,
                       sobel_padding=sobel_padding,
                       group_reduction=group_reduction,
                       sg_normalization=sg_normalization,
                       normal_loss=normal_loss, normal_sg=normal_sg)
        for name, value in options.items():
            check_option(name, value)
        if mode == 'had' and not (use_db or use_sg):
            raise ValueError('mode="had" needs use_db or use_sg; use '
                             'mode="lwf" for the plain distillation loss')
        for name, paper in (('normal_loss', 'cosine'),
                            ('normal_sg', 'masked')):
            if output_type != 'normal' and options[name] != paper:
                raise ValueError(f'{name}={options[name]!r} only applies to '
                                 f'output_type="normal", got {output_type!r}')
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
        self.group_reduction = group_reduction
        self.sg_normalization = sg_normalization
        self.normal_loss = normal_loss
        self.normal_sg = normal_sg
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
        loss_map = pixel_distill_loss(student, teacher, self.output_type,
                                      self.normal_loss)
        if self.mode == 'lwf':
            lwf = masked_mean(loss_map, valid_mask)
            return dict(total=lwf, lwf=lwf)
        out: Dict[str, Tensor] = {}
        weighted = []
        if self.use_db:
            ids, num_groups = db_group_ids(student, teacher, self.output_type,
                                           valid_mask, self.delta,
                                           self.regression_split)
            # release normals: an empty group's 1 - mean(cos/3) is 1
            empty = float(self.normal_loss == 'release_cos3'
                          and self.group_reduction == 'sum')
            out['db'] = db_had(loss_map, ids, num_groups, valid_mask,
                               self.mean, self.eps, self.group_weighting,
                               self.group_by, self.group_reduction, empty)
            weighted.append(self.w_db * out['db'])
        if self.use_sg:
            if self.normal_sg == 'release_unmasked_sum':
                out['sg'] = release_normal_sg(loss_map, student, teacher,
                                              valid_mask, self.k,
                                              self.sobel_padding)
            else:
                out['sg'] = sg_had(loss_map, valid_mask, self.k,
                                   self.sobel_padding, self.sg_normalization)
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
    """HAD over the old tasks: lambda * mean_t L_t (paper).

    ``task_reduction='sum'`` (the authors' release, ``methods/had.py``:
    ``new_loss += _loss`` over the old tasks, then ``args.new * new_loss``)
    gives lambda * sum_t L_t: in phase 3 (two old tasks) twice the mean.

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
            dict[str, Tensor]: ``{loss_name: lambda * mean_t L_t}`` (sum_t
            with ``task_reduction='sum'``; with
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
        per_task = torch.stack(per_task)
        if self.task_reduction == 'sum':
            # release: L_distill = lambda * sum_t L_t
            total = self.loss_weight * per_task.sum()
        else:
            # L_distill = lambda * (1/|old tasks|) sum_t L_t
            total = self.loss_weight * per_task.mean()
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
