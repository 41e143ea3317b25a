"""HAD loss of one old task (CVPR 2026, arXiv 2603.26192) as an mmseg module.

:class:`HADLoss` is L_t of Eq. (7) in :mod:`.had_functional`;
:class:`~.distill_loss.HADDistillLoss` combines it over the old tasks
(Eq. (9)), and :class:`~.lwf_loss.LwFLoss` is the LwF baseline on the same
per-pixel maps.

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
from typing import Dict, Optional

from mmseg.registry import MODELS
from torch import Tensor

from .had_functional import (db_group_ids, db_had, had_task_loss,
                             release_normal_sg, sg_had)
from .pixel_distill import PixelDistillLoss


@MODELS.register_module()
class HADLoss(PixelDistillLoss):
    """Heterogeneity-aware distillation loss of one old task.

    L_t of Eq. (7) in :mod:`.had_functional` over the enabled terms L_DB
    (Eq. (3)) and L_SG (Eq. (6)) of the map of Eq. (1). The returned value
    is ``loss_weight * L_t``. For the plain mean of the per-pixel loss use
    :class:`~.lwf_loss.LwFLoss`.

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
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_had') -> None:
        super().__init__(
            output_type, normal_loss, loss_weight, loss_name,
            options=dict(mean=mean, group_weighting=group_weighting,
                         regression_split=regression_split,
                         group_by=group_by, sobel_padding=sobel_padding,
                         group_reduction=group_reduction,
                         sg_normalization=sg_normalization,
                         normal_sg=normal_sg))
        if not (use_db or use_sg):
            raise ValueError('HADLoss needs use_db or use_sg; use LwFLoss '
                             'for the plain distillation loss')
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
        self.normal_sg = normal_sg
        self.w_db = w_db
        self.w_sg = w_sg

    def terms(self,
              student: Tensor,
              teacher: Tensor,
              valid_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """L_t and its enabled parts ``'db'`` and ``'sg'``, see
        :meth:`PixelDistillLoss.terms`."""
        loss_map = self.loss_map(student, teacher)
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
        out['total'] = had_task_loss(weighted)
        return out
