"""mmhad: lifelong heterogeneous learning for dense prediction, as an mmseg plugin.

Importing this package applies :mod:`mmhad.compat` first (it must run before
``mmseg.models`` is imported) and then registers every mmhad module into
mmseg's registries.
"""
from . import compat

compat.apply()

from . import tasks  # noqa: E402,F401  (the ground floor: read by all)
from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
