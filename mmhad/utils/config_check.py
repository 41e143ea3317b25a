"""Check a continual run's config before anything is built (issue 7, item 6).

Values the losses and hooks would accept silently but that make a run
meaningless (negative λ maximises distillation, ``k=1.5`` zeroes SG-HAD, ...)
or that fail only when a later phase starts (a misspelt task) are reported
here, all at once, each naming the key, the value and what is allowed.
"""
from typing import Any, Callable, List, Mapping, Optional, Sequence

from .errors import UserError

# key -> (test, what is allowed)
HAD_LIMITS = {
    'k': (lambda v: 0 < v <= 1, '0 < k <= 1'),
    'delta': (lambda v: 0 <= v <= 1, '0 <= delta <= 1'),
    'eps': (lambda v: v > 0, 'eps > 0'),
}


class ConfigValueError(UserError, ValueError):
    """One or more config values are out of range or name unknown tasks."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(problems: List[str], key: str, value: Any,
           test: Callable[[float], bool], allowed: str) -> None:
    if not _number(value) or not test(value):
        problems.append(f'{key}={value!r}: allowed {allowed}')


def _check_distill(problems: List[str], distill: Mapping,
                   tasks: List[str]) -> None:
    if 'loss_weight' in distill:
        _check(problems, 'model.distill_loss.loss_weight',
               distill['loss_weight'], lambda v: v >= 0, 'lambda >= 0')
    for task, loss in (distill.get('losses') or {}).items():
        if task not in tasks:
            problems.append(
                f'model.distill_loss.losses.{task}: unknown task; the model '
                f'has heads {sorted(tasks)}')
        if not isinstance(loss, Mapping):
            continue
        for key, (test, allowed) in HAD_LIMITS.items():
            if key in loss:
                _check(problems, f'model.distill_loss.losses.{task}.{key}',
                       loss[key], test, allowed)


def _dataset_tasks(dataset: Mapping, key: str) -> Optional[Sequence[str]]:
    """Tasks a dataset config can provide, or None when unknown (a
    dataset type without ``TASK_TYPES``, e.g. a wrapper)."""
    from mmseg.registry import DATASETS
    cls = DATASETS.get(dataset.get('type', '')) if isinstance(
        dataset.get('type'), str) else None
    supported = getattr(cls, 'TASK_TYPES', None)
    if supported is None:
        return None
    listed = dataset.get('tasks')
    if key == 'val_dataloader' and listed:
        return [listed] if isinstance(listed, str) else list(listed)
    return list(supported)


def _check_dataset_tasks(problems: List[str], cfg: Mapping, key: str,
                         phase_tasks: Sequence[str]) -> None:
    """Every phase task must be one the ``key`` dataset can provide."""
    dataset = (cfg.get(key) or {}).get('dataset') or {}
    if not isinstance(dataset, Mapping):
        return
    supported = _dataset_tasks(dataset, key)
    if supported is None:
        return
    missing = [t for t in phase_tasks if t not in supported]
    if missing:
        problems.append(
            f'{key}.dataset (type={dataset.get("type")!r}) cannot provide '
            f'the task(s) {missing} of train_cfg.phases; it provides '
            f'{list(supported)}')


def check_config(cfg: Mapping) -> None:
    """Check the continual keys of ``cfg``.

    Checks ``model.distill_loss`` (λ = ``loss_weight`` >= 0; per task
    ``0 < k <= 1``, ``0 <= delta <= 1``, ``eps > 0``; task names that have a
    head), ``ewc_lambda >= 0`` of an ``EWCHook``,
    ``train_cfg.max_nonfinite_steps`` (an int >= 1 or None) and that every
    phase of ``train_cfg.phases`` names tasks with a head that the train and
    val datasets can provide (their ``TASK_TYPES``; the val set's ``tasks``
    when the config lists them).

    Args:
        cfg (Mapping): The run config.

    Raises:
        ConfigValueError: Listing every problem found.
    """
    problems: List[str] = []
    model = cfg.get('model') or {}
    tasks = [t for t, head in (model.get('decode_heads') or {}).items()
             if head is not None]
    if model.get('distill_loss'):
        _check_distill(problems, model['distill_loss'], tasks)
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, Mapping) and str(
                hook.get('type', '')).endswith('EWCHook') and \
                'ewc_lambda' in hook:
            _check(problems, f'custom_hooks.{i}.ewc_lambda',
                   hook['ewc_lambda'], lambda v: v >= 0, 'ewc_lambda >= 0')
    train_cfg = cfg.get('train_cfg') or {}
    steps = train_cfg.get('max_nonfinite_steps', 1)
    if steps is not None:
        _check(problems, 'train_cfg.max_nonfinite_steps', steps,
               lambda v: isinstance(v, int) and v >= 1,
               'an int >= 1, or None (no guard)')
    phases = train_cfg.get('phases') or []
    phase_tasks: List[str] = []
    for i, phase in enumerate(phases):
        named = phase.get('task') if isinstance(phase, Mapping) else None
        for task in ([named] if isinstance(named, str) else named or []):
            if tasks and task not in tasks:
                problems.append(
                    f'train_cfg.phases.{i}.task={task!r}: unknown task; the '
                    f'model has heads {sorted(tasks)}')
            elif task not in phase_tasks:
                phase_tasks.append(task)
    for key in ('train_dataloader', 'val_dataloader'):
        _check_dataset_tasks(problems, cfg, key, phase_tasks)
    if problems:
        raise ConfigValueError('Invalid config:\n  ' + '\n  '.join(problems))
