"""Shared fixtures: mmhad registered, mmseg scope active, small CPU models."""
import logging

import pytest

import mmhad  # noqa: F401  (compat + registration before mmseg.models)
from mmengine.registry import init_default_scope
from mmengine.utils import ManagerMixin


@pytest.fixture(autouse=True)
def _mmseg_scope():
    init_default_scope('mmseg')


def _manager_classes(cls=ManagerMixin):
    for sub in cls.__subclasses__():
        yield sub
        yield from _manager_classes(sub)


@pytest.fixture(autouse=True)
def _fresh_mmengine_globals():
    """Forget the loggers, message hubs and visualizers a test created.

    A Runner names them after its start time, so two runners started in the
    same second would otherwise share them, and the second would keep
    writing into the first one's (by then deleted) temporary work dir.
    """
    yield
    for cls in set(_manager_classes()):
        for instance in cls._instance_dict.values():
            if isinstance(instance, logging.Logger):
                for handler in list(instance.handlers):
                    handler.close()
                    instance.removeHandler(handler)
        cls._instance_dict.clear()


@pytest.fixture(autouse=True)
def _builtin_task_types_only():
    """Remove task types a test registered and did not unregister, so that
    every later test sees the registry it started with (test order does not
    matter)."""
    from mmhad.registry import TASKS
    from mmhad.tasks import unregister_task
    before = set(TASKS.module_dict)
    yield
    for name in set(TASKS.module_dict) - before:
        unregister_task(name)
