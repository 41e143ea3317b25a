"""Small helpers shared by the command-line tools."""
from .cli import (add_common_args, build_runner, load_config, run_tool,
                  set_local_rank)

__all__ = [
    'add_common_args', 'build_runner', 'load_config', 'run_tool',
    'set_local_rank'
]
