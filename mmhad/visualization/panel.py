"""One panel image per sample: the input and, per task, GT beside prediction.

Layout (every cell has the input's H x W)::

    input | GT task a | prediction task a [| colour bar a]
    input | GT task b | prediction task b [| colour bar b]

- rows: the tasks of the sample that are drawn (those with a prediction, in
  the order of :func:`mmhad.tasks.task_names`; with ``draw_pred=False``
  those with ground truth);
- the GT column exists when some drawn task has ground truth; a task
  without it gets an empty (white) GT cell;
- the colour-bar column (``legend_width`` pixels) exists when some drawn
  task has a scaled style (``'colormap'``); the value range is written on
  the prediction cell when cells are at least :data:`MIN_TEXT_WIDTH` wide.

Every map is drawn through its task's ``draw`` spec
(:mod:`mmhad.visualization.styles`), nothing depends on a task's name.
"""
from typing import List, NamedTuple, Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmseg.structures import SegDataSample

from mmhad.tasks import TaskType, get_task, task_names
from .styles import Scale, as_float_map, get_style

#: Colour of empty cells.
BACKGROUND = (255, 255, 255)
#: Cells narrower than this get no text.
MIN_TEXT_WIDTH = 64


class TaskRow(NamedTuple):
    """The drawn cells of one task (H x W x 3 uint8 each; None = absent)."""

    gt: Optional[np.ndarray]
    pred: Optional[np.ndarray]
    legend: Optional[np.ndarray]
    text: str


def style_of(task: TaskType) -> str:
    """The style name of a task's ``draw`` spec; without one, ``'palette'``
    for class kinds and ``'colormap'`` otherwise."""
    style = task.draw.get('style')
    if style:
        return style
    return 'palette' if task.is_classes else 'colormap'


def drawn_tasks(sample: SegDataSample, draw_gt: bool = True,
                draw_pred: bool = True) -> List[TaskType]:
    """The tasks of ``sample`` that get a row (see the module docstring)."""
    tasks = [get_task(name) for name in task_names()]
    if draw_pred:
        return [t for t in tasks if t.pred_field in sample]
    if draw_gt:
        return [t for t in tasks if t.gt_field in sample]
    return []


def fit(cell: np.ndarray, hw: Sequence[int]) -> np.ndarray:
    """Resize a cell to (H, W) (nearest) when its size differs."""
    if tuple(cell.shape[:2]) == tuple(hw):
        return cell
    return mmcv.imresize(cell, (hw[1], hw[0]), interpolation='nearest')


def draw_task(task: TaskType,
              sample: SegDataSample,
              hw: Sequence[int],
              palette: Optional[Sequence[Sequence[int]]] = None,
              draw_gt: bool = True,
              draw_pred: bool = True,
              legend_width: int = 8) -> TaskRow:
    """Draw the ground truth and prediction of one task of a sample.

    Args:
        task (TaskType): The task.
        sample (SegDataSample): Holds ``task.gt_field`` and/or
            ``task.pred_field`` (C x H x W).
        hw (Sequence[int]): (H, W) of the cells.
        palette (Sequence, optional): Class colours of ``'palette'`` styles.
        draw_gt (bool): Draw the ground truth (when the sample has it).
        draw_pred (bool): Draw the prediction (when the sample has it).
        legend_width (int): Width of the colour bar in pixels.

    Returns:
        TaskRow: The cells and a text with the task's name and value range.
    """
    spec = dict(task.draw)
    style = get_style(style_of(task))
    gt_raw = sample.get(task.gt_field) if draw_gt else None
    pred_raw = sample.get(task.pred_field) if draw_pred else None
    gt = None if gt_raw is None else as_float_map(gt_raw.data)
    pred = None if pred_raw is None else as_float_map(pred_raw.data)
    invalid = None
    if gt_raw is not None:
        invalid = task.invalid_mask(
            gt_raw.data.detach().cpu()).numpy().astype(bool)
    cells = {}
    scales = {}
    for which, values in (('gt', gt), ('pred', pred)):
        if values is None:
            continue
        scales[which] = style.scale(spec, task, gt, invalid, pred, which)
        cell = style.paint(values, spec, scales[which], palette)
        if which == 'gt':
            cell = cell.copy()
            cell[invalid] = style.invalid_colour
        cells[which] = fit(cell, hw)
    scale = scales.get('pred', scales.get('gt'))
    legend = None
    if style.scaled and scale is not None:
        legend = style.legend(spec, scale, hw[0], legend_width)
    return TaskRow(cells.get('gt'), cells.get('pred'), legend,
                   task_text(task, scale if style.scaled else None))


def task_text(task: TaskType, scale: Optional[Scale]) -> str:
    """``'depth [0.5, 3.2] m'``: the task's name, and its colour scale."""
    if scale is None:
        return task.name
    unit = f' {task.unit}' if task.unit else ''
    return f'{task.name} [{scale[0]:.3g}, {scale[1]:.3g}]{unit}'


def put_text(cell: np.ndarray, text: str) -> np.ndarray:
    """Write ``text`` at the top left of a cell (white on black outline);
    cells narrower than :data:`MIN_TEXT_WIDTH` are returned unchanged."""
    if not text or cell.shape[1] < MIN_TEXT_WIDTH:
        return cell
    cell = np.ascontiguousarray(cell).copy()
    size = max(0.3, cell.shape[1] / 640)
    origin = (2, int(14 * size / 0.5))
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(cell, text, origin, cv2.FONT_HERSHEY_SIMPLEX, size,
                    colour, thickness, cv2.LINE_AA)
    return cell


def blank(h: int, w: int) -> np.ndarray:
    """An empty H x W x 3 cell."""
    return np.full((h, w, 3), BACKGROUND, np.uint8)


def draw_panel(image: np.ndarray,
               sample: SegDataSample,
               palette: Optional[Sequence[Sequence[int]]] = None,
               draw_gt: bool = True,
               draw_pred: bool = True,
               with_labels: bool = True,
               legend_width: Optional[int] = None,
               min_cell_width: int = 0) -> Optional[np.ndarray]:
    """The panel of one sample (layout: the module docstring).

    Args:
        image (np.ndarray): The input, H x W x 3 uint8 RGB.
        sample (SegDataSample): Ground truth and predictions (C x H x W).
        palette (Sequence, optional): Class colours (``'palette'`` styles).
        draw_gt (bool): Draw ground truth. Defaults to True.
        draw_pred (bool): Draw predictions. Defaults to True.
        with_labels (bool): Write task names and value ranges.
        legend_width (int, optional): Colour-bar width in pixels. Defaults
            to ``max(4, W // 8)``.
        min_cell_width (int): Cells narrower than this are enlarged by the
            smallest integer factor ``s`` that reaches it (nearest, so
            pixels stay exact blocks), which keeps labels readable on small
            inputs. Defaults to 0 (native size, ``s = 1``).

    Returns:
        np.ndarray, optional: The panel, ``s * rows * H`` x
        ``s * ((2 or 3) * W [+ legend_width])`` x 3 uint8 RGB; None when no
        task of the sample is drawn.
    """
    h, w = image.shape[:2]
    legend_width = legend_width or max(4, w // 8)
    rows = [
        draw_task(task, sample, (h, w), palette, draw_gt, draw_pred,
                  legend_width)
        for task in drawn_tasks(sample, draw_gt, draw_pred)
    ]
    if not rows:
        return None
    with_gt = any(row.gt is not None for row in rows)
    with_pred = any(row.pred is not None for row in rows)
    with_legend = any(row.legend is not None for row in rows)
    scale = -(-min_cell_width // w) if w < min_cell_width else 1

    def up(cell: np.ndarray) -> np.ndarray:
        return cell if scale == 1 else np.repeat(
            np.repeat(cell, scale, axis=0), scale, axis=1)

    lines = []
    for row in rows:
        cells = [put_text(up(image), row.text) if with_labels else up(image)]
        if with_gt:
            cells.append(up(blank(h, w) if row.gt is None else row.gt))
        if with_pred:
            cells.append(up(blank(h, w) if row.pred is None else row.pred))
        if with_legend:
            cells.append(up(blank(h, legend_width)
                            if row.legend is None else row.legend))
        lines.append(np.concatenate(cells, axis=1))
    return np.ascontiguousarray(np.concatenate(lines, axis=0))


__all__ = ['draw_panel', 'draw_task', 'drawn_tasks', 'style_of', 'TaskRow']
