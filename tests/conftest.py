"""Shared fixtures: mmhad registered, mmseg scope active, small CPU models."""
import pytest

import mmhad  # noqa: F401  (compat + registration before mmseg.models)
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def _mmseg_scope():
    init_default_scope('mmseg')
