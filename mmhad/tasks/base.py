"""The task type: one definition of a dense task that every stage reads.

A :class:`TaskType` says, once, everything the pipeline needs to know about
one kind of dense output (semantic classes, depth in metres, unit normals,
...): where its files live and how they are checked, how geometric
transforms treat it, how it is padded and packed, which head and loss fit it
by default, how it is scored, distilled, drawn and dumped. Loading,
transforms, packing, the data preprocessor, the segmentor, the metric, the
report, the hooks and HAD read the definition instead of switching on task
names; a new task type is one subclass registered with :func:`register_task`
(see ``docs/adding_a_task.md``).

Array conventions (``docs/data_contract.md``):

- on disk and in the pipeline's ``results``: H x W (one channel) or
  H x W x C numpy arrays;
- in a ``SegDataSample`` (ground truth after packing, predictions): C x H x W
  tensors.
"""
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np
from torch import Tensor

#: Ignore index of class-label maps (mmseg's ``ignore_index``/``seg_pad_val``).
IGNORE_INDEX = 255
#: Metric directions.
LOWER = 'lower'
HIGHER = 'higher'
#: Output kinds, the shape of a task's prediction.
KINDS = (
    'classes',  # one class id per pixel out of C (logits: C channels)
    'binary',  # 0/1 per pixel (logits: 2 channels), e.g. edges
    'scalar',  # one real value per pixel (depth, shading)
    'vector',  # a unit C-vector per pixel (surface normals)
    'multi',  # C independent real values per pixel (e.g. RGB reflectance)
)
#: Kinds whose prediction is a class id per pixel.
CLASS_KINDS = ('classes', 'binary')
#: Axes mirrored by each flip direction of a C x H x W tensor.
FLIP_DIMS = {
    'horizontal': (-1, ),
    'vertical': (-2, ),
    'diagonal': (-2, -1),
}


class Measure(NamedTuple):
    """One metric of a task: which way is better, and its unit."""

    direction: str  # LOWER or HIGHER
    unit: str = ''


class TaskType:
    """Definition of one dense task type (subclass and register it).

    Class attributes (``''``/``None`` ones get defaults from :attr:`name`
    when the subclass is created):

    Attributes:
        name (str): Task name, the key in ``model.decode_heads``, in a
            dataset's ``tasks`` and in metric keys (``depth/abs_err``).
        kind (str): One of :data:`KINDS`.
        channels (int, optional): Channels of the prediction and of the
            packed ground truth; None for ``'classes'`` (the dataset's).
        unit (str): Unit of the values (``'m'``, ``'class id'``...).
        folder (str): Default folder under ``{data_root}/{split}`` holding
            the task's ``{i}.npy`` files; a dataset may override it.
        path_key (str): Data-info key of the annotation file path.
            Defaults to ``'{name}_map_path'``.
        results_key (str): Pipeline ``results`` key of the loaded array.
            Defaults to ``'gt_{name}_map'``.
        gt_field (str): ``SegDataSample`` field of the packed ground truth.
            Defaults to :attr:`results_key`.
        pred_field (str): ``SegDataSample`` field of the prediction.
            Defaults to ``'pred_{name}_map'``.
        logits_field (str, optional): Field of the class scores for
            ``'classes'``/``'binary'`` tasks. Defaults to ``'{name}_logits'``.
        pack_dtype (type): dtype of the packed C x H x W ground truth.
        pad_value (float): Value of padded ground-truth pixels: the task's
            invalid value (0 for regressions, :data:`IGNORE_INDEX` for labels).
        flip_negate (dict[str, tuple[int, ...]]): Channels whose sign flips
            when the image is mirrored in a direction (normals: x under a
            horizontal flip). Empty: values are kept.
        interpolation (str): ``mmcv.imresize`` interpolation of the ground
            truth under geometric transforms. ``'nearest'`` keeps ignore
            labels and invalid zeros unblended.
        metrics (dict[str, Measure]): The task's metrics (the part of a
            metric key after ``'{name}/'``); a name ending in ``*`` matches
            every metric with that prefix (``within_*``).
        scorer (str): Name of the scorer in
            :data:`mmhad.evaluation.SCORERS` that computes :attr:`metrics`.
        position (int): Where the task comes among the registered ones in
            metric dicts and reports (ascending, ties by name); the built-in
            types take 0-5, a new one comes after them by default.
        head (dict): Default decode head config (``type`` and task-specific
            arguments; a model config adds channels and norms).
        loss (dict): Default task loss (a head's ``loss_decode``).
        activation (str): How a regression head maps raw outputs to the
            output space: ``'softplus'``, ``'unit'`` (L2-normalise over
            channels), ``'sigmoid_range'`` (into :attr:`value_range`) or
            ``'identity'``; ``''`` for class tasks.
        value_range (tuple[float, float], optional): Bounds of a regression
            output in :attr:`unit`, None when unbounded.
        distill (str): Per-pixel distillation loss and DB-HAD grouping rule
            (``HADLoss(output_type=...)``): ``'segmentation'``,
            ``'regression'`` or ``'normal'``.
        draw (dict): How the visualizer draws a map: ``style`` one of
            ``'palette'`` (class ids, the dataset palette), ``'colormap'``
            (``cmap``; ``shared_scale`` puts ground truth and prediction on
            one scale), ``'rgb'`` (values in :attr:`value_range` as colours)
            or ``'vector_rgb'`` (unit vectors mapped ``(v + 1) / 2``).
    """

    name: str = ''
    kind: str = ''
    channels: Optional[int] = None
    unit: str = ''
    folder: str = ''
    path_key: str = ''
    results_key: str = ''
    gt_field: str = ''
    pred_field: str = ''
    logits_field: Optional[str] = None
    pack_dtype: type = np.float32
    pad_value: float = 0
    flip_negate: Dict[str, Tuple[int, ...]] = {}
    interpolation: str = 'nearest'
    metrics: Dict[str, Measure] = {}
    scorer: str = ''
    position: int = 100
    head: dict = {}
    loss: dict = {}
    activation: str = ''
    value_range: Optional[Tuple[float, float]] = None
    distill: str = ''
    draw: dict = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:  # an abstract family (ClassTask, RegressionTask)
            return
        if cls.kind not in KINDS:
            raise ValueError(f'task type {cls.__name__}: kind must be one of '
                             f'{KINDS}, got {cls.kind!r}')
        # Keys derived from the name, unless this class sets them itself.
        derived = dict(
            folder=cls.name,
            path_key=f'{cls.name}_map_path',
            results_key=f'gt_{cls.name}_map',
            pred_field=f'pred_{cls.name}_map')
        derived['gt_field'] = cls.__dict__.get('results_key',
                                               derived['results_key'])
        if cls.kind in CLASS_KINDS:
            derived['logits_field'] = f'{cls.name}_logits'
        for attr, value in derived.items():
            if attr not in cls.__dict__:
                setattr(cls, attr, value)

    # ------------------------------------------------------------ properties
    @property
    def is_classes(self) -> bool:
        """Whether the task predicts class ids (:data:`CLASS_KINDS`)."""
        return self.kind in CLASS_KINDS

    def direction(self, metric: str) -> str:
        """:data:`LOWER` or :data:`HIGHER` for a metric name of this task.

        Args:
            metric (str): The part of a key after ``'{name}/'``; a region
                suffix (``abs_err@edge``) scores like its base metric.

        Raises:
            KeyError: If the task has no such metric.
        """
        return self.measure(metric).direction

    def measure(self, metric: str) -> Measure:
        """The :class:`Measure` (direction and unit) of a metric name of
        this task; a region suffix (``abs_err@edge``) and a ``*`` pattern
        (``within_*``) match as in :meth:`direction`.

        Raises:
            KeyError: If the task has no such metric.
        """
        base = metric.split('@', 1)[0]
        for pattern, measure in self.metrics.items():
            if base == pattern or (pattern.endswith('*')
                                   and base.startswith(pattern[:-1])):
                return measure
        raise KeyError(f'task "{self.name}" has no metric {metric!r}; its '
                       f'metrics are {sorted(self.metrics)}')

    # ---------------------------------------------------------------- loading
    def load(self,
             path: str,
             hw: Optional[Tuple[int, int]] = None,
             results: Optional[dict] = None,
             backend_args: Optional[dict] = None,
             **options) -> np.ndarray:
        """Read, check and convert one annotation file.

        Args:
            path (str): The ``.npy`` file.
            hw (tuple[int, int], optional): The image's (H, W) to match.
            results (dict, optional): The sample's data info (``num_classes``,
                ``label_map``... for the task types that need them).
            backend_args (dict, optional): mmengine file-backend arguments.
            **options: Loader options of some task types (e.g.
                ``num_classes``, ``normal_tol``); others ignore them.

        Returns:
            np.ndarray: H x W or H x W x C, as :attr:`results_key` holds it.

        Raises:
            ValueError: If the file breaks the task's rules; the message
                names the file and what was expected.
        """
        raise NotImplementedError

    # ------------------------------------------------------------- geometry
    def flip(self, array: np.ndarray, direction: str) -> np.ndarray:
        """Fix the values of an already mirrored H x W (x C) map.

        Mirroring moves pixels; for vector-valued maps the components along
        the mirrored axes also change sign (:attr:`flip_negate`). Invalid
        zeros stay exact zeros (never ``-0.0``).
        """
        axes = self.flip_negate.get(direction, ())
        if not axes:
            return array
        array = array.copy()
        for axis in axes:
            array[..., axis] *= -1
        array[array == 0] = 0
        return array

    def flip_prediction(self, pred: Tensor, direction: str) -> Tensor:
        """Undo a test-time flip of a (C, H, W) prediction or score map."""
        pred = pred.flip(dims=FLIP_DIMS[direction])
        axes = self.flip_negate.get(direction, ())
        if axes:
            pred = pred.clone()
            for axis in axes:
                pred[axis] *= -1
        return pred

    def zoom(self, array: np.ndarray, scale: float,
             results: dict) -> np.ndarray:
        """Values of a map after zooming the image in by ``scale`` (>= 1).

        The default keeps the values; depth overrides it (a zoom is a
        camera moving closer).
        """
        return array

    # ---------------------------------------------------------------- packing
    def pack(self, array: np.ndarray) -> np.ndarray:
        """Turn an H x W (x C) ground truth into a C x H x W array."""
        channels = 1 if self.is_classes else self.channels
        if array.ndim == 2 and channels == 1:
            array = array[..., None]
        if array.ndim != 3 or array.shape[2] != channels:
            expected = 'H x W' if channels == 1 else f'H x W x {channels}'
            raise ValueError(f'{self.results_key} must be {expected}, got '
                             f'shape {array.shape}')
        return np.ascontiguousarray(
            array.transpose(2, 0, 1), dtype=self.pack_dtype)

    # ------------------------------------------------------------ predictions
    def invalid_mask(self, gt: Tensor) -> Tensor:
        """(H, W) bool, True where a packed (C, H, W) ground truth has no
        label (ignore index for classes, all-zero for regressions)."""
        if self.is_classes:
            return gt[0] == IGNORE_INDEX
        return (gt == 0).all(dim=0)

    def to_numpy(self, pred: Tensor) -> np.ndarray:
        """A (C, H, W) prediction as it is dumped: H x W uint8 class ids for
        class tasks (classes <= 255), H x W x C float32 for regressions."""
        pred = pred.detach().cpu()
        if self.is_classes:
            return pred[0].numpy().astype(np.uint8)
        return pred.numpy().transpose(1, 2, 0).astype(np.float32)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(name={self.name!r}, kind={self.kind!r})'


class ClassTask(TaskType):
    """Family of label maps: integer ids on disk, ``-1`` = ignored.

    Loaded as H x W uint8 with ``-1`` mapped to :data:`IGNORE_INDEX`; padded
    with it; packed as 1 x H x W int64.
    """

    pack_dtype = np.int64
    pad_value = IGNORE_INDEX
    distill = 'segmentation'
    draw = dict(style='palette')

    def to_labels(self, label: np.ndarray) -> np.ndarray:
        """H x W ids with ``-1`` = ignored -> H x W uint8, 255 = ignored."""
        label = label.astype(np.int64)
        out = np.full(label.shape, IGNORE_INDEX, dtype=np.uint8)
        valid = label >= 0
        out[valid] = label[valid]
        return out


class RegressionTask(TaskType):
    """Family of real-valued maps: float32, the all-zero value = invalid.

    :meth:`check_values` states the value rule; shape, H x W and finiteness
    are checked here.

    Attributes:
        non_negative (bool): Values must be ``>= 0`` on disk.
        check_range (bool): Values on disk must lie in :attr:`value_range`
            (when one is set); False when the range bounds the head's output
            only.
    """

    non_negative: bool = False
    check_range: bool = True

    pack_dtype = np.float32
    pad_value = 0
    distill = 'regression'
    loss = dict(type='MaskedL1Loss')
    activation = 'identity'
    draw = dict(style='colormap', cmap='viridis', shared_scale=True)

    def load(self,
             path: str,
             hw: Optional[Tuple[int, int]] = None,
             results: Optional[dict] = None,
             backend_args: Optional[dict] = None,
             **options) -> np.ndarray:
        from .checks import load_float_map
        array = load_float_map(path, self.name, self.channels, hw,
                               backend_args)
        self.check_values(array, path, **options)
        return array

    def check_values(self, array: np.ndarray, path: str, **options) -> None:
        """Raise ``ValueError`` naming ``path`` if ``array`` (finite, H x W
        or H x W x C float32) breaks the task's value rule: negative values
        when :attr:`non_negative`, values outside :attr:`value_range` when
        :attr:`check_range`. Override it for other rules."""
        if self.non_negative and (array < 0).any():
            raise ValueError(f'{self.name} {path} has negative values (min '
                             f'{float(array.min()):g}); 0 marks invalid')
        if not self.check_range or self.value_range is None:
            return
        low, high = float(array.min()), float(array.max())
        if low < self.value_range[0] or high > self.value_range[1]:
            raise ValueError(
                f'{self.name} {path} must hold values in '
                f'[{self.value_range[0]:g}, {self.value_range[1]:g}] '
                f'(all-zero = invalid), got [{low:g}, {high:g}]')


__all__ = [
    'IGNORE_INDEX', 'LOWER', 'HIGHER', 'KINDS', 'CLASS_KINDS', 'FLIP_DIMS',
    'Measure', 'TaskType', 'ClassTask', 'RegressionTask'
]
