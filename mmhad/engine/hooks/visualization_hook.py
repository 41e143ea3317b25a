"""Draw multi-task val/test predictions (``tools/test.py --show-dir``)."""
import io
import os.path as osp
from typing import Optional, Sequence

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmengine.dist import is_main_process
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmhad.visualization import MultiTaskVisualizer, draw_panel, publish


def load_rgb_image(path: str,
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """Read the input image of a sample as an H x W x 3 uint8 RGB array.

    ``.npy`` files follow the data contract (float RGB in [0, 1], or uint8);
    any other file is decoded by mmcv.

    Args:
        path (str): ``img_path`` of the sample.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        np.ndarray: uint8 RGB image.
    """
    data = fileio.get(path, backend_args=backend_args)
    if not path.endswith('.npy'):
        return mmcv.imfrombytes(data, channel_order='rgb')
    img = np.load(io.BytesIO(data))
    if img.dtype != np.uint8:
        img = np.clip(np.nan_to_num(img.astype(np.float32)) * 255, 0, 255)
        img = img.round().astype(np.uint8)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return np.ascontiguousarray(img)


@HOOKS.register_module()
class MultiTaskVisualizationHook(SegVisualizationHook):
    """:class:`SegVisualizationHook` for multi-task samples and ``.npy``
    images.

    Every ``interval``-th validation / test batch (mmseg's semantics:
    nothing unless ``draw``; ``show`` displays instead of storing), each
    sample is drawn as one panel - the input and, per task the model
    predicts, ground truth beside prediction, rows = tasks - by
    :class:`~mmhad.visualization.MultiTaskVisualizer` (any other current
    visualizer gets the same panel through its ``add_image``) and sent to
    the configured ``vis_backends`` as ``{mode}_{image stem}`` (``test_7``
    for ``.../7.npy``). Tasks with ground truth but no prediction (not
    learned yet) are not drawn; predictions without ground truth are drawn
    alone. ``.npy`` images are read by :func:`load_rgb_image`. Only the
    main process draws.

    Args:
        test_out_dir (str, optional): In testing, also write each panel to
            ``{work_dir}/{timestamp}/{test_out_dir}/{name}.png`` (as
            mmdet's hook), instead of sending it to the backends.
        **kwargs: Arguments of :class:`SegVisualizationHook` (``draw``,
            ``interval``, ``show``, ``wait_time``, ``backend_args``).
    """

    def __init__(self, test_out_dir: Optional[str] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.test_out_dir = test_out_dir

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch: dict,
                    outputs: Sequence[SegDataSample],
                    mode: str = 'val') -> None:
        """Draw every ``interval``-th batch of validation or testing."""
        if self.draw is False or mode == 'train' or not is_main_process():
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for output in outputs:
            img_path = output.img_path
            img = load_rgb_image(img_path, self.backend_args)
            name = f'{mode}_{osp.splitext(osp.basename(img_path))[0]}'
            out_file = None
            if self.test_out_dir and mode == 'test':
                out_file = osp.join(runner.work_dir, runner.timestamp,
                                    self.test_out_dir, f'{name}.png')
            self.draw_sample(name, img, output, runner.iter, out_file)

    def draw_sample(self, name: str, img: np.ndarray,
                    output: SegDataSample, step: int,
                    out_file: Optional[str] = None) -> None:
        """Draw one sample with the current visualizer."""
        visualizer = self._visualizer
        if isinstance(visualizer, MultiTaskVisualizer):
            visualizer.add_datasample(
                name, img, data_sample=output, show=self.show,
                wait_time=self.wait_time, out_file=out_file, step=step)
            return
        meta = getattr(visualizer, 'dataset_meta', None) or {}
        publish(visualizer, name, draw_panel(img, output, meta.get('palette')),
                self.show, self.wait_time, out_file, step)
