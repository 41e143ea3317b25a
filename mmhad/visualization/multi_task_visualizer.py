"""mmseg's local visualizer, drawing every task of a multi-task sample."""
from typing import Optional

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmengine.visualization import Visualizer
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from .panel import draw_panel


@VISUALIZERS.register_module()
class MultiTaskVisualizer(SegLocalVisualizer):
    """:class:`SegLocalVisualizer` that draws one panel per sample: the
    input and, per task, ground truth beside prediction
    (:func:`mmhad.visualization.panel.draw_panel`; rows = tasks).

    Each map is drawn through its task definition's ``draw`` spec, so a
    task type registered anywhere (``mmhad.tasks.register_task``) is drawn
    without code here. Class ids use the dataset palette
    (``dataset_meta['palette']``, which the runner sets from the dataset's
    metainfo). The panel goes to every configured ``vis_backends``
    (``LocalVisBackend``: ``{save_dir}/vis_data/vis_image/{name}_{step}.png``;
    ``TensorboardVisBackend``, ``WandbVisBackend``...), as mmseg's does.

    Args:
        name (str): Name of the (global) instance.
        with_labels (bool): Write task names and colour scales on the
            panel (cells of at least 64 pixels). Defaults to True.
        legend_width (int, optional): Colour-bar width in pixels. Defaults
            to an eighth of the image width (at least 4).
        min_cell_width (int): Enlarge cells narrower than this by an
            integer factor (nearest) so that small inputs (e.g. the 48x64
            synthetic scenes) give a readable panel. Defaults to 0 (native
            size); the configs' ``default_runtime`` sets 256.
        **kwargs: Arguments of :class:`SegLocalVisualizer` (
            ``vis_backends``, ``save_dir``, ``classes``, ``palette``...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 with_labels: bool = True,
                 legend_width: Optional[int] = None,
                 min_cell_width: int = 0,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.with_labels = with_labels
        self.legend_width = legend_width
        self.min_cell_width = min_cell_width

    def draw_sample(self,
                    image: np.ndarray,
                    data_sample: SegDataSample,
                    draw_gt: bool = True,
                    draw_pred: bool = True,
                    with_labels: Optional[bool] = None
                    ) -> Optional[np.ndarray]:
        """The panel of one sample, H*rows x W*cols x 3 uint8 RGB (None if
        no task of the sample is drawn)."""
        meta = self.dataset_meta or {}
        labels = self.with_labels if with_labels is None else with_labels
        return draw_panel(image, data_sample, meta.get('palette'), draw_gt,
                          draw_pred, labels, self.legend_width,
                          self.min_cell_width)

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = None) -> None:
        """Draw a sample and show it, write it to ``out_file`` or send it
        to the backends (mmseg's semantics).

        Args:
            name (str): Image identifier (``test_7``).
            image (np.ndarray): The input, H x W x 3 uint8 RGB.
            data_sample (SegDataSample, optional): Ground truth and
                predictions; None draws nothing.
            draw_gt (bool): Draw ground truth. Defaults to True.
            draw_pred (bool): Draw predictions. Defaults to True.
            show (bool): Display the panel in a window.
            wait_time (float): Seconds to show it.
            out_file (str, optional): Write the panel there instead of
                sending it to the backends.
            step (int): Global step recorded by the backends.
            with_labels (bool, optional): Override ``with_labels``.
        """
        if data_sample is None:
            return
        panel = self.draw_sample(image, data_sample, draw_gt, draw_pred,
                                 with_labels)
        publish(self, name, panel, show, wait_time, out_file, step)


def publish(visualizer: Visualizer,
            name: str,
            panel: Optional[np.ndarray],
            show: bool = False,
            wait_time: float = 0,
            out_file: Optional[str] = None,
            step: int = 0) -> None:
    """Show a drawn panel, write it to ``out_file``, or else send it to the
    visualizer's backends (``add_image``); nothing for a None panel."""
    if panel is None:
        return
    if show:
        visualizer.show(panel, win_name=name, wait_time=wait_time)
    if out_file is not None:
        mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
    else:
        visualizer.add_image(name, panel, step)
