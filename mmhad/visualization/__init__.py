"""Drawing of multi-task samples: every task through its ``draw`` spec."""
from .multi_task_visualizer import MultiTaskVisualizer, publish
from .panel import draw_panel, draw_task, drawn_tasks
from .styles import (BLACK, DRAW_STYLES, NEUTRAL, DrawStyle, get_style,
                     register_style, vector_to_rgb)

__all__ = [
    'MultiTaskVisualizer', 'publish', 'draw_panel', 'draw_task', 'drawn_tasks',
    'DRAW_STYLES', 'DrawStyle', 'register_style', 'get_style', 'NEUTRAL',
    'BLACK', 'vector_to_rgb'
]
