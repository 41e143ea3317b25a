"""Read every file a run will train and validate on, before it starts.

:func:`check_data` walks each phase's chunk of the training set (with the
phase's tasks) and the validation set, loads every image with the dataset
pipeline's image loader and every listed annotation with its task type's
:meth:`~mmhad.tasks.TaskType.load` (the task definitions hold the rules:
shape, dtype, range, NaN/inf, labels out of range, H x W of the image), and
collects *every* bad file with its message instead of stopping at the
first. A dataset that cannot even be listed (missing folder, counts that
differ between folders) is one problem too. Used by
``tools/misc/check_dataset.py`` and, before training, by ``tools/train.py``.
"""
import copy
import time
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from mmseg.registry import DATASETS, TRANSFORMS

from mmhad.engine.runner.phase_plan import phase_dataset_cfg, plan_phases
from mmhad.tasks import get_task, task_names
from mmhad.tasks.checks import load_npy
from .errors import DataCheckError

SPLITS = ('train', 'val')
MAX_LISTED = 20  # bad files a DataCheckError message repeats


@dataclass
class DataView:
    """One dataset to walk: a phase's training chunk or the val set."""

    label: str  # 'phase 1 (depth)', 'val'
    dataset: dict  # dataset config


@dataclass
class DataReport:
    """What :func:`check_data` found."""

    problems: List[Tuple[str, str]] = field(default_factory=list)
    samples: int = 0
    files: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        head = (f'data check: {self.samples} samples, {self.files} files '
                f'read in {self.seconds:.1f} s')
        if not self.problems:
            return head + ': all good'
        return head + f': {len(self.problems)} bad file(s)'


def data_views(cfg: Config, split: str,
               phase: Optional[int] = None) -> List[DataView]:
    """The datasets of one split that a run reads.

    Args:
        cfg (Config): The run config.
        split (str): ``'train'``: with a ``ContinualTrainLoop`` one view per
            phase (its indices and tasks, as the loop builds them),
            otherwise the whole training set; ``'val'``: the val set.
        phase (int, optional): Only this training phase (0-based).

    Returns:
        list[DataView]: Empty when the config has no such dataloader.
    """
    key = 'train_dataloader' if split == 'train' else 'val_dataloader'
    loader = cfg.get(key)
    if not loader:
        return []
    if split != 'train':
        return [DataView(split, copy.deepcopy(loader['dataset']))]
    train_cfg = cfg.get('train_cfg') or {}
    phases = train_cfg.get('phases')
    if train_cfg.get('type') != 'ContinualTrainLoop' or not phases:
        return [DataView('train', copy.deepcopy(loader['dataset']))
                ] if phase in (None, 0) else []
    full = DATASETS.build(copy.deepcopy(loader['dataset']))
    planned = plan_phases(phases, len(full), lambda n, o: 1,
                          train_cfg.get('split'))
    return [
        DataView(f'phase {p.index} ({p.name})',
                 phase_dataset_cfg(loader, p)['dataset'])
        for p in planned if phase is None or p.index == phase
    ]


def _pipeline_step(dataset: dict, *words: str) -> Optional[dict]:
    """The first pipeline step whose type holds all ``words``."""
    for step in dataset.get('pipeline') or ():
        kind = str(step.get('type', '')) if isinstance(step, dict) else ''
        if all(w in kind for w in words):
            return step
    return None


def _load_options(step: Optional[dict]) -> Tuple[dict, Optional[Set[str]]]:
    """Loader options and wanted tasks of the annotation loader config."""
    if step is None:
        return {}, None
    options = dict(step.get('load_options') or {})
    for key in ('num_classes', 'normal_tol'):
        if step.get(key) is not None:
            options[key] = step[key]
    tasks = step.get('tasks')
    if isinstance(tasks, str):
        tasks = [tasks]
    return options, None if tasks is None else set(tasks)


def _listed_tasks(info: dict) -> List[str]:
    """Names of the registered task types whose file the sample lists."""
    names = list(info.get('tasks') or task_names())
    return [n for n in names if info.get(get_task(n).path_key)]


def _message(error: Exception, path: str, what: str) -> str:
    text = str(error) if isinstance(error, ValueError) else \
        f'{type(error).__name__}: {error}'
    return text if path in text else f'{what} {path}: {text}'


class _Walker:
    """Walk the samples of the views; keep every problem."""

    def __init__(self, report: DataReport) -> None:
        self.report = report
        self.seen: Set[Tuple[str, str]] = set()
        self.image_hw: Dict[str, Optional[tuple]] = {}

    def problem(self, path: str, message: str) -> None:
        self.report.problems.append((path, message))

    def build(self, views: Sequence[DataView]) -> Iterator[tuple]:
        for view in views:
            cfg = dict(view.dataset, pipeline=[])
            try:
                dataset = DATASETS.build(cfg)
            except Exception as error:  # listing failed: one problem
                root = view.dataset.get('data_root', '?')
                self.problem(str(root), f'{view.label}: {type(error).__name__}'
                             f': {error}')
                continue
            yield view, dataset

    def image(self, loader, info: dict, backend_args) -> Optional[tuple]:
        path = info.get('img_path')
        if not path:
            return None
        if path not in self.image_hw:
            self.report.files += 1
            self.image_hw[path] = self._load_image(loader, info, path,
                                                   backend_args)
        return self.image_hw[path]

    def _load_image(self, loader, info: dict, path: str,
                    backend_args) -> Optional[tuple]:
        """(H, W) of the image, or None (and a problem) if it is bad."""
        try:
            if loader is None:
                return tuple(load_npy(path, backend_args).shape[:2])
            return tuple(loader(dict(info))['img_shape'][:2])
        except Exception as error:
            self.problem(path, _message(error, path, 'image'))
            return None

    def annotations(self, info: dict, hw, options: dict,
                    wanted: Optional[Set[str]], backend_args) -> None:
        for name in _listed_tasks(info):
            if wanted is not None and name not in wanted:
                continue
            task = get_task(name)
            path = info[task.path_key]
            if (name, path) in self.seen:
                continue
            self.seen.add((name, path))
            self.report.files += 1
            try:
                task.load(path, hw, info, backend_args, **options)
            except Exception as error:
                self.problem(path, _message(error, path, name))


def check_data(cfg: Config, phase: Optional[int] = None,
               splits: Sequence[str] = SPLITS,
               progress: bool = True) -> DataReport:
    """Check every file of the run's datasets; never stop at the first.

    Args:
        cfg (Config): The run config.
        phase (int, optional): Only this training phase.
        splits (Sequence[str]): ``'train'`` and/or ``'val'``.
        progress (bool): Show an mmengine ``ProgressBar``.

    Returns:
        DataReport: Every bad file (path, message) and what was read.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    start = time.perf_counter()
    report = DataReport()
    walker = _Walker(report)
    views = []
    for split in splits:
        try:
            views += data_views(cfg, split, phase)
        except Exception as error:  # e.g. the training set cannot be listed
            walker.problem(f'{split} dataset',
                           f'{type(error).__name__}: {error}')
    built = list(walker.build(views))
    bar = ProgressBar(sum(len(d) for _, d in built)) if progress and \
        built else None
    for view, dataset in built:
        backend_args = view.dataset.get('backend_args')
        image_step = _pipeline_step(view.dataset, 'Load', 'Image')
        loader = TRANSFORMS.build(image_step) if image_step else None
        options, wanted = _load_options(
            _pipeline_step(view.dataset, 'Load', 'Annotation'))
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            hw = walker.image(loader, info, backend_args)
            walker.annotations(info, hw, options, wanted, backend_args)
            report.samples += 1
            if bar is not None:
                bar.update()
    if bar is not None:
        print()
    report.seconds = time.perf_counter() - start
    return report


def format_problems(report: DataReport) -> str:
    """One ``path: message`` line per bad file, then the summary."""
    lines = [f'{path}: {message}' for path, message in report.problems]
    return '\n'.join(lines + [report.summary()])


def raise_for_problems(report: DataReport) -> None:
    """Raise :class:`DataCheckError` if the report has bad files.

    Raises:
        DataCheckError: Its message counts the bad files and repeats the
            first :data:`MAX_LISTED`.
    """
    if not report.problems:
        return
    shown = '; '.join(m for _, m in report.problems[:MAX_LISTED])
    more = len(report.problems) - MAX_LISTED
    raise DataCheckError(
        f'the data check found {len(report.problems)} bad file(s): {shown}'
        + (f'; ... and {more} more (listed above)' if more > 0 else '')
        + '. Fix or replace them (tools/misc/check_dataset.py CONFIG lists '
        'them all), or pass --skip-data-check to train anyway.')
