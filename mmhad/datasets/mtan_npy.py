"""Shared base of the datasets stored in MTAN's per-sample ``.npy`` layout.

MTAN (Liu et al., "End-to-End Multi-Task Learning with Attention", CVPR 2019)
ships NYUv2 and Cityscapes as one ``.npy`` file per sample and per modality::

    {data_root}/{split}/{folder}/{i}.npy      i = 0 .. N-1

where ``folder`` is ``image`` or the annotation folder of a task (by
default its type's :attr:`~mmhad.tasks.TaskType.folder`: ``label``/``depth``/
``normal`` for NYUv2; Cityscapes overrides ``label_7``/``label_19``).
Subclasses only declare which task types they support and where a folder
differs from the type's; listing, checking and building the data infos is
done here once.
"""
import os.path as osp
import re
from typing import (Callable, Dict, Iterator, List, Mapping, Optional,
                    Sequence, Tuple, Union)

import mmengine.fileio as fileio
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmhad.tasks import get_task, task_names


class _TaskPathKeys(Mapping):
    """Task name -> its type's ``path_key``, read from the registry on every
    access (so a task type registered later is included)."""

    def __getitem__(self, task: str) -> str:
        return get_task(task).path_key

    def __iter__(self) -> Iterator[str]:
        return iter(task_names())

    def __len__(self) -> int:
        return len(task_names())

    def __repr__(self) -> str:
        return repr(dict(self))


#: ``results`` key that carries the file path of each task's annotation
#: (``seg_map_path``, ``depth_map_path``, ...; every registered task type).
TASK_PATH_KEYS: Mapping[str, str] = _TaskPathKeys()

#: A task name or a sequence of them (``None`` = every supported task).
TaskSpec = Union[str, Sequence[str]]

_IMAGE_FOLDER = 'image'
_NPY_NAME = re.compile(r'^(\d+)\.npy$')
_MAX_LISTED = 10  # how many missing/extra file names an error message shows


def _short_list(names: Sequence[str]) -> str:
    """Format at most ``_MAX_LISTED`` names for an error message."""
    shown = ', '.join(names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f', ... ({len(names)} in total)'
    return f'[{shown}]'


@DATASETS.register_module()
class MTANNpyDataset(BaseSegDataset):
    """Multi-task dense-prediction dataset in MTAN's ``.npy`` layout.

    Used directly, it reads the NYUv2-style folders ``image``, ``label``,
    ``depth`` (metres) and ``normal`` with the classes given in ``metainfo``
    (e.g. the synthetic scenes of ``mmhad.datasets.synthetic_scenes``).
    Subclasses fix their classes and folders: they set :attr:`TASK_TYPES`
    (any registered task types, see :mod:`mmhad.tasks`), :attr:`METAINFO`,
    :attr:`DEPTH_IS_INVERSE`, optionally :attr:`TASK_FOLDERS` or
    :meth:`task_folders` (where a folder is not the type's ``folder``) and
    :attr:`DEFAULT_TASKS`.

    Each data info (one per sample) holds:

    - ``img_path`` (str): ``{data_root}/{split}/image/{i}.npy``.
    - the task type's ``path_key`` (``seg_map_path``, ``depth_map_path``,
      ... see :data:`TASK_PATH_KEYS`) (str): the annotation file of each
      task in ``tasks`` (and only those).
    - ``tasks`` (list[str]): the tasks whose ground truth this sample lists.
    - ``num_classes`` (int): number of class ids stored on disk (labels are
      ``0 .. num_classes-1`` and ``-1`` = ignored), used by
      ``LoadMultiTaskAnnotations`` to validate labels.
    - ``depth_is_inverse`` (bool): True if ``depth`` stores disparity
      (inverse depth) instead of metres; read by
      ``RandomScaleCropMultiTask``.
    - ``seg_fields`` (list): empty; loaders append the keys they load.
    - ``reduce_zero_label`` (bool): always False (MTAN marks ignored pixels
      with ``-1``, not with class 0).
    - ``label_map`` (dict | None): mmseg's class remapping, None unless
      ``metainfo`` selects a subset of the classes.
    - ``sample_idx`` (int): position of the sample in the dataset (mmengine
      rewrites it to the position after ``indices`` slicing).

    Args:
        data_root (str): Dataset root that holds the ``{split}`` folders.
        split (str): Sub-folder to read, usually ``'train'`` or ``'val'``.
            Defaults to ``'train'``.
        tasks (str | Sequence[str], optional): Tasks whose annotations every
            sample lists, a subset of :attr:`TASK_TYPES`. Only the folders of
            these tasks are checked and only their files are later loaded,
            which is how a continual-learning phase sees its own labels only.
            Defaults to None, meaning :attr:`DEFAULT_TASKS` (all of
            :attr:`TASK_TYPES` unless a subclass says otherwise).
        metainfo (dict, optional): Overrides :attr:`METAINFO` (e.g. a subset
            of ``classes``, see ``BaseSegDataset``). Must give ``classes``
            (and may give ``palette``) when the class defines none and a
            task of kind ``'classes'`` (``'semantic'``) is among ``tasks``.
            Defaults to None.
        indices (int | Sequence[int], optional): Keep only part of the
            samples, after sorting them by their numeric file name (mmengine
            ``BaseDataset`` semantics): an int ``n >= 0`` keeps the first
            ``n`` samples, ``n < 0`` the last ``-n``; a sequence keeps the
            samples at those positions, in that order. This lets a phase own
            a chunk, e.g. ``indices=list(range(0, 200))``. Defaults to None
            (all samples).
        serialize_data (bool): See ``BaseDataset``. Defaults to True.
        pipeline (list[dict | Callable]): Processing pipeline.
            Defaults to ``()``.
        test_mode (bool): See ``BaseDataset``. Defaults to False.
        lazy_init (bool): Defer listing the files until ``full_init()``.
            Defaults to False.
        max_refetch (int): See ``BaseDataset``. Defaults to 1000.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None (local files).

    Raises:
        ValueError: If ``tasks`` is empty or names an unsupported task, or
            a ``'classes'`` task (``'semantic'``) is requested without any
            ``classes``.

    Examples:
        >>> dataset = MTANNpyDataset(
        ...     data_root='data/synthetic_scenes', split='val',
        ...     metainfo=dict(classes=('floor', 'wall', 'ceiling', 'box',
        ...                            'sphere', 'cylinder')))
    """

    #: Tasks this dataset can provide, in canonical order.
    TASK_TYPES: Tuple[str, ...] = ('semantic', 'depth', 'normal')
    #: Folder (under ``{data_root}/{split}``) of a task's files where it is
    #: not the task type's ``folder`` (``label``, ``depth``, ``normal``...).
    TASK_FOLDERS: Dict[str, str] = {}
    #: Tasks loaded when ``tasks`` is None; None means all of
    #: :attr:`TASK_TYPES`.
    DEFAULT_TASKS: Optional[Tuple[str, ...]] = None
    #: Whether the ``depth`` folder stores inverse depth (disparity).
    DEPTH_IS_INVERSE: bool = False

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 tasks: Optional[TaskSpec] = None,
                 metainfo: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 backend_args: Optional[dict] = None) -> None:
        self.split = split
        self.tasks = self._check_tasks(tasks)
        classes = self.METAINFO.get('classes')
        if metainfo is not None and metainfo.get('classes'):
            classes = metainfo['classes']
        for task in self.tasks:
            if get_task(task).kind == 'classes' and not classes:
                raise ValueError(
                    f'{type(self).__name__}: task "{task}" needs class '
                    'names; pass metainfo=dict(classes=(...))')
        folders = self.task_folders()
        data_prefix = dict(img_path=osp.join(split, _IMAGE_FOLDER))
        for task in self.tasks:
            data_prefix[TASK_PATH_KEYS[task]] = osp.join(split, folders[task])
        super().__init__(
            img_suffix='.npy',
            seg_map_suffix='.npy',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch,
            reduce_zero_label=False,
            backend_args=backend_args)

    def task_folders(self) -> Dict[str, str]:
        """Folder name of each supported task's annotations.

        Returns:
            dict[str, str]: Task name -> folder under ``{data_root}/{split}``:
            :attr:`TASK_FOLDERS` where it names the task, else the task
            type's ``folder``.
        """
        return {
            task: self.TASK_FOLDERS.get(task, get_task(task).folder)
            for task in self.TASK_TYPES
        }

    @property
    def num_disk_classes(self) -> int:
        """Number of class ids the label files use (before ``label_map``).

        ``label_map`` maps from the class-level ``METAINFO`` classes, so those
        are the ids on disk; a subclass without class-level classes stores the
        instance's own classes.
        """
        classes = type(self).METAINFO.get('classes') or \
            self._metainfo.get('classes') or ()
        return len(classes)

    def _check_tasks(self, tasks: Optional[TaskSpec]) -> Tuple[str, ...]:
        """Validate ``tasks`` and return them as a de-duplicated tuple."""
        if tasks is None:
            return tuple(self.DEFAULT_TASKS or self.TASK_TYPES)
        if isinstance(tasks, str):
            tasks = (tasks, )
        tasks = tuple(dict.fromkeys(tasks))  # de-duplicate, keep order
        if not tasks:
            raise ValueError(f'{type(self).__name__}: `tasks` is empty; '
                             f'choose from {list(self.TASK_TYPES)}')
        unknown = [t for t in tasks if t not in self.TASK_TYPES]
        if unknown:
            raise ValueError(
                f'{type(self).__name__}: unknown task(s) {unknown}; valid '
                f'tasks are {list(self.TASK_TYPES)}')
        return tasks

    def _missing_folder_hint(self) -> str:
        """Text appended to the error about a missing folder."""
        return ''

    def _list_indices(self, folder: str) -> Dict[int, str]:
        """Map numeric sample index -> file name for ``{i}.npy`` in a folder.

        Files not ending in ``.npy`` are ignored.

        Raises:
            FileNotFoundError: If ``folder`` does not exist.
            ValueError: If a ``.npy`` file name is not a non-negative integer.
        """
        if not fileio.isdir(folder, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{type(self).__name__}: folder not found: {folder}'
                f'{self._missing_folder_hint()}')
        found: Dict[int, str] = {}
        for name in fileio.list_dir_or_file(
                folder,
                list_dir=False,
                suffix='.npy',
                backend_args=self.backend_args):
            match = _NPY_NAME.match(name)
            if match is None:
                raise ValueError(
                    f'{type(self).__name__}: unexpected file {name!r} in '
                    f'{folder}; files must be named {{i}}.npy with i an '
                    'integer')
            found[int(match.group(1))] = name
        return found

    def load_data_list(self) -> List[dict]:
        """List the samples of ``{data_root}/{split}``.

        Returns:
            list[dict]: One data info per ``image/{i}.npy``, sorted by ``i``
            (see the class docstring for the keys).

        Raises:
            FileNotFoundError: If ``data_root``, the split folder or a needed
                task folder does not exist.
            ValueError: If ``image/`` holds no ``.npy`` file, or a task folder
                does not hold exactly the same ``{i}.npy`` files as ``image/``.
        """
        split_dir = osp.join(self.data_root, self.split)
        for path in (self.data_root, split_dir):
            if not fileio.isdir(path, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{type(self).__name__}: folder not found: {path}')
        img_dir = self.data_prefix['img_path']
        image_files = self._list_indices(img_dir)
        if not image_files:
            raise ValueError(
                f'{type(self).__name__}: no .npy files in {img_dir}')
        ids = sorted(image_files)

        ann_dirs = {}
        for task in self.tasks:
            ann_dir = self.data_prefix[TASK_PATH_KEYS[task]]
            files = self._list_indices(ann_dir)
            missing = sorted(set(ids) - set(files))
            extra = sorted(set(files) - set(ids))
            if missing or extra:
                raise ValueError(
                    f'{type(self).__name__}: {ann_dir} (task {task!r}) must '
                    f'hold the same {len(ids)} files as {img_dir}; missing: '
                    f'{_short_list([f"{i}.npy" for i in missing])}, extra: '
                    f'{_short_list([f"{i}.npy" for i in extra])}')
            ann_dirs[task] = (ann_dir, files)

        num_classes = self.num_disk_classes
        data_list = []
        for position, i in enumerate(ids):
            info = dict(img_path=osp.join(img_dir, image_files[i]))
            for task, (ann_dir, files) in ann_dirs.items():
                info[TASK_PATH_KEYS[task]] = osp.join(ann_dir, files[i])
            info.update(
                tasks=list(self.tasks),
                num_classes=num_classes,
                depth_is_inverse=self.DEPTH_IS_INVERSE,
                seg_fields=[],
                reduce_zero_label=False,
                label_map=self.label_map,
                sample_idx=position)
            data_list.append(info)
        return data_list
