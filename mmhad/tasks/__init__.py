"""Task types: one definition per dense task, read by every stage.

Look a task up with :func:`get_task` (``get_task('depth').pad_value``); add
one with :func:`register_task` (``docs/adding_a_task.md``).
"""
import importlib
import pkgutil
from typing import List, Optional, Type

from ..registry import TASKS
from .base import (CLASS_KINDS, HIGHER, IGNORE_INDEX, KINDS, LOWER,
                   ClassTask, Measure, RegressionTask, TaskType)

_INSTANCES = {}


def register_task(cls: Optional[Type[TaskType]] = None, *,
                  force: bool = False):
    """Class decorator: register a :class:`TaskType` under its ``name``.

    Use as ``@register_task`` or ``@register_task(force=True)`` (replace a
    registered type of the same name, e.g. in tests).

    Raises:
        KeyError: If another type already has that name and not ``force``.
    """
    def _register(cls: Type[TaskType]) -> Type[TaskType]:
        if not (isinstance(cls, type) and issubclass(cls, TaskType)
                and cls.name):
            raise TypeError('register_task expects a TaskType subclass with '
                            f'a name, got {cls!r}')
        TASKS.register_module(name=cls.name, module=cls, force=force)
        _INSTANCES.pop(cls.name, None)
        return cls

    return _register if cls is None else _register(cls)


def get_task(name: str) -> TaskType:
    """The definition of task ``name`` (one shared, stateless instance).

    Raises:
        KeyError: If no task type of that name is registered; the message
            lists the registered ones.
    """
    task = _INSTANCES.get(name)
    if task is None:
        cls = TASKS.get(name) if name in TASKS.module_dict else None
        if cls is None:
            raise KeyError(f'unknown task {name!r}: no task type of that '
                           f'name is registered (known: {task_names()}); '
                           'define one with mmhad.tasks.register_task')
        task = _INSTANCES[name] = cls()
    return task


def unregister_task(name: str) -> None:
    """Remove task type ``name`` (e.g. one a test registered) and its shared
    instance.

    Raises:
        KeyError: If no task type of that name is registered.
    """
    if name not in TASKS.module_dict:
        raise KeyError(f'unknown task {name!r}: no task type of that name is '
                       f'registered (known: {task_names()})')
    del TASKS.module_dict[name]
    _INSTANCES.pop(name, None)


def task_names() -> List[str]:
    """Names of every registered task type, sorted."""
    return sorted(TASKS.module_dict)


def _import_builtin_tasks() -> None:
    """Import every module of this package: each built-in task type is one
    file here that registers itself, so adding one needs no edit here."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f'{__name__}.{info.name}')


_import_builtin_tasks()

__all__ = [
    'TASKS', 'TaskType', 'ClassTask', 'RegressionTask', 'Measure', 'KINDS',
    'CLASS_KINDS', 'LOWER', 'HIGHER', 'IGNORE_INDEX', 'register_task',
    'unregister_task', 'get_task', 'task_names'
]
