"""Which images and how many iterations each continual phase gets."""
import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

PHASE_KEYS = ('task', 'max_iters', 'max_epochs', 'indices', 'dataloader',
              'optim_wrapper')
SPLIT_MODES = ('contiguous', 'shuffle')


@dataclass
class Phase:
    """One phase: task(s) learned on their own chunk of training images.

    Attributes:
        index (int): Position in the sequence (0-based).
        tasks (list[str]): Tasks learned with ground truth in this phase
            (one in continual learning; all of them for joint training).
        indices (list[int]): Training-set positions this phase sees.
        begin (int): Global iteration at which the phase starts.
        end (int): Global iteration at which it ends (exclusive).
        dataloader (dict): Overrides merged into ``train_dataloader``.
        optim_wrapper (dict): Overrides merged (recursively) into
            ``optim_wrapper`` when the phase builds its optimizer.
    """
    index: int
    tasks: List[str]
    indices: List[int]
    begin: int
    end: int
    dataloader: dict = field(default_factory=dict)
    optim_wrapper: dict = field(default_factory=dict)

    @property
    def num_iters(self) -> int:
        return self.end - self.begin

    @property
    def name(self) -> str:
        """``'semantic'``, or ``'semantic+depth+normal'`` for a joint phase."""
        return '+'.join(self.tasks)


def split_indices(num_samples: int,
                  num_phases: int,
                  mode: str = 'contiguous',
                  seed: int = 0) -> List[List[int]]:
    """Disjoint equal chunks of ``range(num_samples)``, one per phase.

    As in the HAD protocol each chunk holds ``num_samples // num_phases``
    images (NYUv2: 795 // 3 = 265); the remainder is left out.
    ``'contiguous'`` takes consecutive images, ``'shuffle'`` a seeded
    permutation first.
    """
    if mode not in SPLIT_MODES:
        raise ValueError(f'train_cfg.split.mode must be one of {SPLIT_MODES}'
                         f', got {mode!r}')
    size = num_samples // num_phases
    if size == 0:
        raise ValueError(f'cannot split {num_samples} training images into '
                         f'{num_phases} non-empty phases')
    order = np.arange(num_samples)
    if mode == 'shuffle':
        order = np.random.default_rng(seed).permutation(num_samples)
    return [order[i * size:(i + 1) * size].tolist()
            for i in range(num_phases)]


def plan_phases(phases: Sequence[dict],
                num_samples: int,
                iters_per_epoch: 'callable',
                split: Optional[dict] = None) -> List[Phase]:
    """Turn ``train_cfg.phases`` into :class:`Phase` objects.

    Args:
        phases (Sequence[dict]): Each with ``task`` (a task name, or a list
            of names trained together), one of ``max_iters`` /
            ``max_epochs``, and optionally ``indices`` (explicit training
            positions) and ``dataloader`` (overrides of the base dataloader).
        num_samples (int): Size of the whole training set.
        iters_per_epoch (callable): ``f(num_images, dataloader_overrides)``
            -> iterations of one epoch over that many images.
        split (dict, optional): ``dict(mode='contiguous'|'shuffle', seed=0)``.
    """
    if not phases:
        raise ValueError('train_cfg.phases must list at least one phase')
    split = dict(split or {})
    unknown_split = set(split) - {'mode', 'seed'}
    if unknown_split:
        raise KeyError(f'train_cfg.split: unknown key(s) '
                       f'{sorted(unknown_split)}; expected mode, seed')
    if len(phases) == 1:  # joint / single-task training: every image
        chunks = [list(range(num_samples))]
    else:
        chunks = split_indices(num_samples, len(phases), **split)
    planned, begin = [], 0
    for i, cfg in enumerate(phases):
        unknown = set(cfg) - set(PHASE_KEYS)
        if unknown:
            raise KeyError(f'train_cfg.phases[{i}]: unknown key(s) '
                           f'{sorted(unknown)}; expected {PHASE_KEYS}')
        if 'task' not in cfg:
            raise KeyError(f'train_cfg.phases[{i}] has no "task"')
        if ('max_iters' in cfg) == ('max_epochs' in cfg):
            raise KeyError(f'train_cfg.phases[{i}] needs exactly one of '
                           '"max_iters" and "max_epochs"')
        indices = list(cfg.get('indices', chunks[i]))
        overrides = dict(cfg.get('dataloader', {}))
        if 'max_iters' in cfg:
            length = int(cfg['max_iters'])
        else:
            length = int(cfg['max_epochs']) * iters_per_epoch(
                len(indices), overrides)
        if length <= 0:
            raise ValueError(f'train_cfg.phases[{i}] has no iterations')
        tasks = cfg['task']
        tasks = [tasks] if isinstance(tasks, str) else list(tasks)
        planned.append(
            Phase(i, tasks, indices, begin, begin + length, overrides,
                  dict(cfg.get('optim_wrapper', {}))))
        begin += length
    return planned


def phase_dataset_cfg(dataloader: dict, phase: Phase) -> dict:
    """The dataloader config of ``phase``: ``dataloader`` with the phase's
    overrides, its dataset restricted to the phase's indices and tasks."""
    cfg = copy.deepcopy(dataloader)
    cfg.update(copy.deepcopy(phase.dataloader or {}))
    cfg['dataset']['indices'] = phase.indices
    cfg['dataset']['tasks'] = list(phase.tasks)
    return cfg


def epoch_iters(num_images: int, batch_size: int, world_size: int) -> int:
    """Iterations to see ``num_images`` once with the global batch size."""
    return max(1, math.ceil(num_images / (batch_size * world_size)))


def merge_overrides(base: dict, overrides: dict) -> dict:
    """A copy of ``base`` with ``overrides`` merged in, nested dicts key by
    key (``dict(optimizer=dict(lr=1e-4))`` keeps the optimizer's type)."""
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def plan_record(phases: List[Phase], method: Optional[str]) -> dict:
    """What a checkpoint records of the phase plan, to check on resume.

    Args:
        phases (list[Phase]): The plan.
        method (str, optional): The continual method of the run.

    Returns:
        dict: ``method`` and, per phase, its tasks, iterations and chunk
        (image count and a digest of the training-set positions).
    """
    return dict(method=method, phases=[
        dict(tasks=list(p.tasks), begin=p.begin, end=p.end,
             images=len(p.indices),
             chunk=hashlib.sha1(json.dumps(list(p.indices)).encode())
             .hexdigest()[:16]) for p in phases])


def plan_difference(saved: dict, current: dict) -> Optional[str]:
    """The first difference between two :func:`plan_record` results, in
    words, or None when they agree."""
    if saved.get('method') != current.get('method'):
        return (f'method: checkpoint {saved.get("method")!r}, config '
                f'{current.get("method")!r}')
    old, new = saved.get('phases', []), current.get('phases', [])
    if len(old) != len(new):
        return f'number of phases: checkpoint {len(old)}, config {len(new)}'
    for i, (a, b) in enumerate(zip(old, new)):
        for key in ('tasks', 'begin', 'end', 'images', 'chunk'):
            if a.get(key) != b.get(key):
                return (f'phase {i} {key}: checkpoint {a.get(key)!r}, '
                        f'config {b.get(key)!r}')
    return None
