"""Joint evaluation of every dense task of the data contract.

:class:`MultiTaskMetric` scores every task whose prediction and ground truth
a sample carries, in one pass over the validation set, and returns one flat
dict whose keys are ``'{task}/{metric}'``. What a task is scored with comes
from its definition (:mod:`mmhad.tasks`): the sample fields
(``pred_field`` / ``gt_field``), the number of channels and the scorer
(``scorer``, a name in :data:`mmhad.registry.SCORERS`); the scorers
(:mod:`mmhad.evaluation.scorers`) hold the scoring rules.

Design notes
------------
* ``process`` appends **exactly one entry per data sample** to
  ``self.results`` (an empty dict for a sample that carries no scorable task).
  mmengine's ``collect_results`` relies on this: under DDP the sampler pads
  the last rank with duplicates of the first samples and ``collect_results``
  drops them by truncating the rank-interleaved list to the dataset ``size``.
  Per-batch entries would make that truncation wrong.
* An entry maps each scored task to its scorer's compact sufficient
  statistics, so every metric is exact over the whole set (pixel-weighted,
  not a mean of per-image or per-batch values). The normal scorer keeps the
  angular error of every valid pixel (a true median needs them all): **4
  bytes per valid pixel**, held in host memory on each rank and, after
  collection, all on rank 0.
"""
import logging
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, \
    Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from torch import Tensor

from mmseg.registry import METRICS
from mmhad.registry import SCORERS
from mmhad.tasks import TaskType, get_task
from ..scorers import BaseScorer
from ..task_info import (is_registered, key_is_lower_better,
                         lower_metric_names, ordered_tasks)


class _TaskKeys(Mapping):
    """Task name -> (prediction field, ground-truth field) of every
    registered task type, read live from the definitions."""

    def __getitem__(self, task: str) -> Tuple[str, str]:
        if not is_registered(task):
            raise KeyError(task)
        definition = get_task(task)
        return definition.pred_field, definition.gt_field

    def __iter__(self) -> Iterator[str]:
        return iter(ordered_tasks())

    def __len__(self) -> int:
        return len(ordered_tasks())


#: Task name -> (prediction key, ground-truth key) in a packed SegDataSample.
TASK_KEYS: Mapping[str, Tuple[str, str]] = _TaskKeys()

#: Lower-is-better metric names of the built-in task types, derived from
#: their definitions (kept for compatibility; the direction of a key is
#: :meth:`MultiTaskMetric.is_lower_better`, ``TaskType.direction``).
LOWER_IS_BETTER: Tuple[str, ...] = lower_metric_names()


def _field_data(sample: Union[dict, BaseDataElement],
                key: str) -> Optional[Tensor]:
    """Return the tensor stored under ``key`` of a data sample, or None.

    Accepts both the dict form that :class:`mmengine.evaluator.Evaluator`
    passes (``{'pred_sem_seg': {'data': Tensor, ...}}``) and a
    :class:`mmseg.structures.SegDataSample` itself.
    """
    if isinstance(sample, BaseDataElement):
        field = getattr(sample, key, None)
    else:
        field = sample.get(key)
    if field is None:
        return None
    if isinstance(field, BaseDataElement):
        field = field.get('data')
    elif isinstance(field, dict):
        field = field.get('data')
    if field is None:
        return None
    if isinstance(field, np.ndarray):
        field = torch.from_numpy(field)
    if not isinstance(field, Tensor):
        raise TypeError(f'"{key}" must hold a tensor, got {type(field)}')
    return field


@METRICS.register_module()
class MultiTaskMetric(BaseMetric):
    """Metrics of every registered dense task type in one pass.

    For each data sample a task is scored when the sample carries both its
    prediction and its ground truth (the task's ``pred_field`` and
    ``gt_field``); a task that no sample carries gets no output keys. Keys
    (before ``prefix``) are ``'{task}/{metric}'``, tasks in
    ``TaskType.position`` order, metrics as the task's scorer returns them:

    * ``semantic/mIoU``, ``semantic/aAcc``
      (:class:`~mmhad.evaluation.scorers.SemanticScorer`);
    * ``depth/abs_err``, ``depth/rel_err``
      (:class:`~mmhad.evaluation.scorers.DepthScorer`);
    * ``normal/mean_angle``, ``normal/median_angle`` and
      ``normal/within_{t:g}`` for each ``t`` of ``normal_thresholds``
      (:class:`~mmhad.evaluation.scorers.NormalScorer`);
    * ``edge/F1``, ``edge/IoU``, ``edge/aAcc``
      (:class:`~mmhad.evaluation.scorers.EdgeScorer`);
    * ``{task}/abs_err`` for the plain regression maps
      (:class:`~mmhad.evaluation.scorers.AbsErrScorer`);
    * the metrics of any other registered task type, by its scorer.

    With ``region_metrics=True`` the scorers that have them also compute the
    metrics where HAD claims to act (regions in :mod:`.region_stats`); their
    keys carry ``@region`` (``semantic/IoU@{class}``, ``semantic/mIoU@rare``,
    ``semantic/mIoU@boundary``, ``semantic/aAcc@boundary``,
    ``depth/abs_err@edge``, ``depth/rel_err@edge``, ``depth/abs_err@rare``,
    ``depth/rel_err@rare``, ``normal/mean_angle@edge``), which
    :mod:`mmhad.evaluation.report` keeps out of Δm, forgetting and ranks
    (they are diagnostics, not headline metrics).

    All values are unrounded Python floats (tables in the log are rounded).
    Which keys are lower-is-better: :meth:`is_lower_better` (the task
    definitions' ``direction``).

    Args:
        tasks (Sequence[str], optional): Tasks to score, registered task
            names. None scores every task for which a sample carries both
            prediction and ground truth. With an explicit list, a sample
            carrying the ground truth of a listed task but no prediction for
            it is an error. Defaults to None.
        ignore_index (int): Label ignored in segmentation and edge maps.
            Defaults to 255.
        num_classes (int, optional): Number of segmentation classes. None
            takes ``len(self.dataset_meta['classes'])``. Defaults to None.
        normal_thresholds (Sequence[float]): Angles in degrees of the
            ``within_*`` normal metrics. Defaults to (11.25, 22.5, 30.0).
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix prepended to every key as
            ``'{prefix}/{task}/{metric}'``. Defaults to None.
        collect_dir (str, optional): Shared directory for collecting results
            with ``collect_device='cpu'`` (see :class:`BaseMetric`).
            Defaults to None.
        region_metrics (bool): Also score the ``@region`` metrics above.
            Defaults to False.
        boundary_ratio (float): Band width as a share of the image diagonal
            (:func:`region_stats.band_width`). Defaults to 0.02.
        depth_rel_jump (float): Relative depth jump of a depth edge.
            Defaults to 0.1.
        normal_edge_deg (float): Angle in degrees between neighbouring
            normals that makes a normal edge. Defaults to 30.
        rare_fraction (float): Share of the valid depth pixels that the rare
            depth range holds at most. Defaults to 0.1.
    """

    LOWER_IS_BETTER: Tuple[str, ...] = LOWER_IS_BETTER

    def __init__(self,
                 tasks: Optional[Sequence[str]] = None,
                 ignore_index: int = 255,
                 num_classes: Optional[int] = None,
                 normal_thresholds: Sequence[float] = (11.25, 22.5, 30.0),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None,
                 region_metrics: bool = False,
                 boundary_ratio: float = 0.02,
                 depth_rel_jump: float = 0.1,
                 normal_edge_deg: float = 30.0,
                 rare_fraction: float = 0.1) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if isinstance(tasks, str):
            tasks = (tasks, )
        if tasks is not None:
            unknown = [t for t in tasks if not is_registered(t)]
            if unknown:
                raise ValueError(f'unknown task(s) {unknown}; MultiTaskMetric '
                                 f'supports {list(ordered_tasks())}')
            tasks = tuple(tasks)
        self.tasks: Optional[Tuple[str, ...]] = tasks
        self.ignore_index = ignore_index
        if num_classes is not None and num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        self.num_classes = num_classes
        self.normal_thresholds = tuple(float(t) for t in normal_thresholds)
        for name, value in (('boundary_ratio', boundary_ratio),
                            ('depth_rel_jump', depth_rel_jump),
                            ('normal_edge_deg', normal_edge_deg),
                            ('rare_fraction', rare_fraction)):
            if not value > 0:
                raise ValueError(f'{name} must be > 0.0, got {value}')
        if rare_fraction > 1:
            raise ValueError(f'rare_fraction must be <= 1, got '
                             f'{rare_fraction}')
        self.region_metrics = region_metrics
        self.boundary_ratio = boundary_ratio
        self.depth_rel_jump = depth_rel_jump
        self.normal_edge_deg = normal_edge_deg
        self.rare_fraction = rare_fraction
        self._scorers: Dict[str, BaseScorer] = {}

    # ------------------------------------------------------------------ API
    @classmethod
    def is_lower_better(cls, key: str) -> bool:
        """Whether a lower value of an output metric is better.

        Args:
            key (str): An output key such as ``'depth/abs_err'``, with or
                without a prefix (``'val/normal/median_angle'``) or region
                suffix (``'depth/abs_err@edge'``).

        Returns:
            bool: The direction the task's definition gives the metric
            (``get_task(task).direction(metric)``).
        """
        return key_is_lower_better(key)

    def scorer(self, task: str) -> BaseScorer:
        """The scorer of ``task``, built from its definition on first use.

        Raises:
            KeyError: If the task's ``scorer`` names no registered scorer.
        """
        definition = get_task(task)
        scorer = self._scorers.get(task)
        if scorer is None or scorer.task is not definition:
            cls = SCORERS.get(definition.scorer)
            if cls is None:
                raise KeyError(
                    f'task "{task}": scorer {definition.scorer!r} is not '
                    'registered in mmhad.registry.SCORERS (known: '
                    f'{sorted(SCORERS.module_dict)})')
            scorer = self._scorers[task] = cls(
                definition,
                ignore_index=self.ignore_index,
                num_classes=self.num_classes,
                normal_thresholds=self.normal_thresholds,
                region_metrics=self.region_metrics,
                boundary_ratio=self.boundary_ratio,
                depth_rel_jump=self.depth_rel_jump,
                normal_edge_deg=self.normal_edge_deg,
                rare_fraction=self.rare_fraction)
        scorer.dataset_meta = self.dataset_meta
        return scorer

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Turn each sample into the sufficient statistics of its tasks.

        Appends one dict per sample to ``self.results``, mapping each scored
        task to its scorer's statistics.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs with ground truth,
                as dicts (or ``SegDataSample``) holding, for each task, its
                ``pred_field`` and ``gt_field`` (C x H x W, e.g.
                ``pred_sem_seg`` / ``gt_sem_seg`` labels, ``pred_depth_map``
                / ``gt_depth_map`` with gt 0 = invalid, ``pred_normal_map``
                / ``gt_normal_map`` with gt all-zero = invalid), each as
                ``{'data': Tensor}``.

        Raises:
            ValueError: If a prediction's shape differs from its ground
                truth's, a prediction holds NaN or inf, or a listed task has
                ground truth but no prediction.
        """
        names = ordered_tasks(self.tasks)
        for sample in data_samples:
            entry: Dict[str, Any] = {}
            for task in names:
                definition = get_task(task)
                gt = _field_data(sample, definition.gt_field)
                if gt is None:
                    continue
                pred = _field_data(sample, definition.pred_field)
                if pred is None:
                    if self.tasks is not None:
                        raise ValueError(
                            f'task "{task}": the sample carries '
                            f'"{definition.gt_field}" but no '
                            f'"{definition.pred_field}"; the model did not '
                            'predict a task listed in '
                            'MultiTaskMetric(tasks=...)')
                    continue
                self._check_pair(definition, pred, gt)
                entry[task] = self.scorer(task).process(pred, gt)
            self.results.append(entry)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Reduce the per-sample statistics of the whole set to metrics.

        Args:
            results (list[dict]): One entry per sample, as made by
                :meth:`process` and gathered from all ranks.

        Returns:
            dict[str, float]: ``'{task}/{metric}'`` -> value, for the tasks
            that appeared in at least one sample.
        """
        metrics: Dict[str, float] = OrderedDict()
        present = {task for r in results for task in r}
        for task in ordered_tasks(present | set(self.tasks or ())):
            stats = [r[task] for r in results if task in r]
            if not stats:
                print_log(
                    f'MultiTaskMetric: no sample carried both prediction '
                    f'and ground truth of task "{task}"; it gets no '
                    'metrics.',
                    logger='current',
                    level=logging.WARNING)
                continue
            metrics.update(
                (f'{task}/{name}', value)
                for name, value in self.scorer(task).compute(stats).items())
        if not metrics:
            print_log(
                'MultiTaskMetric: no sample carried both the prediction and '
                'the ground truth of any task; returning no metrics.',
                logger='current',
                level=logging.WARNING)
        return metrics

    # ------------------------------------------------------------ validation
    @staticmethod
    def _check_pair(task: TaskType, pred: Tensor, gt: Tensor) -> None:
        """Raise ValueError on a shape mismatch or non-finite prediction."""
        if tuple(pred.shape) != tuple(gt.shape):
            raise ValueError(
                f'task "{task.name}": prediction shape {tuple(pred.shape)} '
                f'does not match ground-truth shape {tuple(gt.shape)}')
        channels = None if task.is_classes else task.channels
        if channels and channels > 1 and (pred.dim() != 3
                                          or pred.shape[0] != channels):
            raise ValueError(
                f'task "{task.name}": expected {channels}xHxW maps, got '
                f'shape {tuple(pred.shape)}')
        if pred.is_floating_point() and not bool(torch.isfinite(pred).all()):
            raise ValueError(
                f'task "{task.name}": the prediction contains NaN or inf '
                'values')
