"""The scorer interface: one scoring rule of one task type.

A scorer turns one (prediction, ground truth) pair into compact sufficient
statistics (:meth:`BaseScorer.process`) and the statistics of a whole set
into metrics (:meth:`BaseScorer.compute`), so that every metric is exact over
the set (pixel-weighted, not a mean of per-image values) and the per-sample
entries can be gathered across ranks. :class:`MultiTaskMetric` builds one
scorer per task from the name in the task's ``scorer`` attribute
(:data:`mmhad.registry.SCORERS`).
"""
from typing import Any, Dict, List, Optional, Tuple

from mmengine.logging import print_log
from prettytable import PrettyTable
from torch import Tensor

from mmhad.tasks import TaskType


class BaseScorer:
    """Scores one task (subclass it and register it in ``SCORERS``).

    :class:`MultiTaskMetric` passes every scorer the same options; a scorer
    takes the ones it uses as named arguments and ignores the others.

    Args:
        task (TaskType): The definition of the scored task; metric names are
            the part of an output key after ``'{task.name}/'``.
        **options: The metric's scoring options (``ignore_index``,
            ``num_classes``, ``normal_thresholds``, ``region_metrics``,
            ``boundary_ratio``, ``depth_rel_jump``, ``normal_edge_deg``,
            ``rare_fraction``); unused here.

    Attributes:
        dataset_meta (dict, optional): The metric's ``dataset_meta``
            (``classes``...), refreshed by the metric before each call.
    """

    def __init__(self, task: TaskType, **options) -> None:
        self.task = task
        self.dataset_meta: Optional[dict] = None

    def process(self, pred: Tensor, gt: Tensor) -> Any:
        """Sufficient statistics of one sample.

        Args:
            pred (Tensor): The prediction, C x H x W (as ``pred_field``
                holds it), same shape as ``gt``, finite.
            gt (Tensor): The packed ground truth, C x H x W.

        Returns:
            Any: Picklable statistics (numpy arrays, numbers, tuples).
        """
        raise NotImplementedError

    def compute(self, stats: List[Any]) -> Dict[str, float]:
        """Metrics of the set from the statistics of its samples.

        Args:
            stats (list): One :meth:`process` result per scored sample.

        Returns:
            dict[str, float]: Metric name -> value, in display order.
        """
        raise NotImplementedError

    def log_summary(self,
                    metrics: Dict[str, float],
                    valid_pixels: Optional[int] = None) -> None:
        """Log one table row of ``metrics`` (rounded) under the task name."""
        table = PrettyTable()
        for name, value in metrics.items():
            table.add_column(name, [round(value, 4)])
        if valid_pixels is not None:
            table.add_column('valid pixels', [valid_pixels])
        print_log(f'{self.task.name} results:', logger='current')
        print_log('\n' + table.get_string(), logger='current')


class RegionScorer(BaseScorer):
    """A scorer with optional ``@region`` metrics (:mod:`..region_stats`).

    Subclasses give the statistics of the headline metrics
    (:meth:`base_stats`) and of the regions (:meth:`region_stats`);
    :meth:`process` pairs them when ``region_metrics`` is on, and
    :meth:`split` takes a set's list apart again.

    Args:
        task (TaskType): The scored task.
        region_metrics (bool): Also score the ``@region`` metrics.
            Defaults to False.
        boundary_ratio (float): Band width as a share of the image diagonal
            (:func:`region_stats.band_width`). Defaults to 0.02.
        **options: Other scoring options, unused here.
    """

    def __init__(self,
                 task: TaskType,
                 region_metrics: bool = False,
                 boundary_ratio: float = 0.02,
                 **options) -> None:
        super().__init__(task, **options)
        self.region_metrics = region_metrics
        self.boundary_ratio = boundary_ratio

    def base_stats(self, pred: Tensor, gt: Tensor) -> Any:
        """Statistics of the headline metrics of one sample."""
        raise NotImplementedError

    def region_stats(self, pred: Tensor, gt: Tensor) -> Any:
        """Statistics of the ``@region`` metrics of one sample."""
        raise NotImplementedError

    def process(self, pred: Tensor, gt: Tensor) -> Any:
        """:meth:`base_stats`, paired with :meth:`region_stats` when
        ``region_metrics`` is on."""
        stats = self.base_stats(pred, gt)
        if self.region_metrics:
            return stats, self.region_stats(pred, gt)
        return stats

    def split(self, stats: List[Any]) -> Tuple[List[Any], List[Any]]:
        """``(base statistics, region statistics)`` of a set's entries; the
        second list is empty when ``region_metrics`` is off."""
        if self.region_metrics:
            return [s[0] for s in stats], [s[1] for s in stats]
        return list(stats), []
