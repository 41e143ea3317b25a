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


def _check_distill(problems: List[str], distill: Mapping, key: str,
                   known: Sequence[str], what: str) -> None:
    """Check a ``HADDistillLoss`` config found at ``key``; its per-task
    entries must name one of ``known`` (described by ``what``)."""
    if 'loss_weight' in distill:
        _check(problems, f'{key}.loss_weight',
               distill['loss_weight'], lambda v: v >= 0, 'lambda >= 0')
    for task, loss in (distill.get('losses') or {}).items():
        if task not in known:
            problems.append(f'{key}.losses.{task}: unknown task; {what} '
                            f'{sorted(known)}')
        if not isinstance(loss, Mapping):
            continue
        for name, (test, allowed) in HAD_LIMITS.items():
            if name in loss:
                _check(problems, f'{key}.losses.{task}.{name}',
                       loss[name], test, allowed)


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


def _named(phase: Any) -> List[str]:
    """The task names of a ``train_cfg.phases`` entry."""
    named = phase.get('task') if isinstance(phase, Mapping) else None
    return [named] if isinstance(named, str) else list(named or [])


def check_config(cfg: Mapping) -> None:
    """Check the continual keys of ``cfg``.

    Checks the top-level ``distill_loss`` (or ``model.distill_loss``; not
    both): λ = ``loss_weight`` >= 0; per task ``0 < k <= 1``,
    ``0 <= delta <= 1``, ``eps > 0``; task names that are registered task
    types (that have a head, for ``model.distill_loss``); a loss for every
    task distilled after its phase. Also ``ewc_lambda >= 0`` of an
    ``EWCHook``,
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
        _check_distill(problems, model['distill_loss'], 'model.distill_loss',
                       tasks, 'the model has heads')
    if cfg.get('distill_loss'):
        from mmhad.tasks import task_names
        _check_distill(problems, cfg['distill_loss'], 'distill_loss',
                       task_names(), 'registered task types are')
        if model.get('distill_loss'):
            problems.append('distill_loss and model.distill_loss: give the '
                            'distillation loss once (the top-level one)')
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
        for task in _named(phase):
            if tasks and task not in tasks:
                problems.append(
                    f'train_cfg.phases.{i}.task={task!r}: unknown task; the '
                    f'model has heads {sorted(tasks)}')
            elif task not in phase_tasks:
                phase_tasks.append(task)
    distill = cfg.get('distill_loss') or model.get('distill_loss')
    if distill and len(phases) > 1:
        configured = set(distill.get('losses') or {})
        early = [t for phase in phases[:-1] for t in _named(phase)]
        old = [t for t in dict.fromkeys(early)
               if t in tasks and t not in configured]
        if old:
            problems.append(
                f'distill_loss.losses: no loss for the task(s) {old}, which '
                'are distilled after their phase; add '
                f'{old[0]}=dict(type=...)')
    for key in ('train_dataloader', 'val_dataloader'):
        _check_dataset_tasks(problems, cfg, key, phase_tasks)
    if problems:
        raise ConfigValueError('Invalid config:\n  ' + '\n  '.join(problems))
