"""Joint evaluation of every dense task of the data contract.

:class:`MultiTaskMetric` scores every task of the data contract
(``docs/data_contract.md``) in one pass over the validation set and returns
one flat dict whose keys are ``'{task}/{metric}'``.

Design notes
------------
* ``process`` appends **exactly one entry per data sample** to
  ``self.results`` (an empty dict for a sample that carries no scorable task).
  mmengine's ``collect_results`` relies on this: under DDP the sampler pads
  the last rank with duplicates of the first samples and ``collect_results``
  drops them by truncating the rank-interleaved list to the dataset ``size``.
  Per-batch entries would make that truncation wrong.
* The entries are compact sufficient statistics, so every metric is exact
  over the whole set (pixel-weighted, not a mean of per-image or per-batch
  values):

  - ``semantic``: per-class intersection / union / prediction / label areas,
    a ``(4, num_classes)`` int64 array (as :class:`mmseg.evaluation.IoUMetric`
    stores them, via its ``intersect_and_union`` helper);
  - ``depth``: ``(sum |pred - gt|, sum |pred - gt| / gt, valid pixel count)``;
  - ``edge``: ``(true positives, false positives, false negatives, correct,
    labelled)`` pixel counts of the edge class;
  - ``albedo`` / ``shading``: ``(sum |pred - gt| over the valid pixels and
    channels, number of those values)``;
  - ``normal``: the angular error in degrees of every valid pixel, a float32
    array. A true median over the whole set needs all of them, so this costs
    **4 bytes per valid pixel** (e.g. about 290 MB for the 654 NYUv2 test
    images at 288x384, about 800 MB at 480x640), held in host memory on each
    rank and, after collection, all on rank 0.
"""
import logging
import warnings
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from prettytable import PrettyTable
from torch import Tensor

from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from . import region_stats as rs

#: Task name -> (prediction key, ground-truth key) in a packed SegDataSample.
TASK_KEYS: Dict[str, Tuple[str, str]] = OrderedDict(
    semantic=('pred_sem_seg', 'gt_sem_seg'),
    depth=('pred_depth_map', 'gt_depth_map'),
    normal=('pred_normal_map', 'gt_normal_map'),
    edge=('pred_edge_map', 'gt_edge_map'),
    albedo=('pred_albedo_map', 'gt_albedo_map'),
    shading=('pred_shading_map', 'gt_shading_map'),
)

#: Metric names (the part of an output key after the last ``/``) for which a
#: lower value is better. Every other metric of :class:`MultiTaskMetric`
#: (``mIoU``, ``aAcc``, ``within_*``, ``F1``, ``IoU``) is higher-is-better.
LOWER_IS_BETTER: Tuple[str, ...] = ('abs_err', 'rel_err', 'mean_angle',
                                    'median_angle')
#: Tasks with ``@region`` metrics, and the key of their per-sample statistics.
REGION_TASKS: Tuple[str, ...] = ('semantic', 'depth', 'normal')
REGIONS_KEY = 'regions'


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
    """Metrics of every dense task (``TASK_KEYS``) in one pass.

    For each data sample a task is scored when the sample carries both its
    prediction and its ground truth (see ``TASK_KEYS``); a task that no
    sample carries gets no output keys. Output keys (before ``prefix``):

    * ``semantic/mIoU``: mean IoU in %, over the classes with a non-zero
      union (classes absent from both prediction and ground truth are NaN and
      excluded, as in mmseg); ``semantic/aAcc``: pixel accuracy in % over the
      pixels whose label is not ``ignore_index``.
    * ``depth/abs_err``: mean ``|pred - gt|`` in the depth unit (metres, or
      disparity for Cityscapes) over all valid pixels of the set (``gt > 0``
      and finite); ``depth/rel_err``: mean ``|pred - gt| / gt`` over them.
    * ``normal/mean_angle``, ``normal/median_angle``: angular error in
      degrees over all valid pixels of the set (ground truth not the
      all-zero vector); ``normal/within_{t:g}`` for each ``t`` of
      ``normal_thresholds``: % of valid pixels whose error is ``< t``
      degrees (defaults: ``within_11.25``, ``within_22.5``, ``within_30``).
    * ``edge/F1``, ``edge/IoU``: F1 score ``2 TP / (2 TP + FP + FN)`` and IoU
      ``TP / (TP + FP + FN)`` of the edge class (label 1) in %, counted over
      all labelled pixels of the set (label not ``ignore_index``; NaN when
      neither prediction nor ground truth has an edge); ``edge/aAcc``: pixel
      accuracy in % over the labelled pixels.
    * ``albedo/abs_err``, ``shading/abs_err``: mean ``|pred - gt|`` over all
      valid pixels of the set and all channels (a pixel is valid when its
      ground truth is finite and not all-zero), in reflectance / shading
      units.

    With ``region_metrics=True`` the metrics are also computed where HAD
    claims to act (regions in :mod:`.region_stats`); their keys carry
    ``@region``, which :mod:`mmhad.evaluation.continual_report` keeps out of
    Δm, forgetting and ranks (they are diagnostics, not headline metrics):

    * ``semantic/IoU@{class}``: IoU of every class in % (NaN when absent
      from prediction and ground truth);
    * ``semantic/mIoU@rare``: mean IoU of the rare classes, those whose
      ground-truth pixel count over the set is below the median count of the
      classes present;
    * ``semantic/mIoU@boundary``, ``semantic/aAcc@boundary``: mIoU and pixel
      accuracy over the band of label edges;
    * ``depth/abs_err@edge``, ``depth/rel_err@edge``: depth errors over the
      band of depth discontinuities; ``depth/abs_err@rare``,
      ``depth/rel_err@rare``: over the rarest depth range;
    * ``normal/mean_angle@edge``: mean angular error over the band of normal
      discontinuities.

    All values are unrounded Python floats (tables in the log are rounded).
    Which keys are lower-is-better: :data:`LOWER_IS_BETTER` /
    :meth:`is_lower_better`.

    Args:
        tasks (Sequence[str], optional): Tasks to score, a subset of
            ``TASK_KEYS`` (``semantic``, ``depth``, ``normal``, ``edge``,
            ``albedo``, ``shading``). None scores every task for
            which a sample carries both prediction and ground truth. With an
            explicit list, a sample carrying the ground truth of a listed task
            but no prediction for it is an error. Defaults to None.
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

    TASKS: Tuple[str, ...] = tuple(TASK_KEYS)
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
            unknown = [t for t in tasks if t not in TASK_KEYS]
            if unknown:
                raise ValueError(f'unknown task(s) {unknown}; MultiTaskMetric '
                                 f'supports {list(TASK_KEYS)}')
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

    # ------------------------------------------------------------------ API
    @classmethod
    def is_lower_better(cls, key: str) -> bool:
        """Whether a lower value of an output metric is better.

        Args:
            key (str): An output key such as ``'depth/abs_err'``, with or
                without a prefix (``'val/normal/median_angle'``); only the
                part after the last ``/`` is matched.

        Returns:
            bool: True for ``abs_err``, ``rel_err``, ``mean_angle`` and
            ``median_angle``; False otherwise.
        """
        return key.rsplit('/', 1)[-1].split('@')[0] in cls.LOWER_IS_BETTER

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Turn each sample into the sufficient statistics of its tasks.

        Appends one dict per sample to ``self.results``, mapping each scored
        task to its statistics (see the module docstring).

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs with ground truth,
                as dicts (or ``SegDataSample``) holding ``pred_sem_seg`` /
                ``gt_sem_seg`` (1xHxW labels), ``pred_depth_map`` /
                ``gt_depth_map`` (1xHxW, gt 0 = invalid) and
                ``pred_normal_map`` / ``gt_normal_map`` (3xHxW, gt all-zero
                = invalid), ``pred_edge_map`` / ``gt_edge_map`` (1xHxW
                labels 0 / 1, gt ``ignore_index`` = invalid),
                ``pred_albedo_map`` / ``gt_albedo_map`` (3xHxW) and
                ``pred_shading_map`` / ``gt_shading_map`` (1xHxW, gt
                all-zero = invalid), each as ``{'data': Tensor}``.

        Raises:
            ValueError: If a prediction's shape differs from its ground
                truth's, a prediction holds NaN or inf, or a listed task has
                ground truth but no prediction.
        """
        for sample in data_samples:
            entry: Dict[str, Any] = {}
            for task in (self.tasks or self.TASKS):
                pred_key, gt_key = TASK_KEYS[task]
                gt = _field_data(sample, gt_key)
                if gt is None:
                    continue
                pred = _field_data(sample, pred_key)
                if pred is None:
                    if self.tasks is not None:
                        raise ValueError(
                            f'task "{task}": the sample carries "{gt_key}" '
                            f'but no "{pred_key}"; the model did not predict '
                            'a task listed in MultiTaskMetric(tasks=...)')
                    continue
                self._check_pair(task, pred, gt)
                entry[task] = self._stats(task, pred, gt)
                if self.region_metrics and task in REGION_TASKS:
                    entry.setdefault(REGIONS_KEY, {})[task] = getattr(
                        self, f'_{task}_region_stats')(pred, gt)
            self.results.append(entry)

    def _stats(self, task: str, pred: Tensor, gt: Tensor) -> Any:
        """Sufficient statistics of one task on one sample."""
        if task == 'semantic':
            return self._semantic_stats(pred, gt)
        if task == 'depth':
            return self._depth_stats(pred, gt)
        if task == 'normal':
            return self._normal_errors(pred, gt)
        if task == 'edge':
            return self._edge_stats(pred, gt)
        return self._abs_err_stats(pred, gt)  # albedo, shading

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
        for task in self.TASKS:
            stats = [r[task] for r in results if task in r]
            if not stats:
                if self.tasks is not None and task in self.tasks:
                    print_log(
                        f'MultiTaskMetric: no sample carried both prediction '
                        f'and ground truth of task "{task}"; it gets no '
                        'metrics.',
                        logger='current',
                        level=logging.WARNING)
                continue
            if task == 'semantic':
                task_metrics = self._semantic_metrics(stats)
            elif task == 'depth':
                task_metrics = self._depth_metrics(stats)
            elif task == 'normal':
                task_metrics = self._normal_metrics(stats)
            elif task == 'edge':
                task_metrics = self._edge_metrics(stats)
            else:
                task_metrics = self._abs_err_metrics(task, stats)
            if self.region_metrics and task in REGION_TASKS:
                regions = [r[REGIONS_KEY][task] for r in results
                           if task in r.get(REGIONS_KEY, {})]
                task_metrics.update(getattr(
                    self, f'_{task}_region_metrics')(stats, regions))
            metrics.update(
                (f'{task}/{name}', value)
                for name, value in task_metrics.items())
        if not metrics:
            print_log(
                'MultiTaskMetric: no sample carried both the prediction and '
                'the ground truth of any task; returning no metrics.',
                logger='current',
                level=logging.WARNING)
        return metrics

    # ------------------------------------------------------------ validation
    @staticmethod
    def _check_pair(task: str, pred: Tensor, gt: Tensor) -> None:
        """Raise ValueError on a shape mismatch or non-finite prediction."""
        if tuple(pred.shape) != tuple(gt.shape):
            raise ValueError(
                f'task "{task}": prediction shape {tuple(pred.shape)} does '
                f'not match ground-truth shape {tuple(gt.shape)}')
        channels = dict(normal=3, albedo=3).get(task)
        if channels and (pred.dim() != 3 or pred.shape[0] != channels):
            raise ValueError(
                f'task "{task}": expected {channels}xHxW maps, got shape '
                f'{tuple(pred.shape)}')
        if pred.is_floating_point() and not bool(torch.isfinite(pred).all()):
            raise ValueError(
                f'task "{task}": the prediction contains NaN or inf values')

    # ------------------------------------------------------ per-sample stats
    def _get_num_classes(self) -> int:
        if self.num_classes is not None:
            return self.num_classes
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError(
                'MultiTaskMetric needs the number of segmentation classes: '
                'pass num_classes=... or set dataset_meta["classes"]')
        return len(classes)

    def _semantic_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Per-class areas of one image.

        Args:
            pred (Tensor): Predicted labels, 1xHxW (or HxW).
            gt (Tensor): Ground-truth labels, same shape; ``ignore_index``
                pixels are skipped.

        Returns:
            np.ndarray: int64 array of shape (4, num_classes): intersection,
            union, prediction and label area in pixels, per class.
        """
        pred_label = pred.squeeze()
        label = gt.squeeze().to(pred_label)
        # mmseg's helper histograms in float32: exact up to 2**24 pixels per
        # image; the int64 copy keeps the sum over the set exact.
        areas = IoUMetric.intersect_and_union(pred_label, label,
                                              self._get_num_classes(),
                                              self.ignore_index)
        return torch.stack(areas).round().to(torch.int64).numpy()

    @staticmethod
    def _depth_stats(pred: Tensor, gt: Tensor) -> Tuple[float, float, int]:
        """Error sums of one depth map over its valid pixels.

        Args:
            pred (Tensor): Predicted depth, 1xHxW, in the unit of ``gt``.
            gt (Tensor): Ground-truth depth, same shape; valid where finite
                and > 0.

        Returns:
            tuple: ``(sum |pred - gt|, sum |pred - gt| / gt, valid count)``.
        """
        gt = gt.double()
        valid = torch.isfinite(gt) & (gt > 0)
        gt_valid = gt[valid]
        abs_diff = (pred.double()[valid] - gt_valid).abs()
        return (float(abs_diff.sum()), float((abs_diff / gt_valid).sum()),
                int(valid.sum()))

    @staticmethod
    def _normal_errors(pred: Tensor, gt: Tensor) -> np.ndarray:
        """Angular error of every valid pixel of one normal map.

        Both vectors are normalised first (the prediction defensively: a
        zero predicted vector scores 90 degrees). Angle =
        ``degrees(arccos(clamp(<p, g>, -1, 1)))``.

        Args:
            pred (Tensor): Predicted normals, 3xHxW.
            gt (Tensor): Ground-truth normals, 3xHxW; a pixel is valid when
                its vector is finite and not all-zero.

        Returns:
            np.ndarray: float32 array of shape (num_valid, ), degrees.
        """
        gt = gt.double()
        pred = pred.double()
        valid = torch.isfinite(gt).all(0) & (gt != 0).any(0)
        gt_valid = gt[:, valid]
        pred_valid = pred[:, valid]
        gt_unit = gt_valid / gt_valid.norm(dim=0, keepdim=True)
        pred_unit = pred_valid / pred_valid.norm(
            dim=0, keepdim=True).clamp_min(1e-12)
        cos = (gt_unit * pred_unit).sum(0).clamp(-1.0, 1.0)
        return torch.rad2deg(torch.arccos(cos)).to(
            torch.float32).cpu().numpy()

    def _edge_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Edge-class pixel counts of one edge map.

        Args:
            pred (Tensor): Predicted labels (0 no edge, 1 edge), 1xHxW.
            gt (Tensor): Ground-truth labels, same shape;
                ``ignore_index`` pixels are skipped.

        Returns:
            np.ndarray: int64 ``(TP, FP, FN, correct, labelled)``.
        """
        labelled = gt != self.ignore_index
        pred_edge = (pred == 1) & labelled
        gt_edge = (gt == 1) & labelled
        counts = [pred_edge & gt_edge, pred_edge & ~gt_edge,
                  ~pred_edge & gt_edge, (pred == gt) & labelled, labelled]
        return np.array([int(c.sum()) for c in counts], dtype=np.int64)

    @staticmethod
    def _abs_err_stats(pred: Tensor, gt: Tensor) -> Tuple[float, int, int]:
        """Absolute error over the valid pixels and channels of one map.

        Args:
            pred (Tensor): Prediction, CxHxW, in the unit of ``gt``.
            gt (Tensor): Ground truth, same shape; a pixel is valid where it
                is finite in every channel and non-zero in at least one.

        Returns:
            tuple: ``(sum |pred - gt|, number of valid values, number of
            valid pixels)``; a valid pixel holds C values.
        """
        gt = gt.double()
        valid = torch.isfinite(gt).all(0) & (gt != 0).any(0)
        abs_diff = (pred.double()[:, valid] - gt[:, valid]).abs()
        return (float(abs_diff.sum()), int(abs_diff.numel()),
                int(valid.sum()))

    # -------------------------------------------------------- set reduction
    def _semantic_metrics(self, stats: List[np.ndarray]) -> Dict[str, float]:
        total = np.sum(np.stack(stats), axis=0).astype(np.float64)
        total = torch.from_numpy(total)
        with warnings.catch_warnings():
            # 0/0 for classes absent from both pred and gt -> NaN, excluded.
            warnings.simplefilter('ignore', RuntimeWarning)
            per_class = IoUMetric.total_area_to_metrics(
                total[0], total[1], total[2], total[3], metrics=['mIoU'])
            miou = float(np.nanmean(per_class['IoU'])) * 100
        aacc = float(per_class['aAcc']) * 100
        self._log_semantic_table(per_class, miou, aacc)
        return OrderedDict(mIoU=miou, aAcc=aacc)

    def _log_semantic_table(self, per_class: Dict[str, np.ndarray],
                            miou: float, aacc: float) -> None:
        num_classes = len(per_class['IoU'])
        classes = (self.dataset_meta or {}).get('classes')
        if not classes or len(classes) != num_classes:
            classes = [str(i) for i in range(num_classes)]
        class_table = PrettyTable()
        class_table.add_column('Class', list(classes))
        class_table.add_column('IoU', np.round(per_class['IoU'] * 100, 2))
        class_table.add_column('Acc', np.round(per_class['Acc'] * 100, 2))
        print_log('semantic: per class results:', logger='current')
        print_log('\n' + class_table.get_string(), logger='current')
        self._log_summary('semantic', OrderedDict(mIoU=miou, aAcc=aacc))

    def _depth_metrics(
            self, stats: List[Tuple[float, float, int]]) -> Dict[str, float]:
        sum_abs = sum(s[0] for s in stats)
        sum_rel = sum(s[1] for s in stats)
        count = sum(s[2] for s in stats)
        if count == 0:
            abs_err = rel_err = float('nan')
        else:
            abs_err, rel_err = sum_abs / count, sum_rel / count
        metrics = OrderedDict(abs_err=abs_err, rel_err=rel_err)
        self._log_summary('depth', metrics, valid_pixels=count)
        return metrics

    def _normal_metrics(self, stats: List[np.ndarray]) -> Dict[str, float]:
        errors = np.concatenate(stats)
        metrics: Dict[str, float] = OrderedDict()
        if errors.size == 0:
            metrics['mean_angle'] = metrics['median_angle'] = float('nan')
            for t in self.normal_thresholds:
                metrics[f'within_{t:g}'] = float('nan')
        else:
            metrics['mean_angle'] = float(errors.mean(dtype=np.float64))
            metrics['median_angle'] = float(np.median(errors))
            for t in self.normal_thresholds:
                metrics[f'within_{t:g}'] = float(
                    np.count_nonzero(errors < t)) / errors.size * 100
        self._log_summary('normal', metrics, valid_pixels=int(errors.size))
        return metrics

    def _edge_metrics(self, stats: List[np.ndarray]) -> Dict[str, float]:
        tp, fp, fn, correct, labelled = np.sum(np.stack(stats), axis=0)
        nan = float('nan')
        metrics = OrderedDict(
            F1=float(2 * tp / (2 * tp + fp + fn)) * 100 if tp + fp + fn
            else nan,
            IoU=float(tp / (tp + fp + fn)) * 100 if tp + fp + fn else nan,
            aAcc=float(correct / labelled) * 100 if labelled else nan)
        self._log_summary('edge', metrics, valid_pixels=int(labelled))
        return metrics

    def _abs_err_metrics(self, task: str,
                         stats: List[Tuple[float, int, int]]
                         ) -> Dict[str, float]:
        total = sum(s[0] for s in stats)
        count = sum(s[1] for s in stats)
        metrics = OrderedDict(
            abs_err=total / count if count else float('nan'))
        self._log_summary(task, metrics,
                          valid_pixels=sum(s[2] for s in stats))
        return metrics

    # ------------------------------------------------------- region metrics
    def _band(self, edges: Tensor) -> Tensor:
        return rs.dilate(edges, rs.band_width(*edges.shape,
                                              self.boundary_ratio))

    def _semantic_region_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """Per-class areas (4, C) over the band of label edges."""
        label = gt.reshape(gt.shape[-2:])
        band = rs.label_band(label, self.ignore_index,
                             rs.band_width(*label.shape,
                                           self.boundary_ratio))
        in_band = torch.where(band, label,
                              torch.full_like(label, self.ignore_index))
        return self._semantic_stats(pred.reshape(label.shape), in_band)

    def _depth_region_stats(self, pred: Tensor,
                            gt: Tensor) -> Dict[str, np.ndarray]:
        """Error sums over the depth-edge band and per depth bin.

        Returns:
            dict: ``edge`` (sum |e|, sum |e| / gt, count) and ``bins``
            (3, NUM_DEPTH_BINS): count, sum |e|, sum |e| / gt per bin.
        """
        g = gt.reshape(gt.shape[-2:]).double()
        valid = torch.isfinite(g) & (g > 0)
        abs_diff = (pred.reshape(g.shape).double() - g).abs()
        band = self._band(rs.depth_edges(g, valid, self.depth_rel_jump))
        sel = band & valid
        edge = np.array([float(abs_diff[sel].sum()),
                         float((abs_diff[sel] / g[sel]).sum()),
                         float(sel.sum())])
        ids = rs.depth_bin_ids(g[valid])
        bins = torch.zeros((3, rs.NUM_DEPTH_BINS), dtype=torch.float64)
        bins[0].index_add_(0, ids, torch.ones_like(g[valid]))
        bins[1].index_add_(0, ids, abs_diff[valid])
        bins[2].index_add_(0, ids, abs_diff[valid] / g[valid])
        return dict(edge=edge, bins=bins.numpy())

    def _normal_region_stats(self, pred: Tensor, gt: Tensor) -> np.ndarray:
        """(sum of angular errors in degrees, count) over the edge band."""
        g = gt.double()
        valid = torch.isfinite(g).all(0) & (g != 0).any(0)
        unit = g / g.norm(dim=0, keepdim=True).clamp_min(1e-12)
        band = self._band(rs.normal_edges(unit, valid, self.normal_edge_deg))
        errors = self._normal_errors(pred, torch.where(band, g, 0.0))
        return np.array([float(errors.sum(dtype=np.float64)),
                         float(errors.size)])

    def _semantic_region_metrics(self, stats: List[np.ndarray],
                                 regions: List[np.ndarray]
                                 ) -> Dict[str, float]:
        total = np.sum(np.stack(stats), axis=0).astype(np.float64)
        inter, union, label_area = total[0], total[1], total[3]
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = inter / union * 100  # NaN where the union is empty
        classes = (self.dataset_meta or {}).get('classes')
        if not classes or len(classes) != len(iou):
            classes = [str(i) for i in range(len(iou))]
        out: Dict[str, float] = OrderedDict(
            (f'IoU@{name}', float(v)) for name, v in zip(classes, iou))
        present = label_area > 0
        # rare: ground-truth area below the median area of present classes
        rare = present & (label_area < np.median(label_area[present])
                          if present.any() else False)
        out['mIoU@rare'] = (float(np.nanmean(iou[rare])) if
                            np.isfinite(iou[rare]).any() else float('nan'))
        band = np.sum(np.stack(regions), axis=0).astype(np.float64)
        with np.errstate(divide='ignore', invalid='ignore'):
            band_iou = band[0] / band[1]
        finite = np.isfinite(band_iou)
        out['mIoU@boundary'] = (float(band_iou[finite].mean()) * 100
                                if finite.any() else float('nan'))
        labelled = band[3].sum()
        out['aAcc@boundary'] = (float(band[0].sum() / labelled) * 100
                                if labelled else float('nan'))
        return out

    def _depth_region_metrics(self, stats: List[Any],
                              regions: List[Dict[str, np.ndarray]]
                              ) -> Dict[str, float]:
        nan = float('nan')
        edge = np.sum([r['edge'] for r in regions], axis=0)
        bins = np.sum([r['bins'] for r in regions], axis=0)
        rare = rs.rare_bins(bins[0], self.rare_fraction)
        count = bins[0][rare].sum()
        return OrderedDict([
            ('abs_err@edge', float(edge[0] / edge[2]) if edge[2] else nan),
            ('rel_err@edge', float(edge[1] / edge[2]) if edge[2] else nan),
            ('abs_err@rare', float(bins[1][rare].sum() / count) if count
             else nan),
            ('rel_err@rare', float(bins[2][rare].sum() / count) if count
             else nan),
        ])

    def _normal_region_metrics(self, stats: List[Any],
                               regions: List[np.ndarray]
                               ) -> Dict[str, float]:
        total, count = np.sum(regions, axis=0)
        return OrderedDict(
            [('mean_angle@edge',
              float(total / count) if count else float('nan'))])

    @staticmethod
    def _log_summary(task: str,
                     metrics: Dict[str, float],
                     valid_pixels: Optional[int] = None) -> None:
        table = PrettyTable()
        for name, value in metrics.items():
            table.add_column(name, [round(value, 4)])
        if valid_pixels is not None:
            table.add_column('valid pixels', [valid_pixels])
        print_log(f'{task} results:', logger='current')
        print_log('\n' + table.get_string(), logger='current')
