"""Load and validate the MTAN ``.npy`` image and annotations of a sample.

The annotation rules (shapes, values, conversions) are the task types' own
(:meth:`mmhad.tasks.TaskType.load`); this module only decides which files a
sample loads.
"""
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmhad.tasks import TaskType, get_task, task_names
from mmhad.tasks.checks import check_finite, load_npy


@TRANSFORMS.register_module()
class LoadMultiTaskImageFromNpy(BaseTransform):
    """Load an MTAN ``.npy`` image (H x W x 3, RGB in [0, 1]).

    The image is scaled to [0, 255] so that mmseg's usual ``mean``/``std``
    in the data preprocessor apply.

    Required Keys:

    - img_path

    Added Keys:

    - img (np.ndarray): H x W x 3 float32, RGB in [0, 255].
    - img_shape (tuple[int, int]): (H, W).
    - ori_shape (tuple[int, int]): (H, W).

    Args:
        range_tol (float): Values may lie in ``[-range_tol, 1 + range_tol]``
            (resampling can overshoot [0, 1] slightly). Defaults to 0.01.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Raises:
        ValueError: If the array is not H x W x 3, holds NaN/inf, or lies
            outside [0, 1] (the error names the file).
    """

    def __init__(self,
                 range_tol: float = 0.01,
                 backend_args: Optional[dict] = None) -> None:
        self.range_tol = range_tol
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load ``results['img_path']`` into ``results['img']``.

        Args:
            results (dict): Data info with ``img_path``.

        Returns:
            dict: ``results`` with ``img``, ``img_shape`` and ``ori_shape``.
        """
        path = results['img_path']
        img = load_npy(path, self.backend_args)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'image {path} must be H x W x 3, got shape '
                             f'{img.shape}')
        img = img.astype(np.float32)
        check_finite(img, path, 'image')
        low, high = float(img.min()), float(img.max())
        if low < -self.range_tol or high > 1 + self.range_tol:
            raise ValueError(
                f'image {path} must hold RGB values in [0, 1], got '
                f'[{low:g}, {high:g}] (is it already scaled to 0-255?)')
        results['img'] = img * np.float32(255)
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(range_tol={self.range_tol}, '
                f'backend_args={self.backend_args})')


def listed_tasks(results: dict) -> List[TaskType]:
    """The registered task types whose annotation a sample lists.

    Args:
        results (dict): A data info; a task is listed when its
            :attr:`~mmhad.tasks.TaskType.path_key` holds a path.

    Returns:
        list[TaskType]: In the order of ``results['tasks']`` (the dataset's
        order) when given, then in the order the path keys appear in
        ``results``.
    """
    by_path_key = {get_task(n).path_key: get_task(n) for n in task_names()}
    names = list(results.get('tasks') or ())
    names += [by_path_key[k].name for k in results if k in by_path_key]
    tasks = [get_task(n) for n in dict.fromkeys(names)]
    return [t for t in tasks if results.get(t.path_key) is not None]


def _deprecated_flags(flags: Dict[str, bool]) -> frozenset:
    """Names of the tasks switched off by the old ``with_{name}=False``
    arguments (``with_seg``: the task whose results key is ``gt_seg_map``).

    Raises:
        TypeError: If an argument is not ``with_`` plus a registered task's
            name (or the middle of its ``gt_{x}_map`` results key).
    """
    skipped = set()
    for arg, wanted in flags.items():
        short = arg[len('with_'):] if arg.startswith('with_') else None
        match = [
            n for n in task_names() if short is not None and (
                n == short or get_task(n).results_key == f'gt_{short}_map')
        ]
        if not match:
            raise TypeError(f'LoadMultiTaskAnnotations got an unexpected '
                            f'keyword argument {arg!r}')
        warnings.warn(
            f'LoadMultiTaskAnnotations({arg}=...) is deprecated; pass '
            'tasks=(...) (the tasks to load) instead', DeprecationWarning)
        if not wanted:
            skipped.add(match[0])
    return frozenset(skipped)


@TRANSFORMS.register_module()
class LoadMultiTaskAnnotations(BaseTransform):
    """Load, validate and convert the MTAN ``.npy`` annotations of a sample.

    Every task the sample lists (its path key is in ``results``, see
    :func:`listed_tasks`) and this transform is asked for (``tasks``) is
    loaded with its type's :meth:`~mmhad.tasks.TaskType.load` into its
    :attr:`~mmhad.tasks.TaskType.results_key`, so a sample of a phase that
    owns only some tasks carries only their ground truth. Every loaded key is
    appended to ``results['seg_fields']`` so that geometric transforms move
    it together with the image. Shapes, dtypes and value rules are those of
    the task types (``docs/data_contract.md``); each failure raises
    ``ValueError`` naming the file, and every map must have the image's
    H x W (when ``img_shape`` is known; otherwise the first loaded map's).

    If the sample has a ``label_map`` (mmseg class subset), the semantic
    task applies it after validation, like mmseg's ``LoadAnnotations``.

    Args:
        tasks (Sequence[str], optional): Load only these tasks (those the
            sample does not list are skipped). Defaults to None: every task
            the sample lists.
        num_classes (int, optional): Number of classes on disk, a loader
            option of the class-id task types. Defaults to None: use
            ``results['num_classes']`` (set by the mmhad datasets), else
            ``len(results['label_map'])``, else only check that labels fit
            ``[-1, 254]``.
        normal_tol (float): Allowed deviation of a valid unit vector's length
            from 1, a loader option of the vector task types.
            Defaults to 0.1.
        load_options (dict, optional): Further keyword options passed to
            every task type's ``load`` (types ignore the ones they do not
            take). Defaults to None.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
        **deprecated_flags: ``with_seg``, ``with_depth``, ... (``with_`` plus
            a task name): deprecated, ``with_{name}=False`` skips that task.

    Raises:
        ValueError: If ``num_classes`` is not in 1..255.
        KeyError: If ``tasks`` names a task type that is not registered.
    """

    def __init__(self,
                 tasks: Optional[Union[str, Sequence[str]]] = None,
                 num_classes: Optional[int] = None,
                 normal_tol: float = 0.1,
                 load_options: Optional[dict] = None,
                 backend_args: Optional[dict] = None,
                 **deprecated_flags: bool) -> None:
        if num_classes is not None and not 0 < num_classes <= 255:
            raise ValueError(f'num_classes must be in 1..255, got '
                             f'{num_classes}')
        if isinstance(tasks, str):
            tasks = (tasks, )
        self.tasks = None if tasks is None else tuple(
            get_task(t).name for t in tasks)
        self.skipped = _deprecated_flags(deprecated_flags)
        self.num_classes = num_classes
        self.normal_tol = normal_tol
        self.load_options = dict(load_options or {})
        self.backend_args = backend_args.copy() if backend_args else None

    def _wanted(self, task: TaskType) -> bool:
        """Whether this transform is asked to load ``task``."""
        if task.name in self.skipped:
            return False
        return self.tasks is None or task.name in self.tasks

    def transform(self, results: dict) -> dict:
        """Load the requested annotations listed in ``results``.

        Args:
            results (dict): Data info, usually after
                ``LoadMultiTaskImageFromNpy`` (then ``img_shape`` is used to
                check the maps' H x W).

        Returns:
            dict: ``results`` with each loaded task's ``results_key``, also
            listed in ``seg_fields``.
        """
        hw = results.get('img_shape')
        hw = tuple(hw[:2]) if hw is not None else None
        seg_fields = results.setdefault('seg_fields', [])
        options = dict(
            self.load_options,
            num_classes=self.num_classes,
            normal_tol=self.normal_tol)
        for task in listed_tasks(results):
            if not self._wanted(task):
                continue
            array = task.load(results[task.path_key], hw, results,
                              self.backend_args, **options)
            results[task.results_key] = array
            if hw is None:  # no image loaded: maps must agree with each other
                hw = array.shape[:2]
            if task.results_key not in seg_fields:
                seg_fields.append(task.results_key)
        return results

    def __repr__(self) -> str:
        skipped = f'skipped={sorted(self.skipped)}, ' if self.skipped else ''
        return (f'{self.__class__.__name__}(tasks={self.tasks}, {skipped}'
                f'num_classes={self.num_classes}, '
                f'normal_tol={self.normal_tol}, '
                f'load_options={self.load_options}, '
                f'backend_args={self.backend_args})')
