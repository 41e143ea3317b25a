"""Import the scripts under tools/ (not a package) for in-process tests."""
import importlib.util
import os.path as osp

from tests.test_engine.utils import REPO


def load_tool(relpath: str):
    """The module ``tools/{relpath}``, e.g.
    ``'analysis_tools/lhl_report.py'``."""
    name = 'mmhad_tools_' + relpath.replace('/', '_').replace('.py', '')
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
