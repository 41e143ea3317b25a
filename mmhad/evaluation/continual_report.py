"""Compatibility name of :mod:`mmhad.evaluation.report` (the continual loop
and older scripts import from here); new code imports the report package."""
from .report import *  # noqa: F401,F403
from .report import __all__  # noqa: F401
