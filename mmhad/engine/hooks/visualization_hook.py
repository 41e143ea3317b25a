"""Draw multi-task test/val predictions (``tools/test.py --show-dir``)."""
import io
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import mmcv
import mmengine.fileio as fileio
import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.structures import PixelData
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

#: (prediction, ground truth) fields that mmseg's ``SegLocalVisualizer``
#: draws: class maps over the image, depth maps as a heat map below it.
SEG_LOCAL_FIELDS: Tuple[Tuple[str, str], ...] = (
    ('pred_sem_seg', 'gt_sem_seg'), ('pred_depth_map', 'gt_depth_map'))
NORMAL_FIELDS: Tuple[str, str] = ('pred_normal_map', 'gt_normal_map')


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


def normal_to_rgb(normal: torch.Tensor) -> np.ndarray:
    """Colour a 3 x H x W normal map: ``(n + 1) / 2`` as RGB, zero = black.

    Args:
        normal (Tensor): Normal vectors (camera frame), 3 x H x W.

    Returns:
        np.ndarray: H x W x 3 uint8 image.
    """
    normal = torch.as_tensor(normal).detach().float().cpu()
    normal = torch.nan_to_num(normal)
    valid = (normal != 0).any(0, keepdim=True)
    rgb = ((normal.clamp(-1, 1) + 1) * 127.5).round() * valid
    return rgb.to(torch.uint8).permute(1, 2, 0).numpy()


@HOOKS.register_module()
class MultiTaskVisualizationHook(SegVisualizationHook):
    """:class:`SegVisualizationHook` for multi-task samples and ``.npy``
    images.

    mmseg's hook decodes ``img_path`` with ``mmcv.imfrombytes``, which cannot
    read the MTAN ``.npy`` images, and hands the whole sample to
    ``SegLocalVisualizer.add_datasample``, which stacks a depth heat map
    below the class map and then joins ground truth and prediction side by
    side - a crash when a task has ground truth but no prediction (a model
    that has not learned it yet). This hook

    - loads ``.npy`` images (:func:`load_rgb_image`);
    - passes the visualizer only the predicted tasks it can draw
      (``pred_sem_seg``, ``pred_depth_map``), with their ground truth when
      every one of them has it, and saves the result as
      ``{mode}_{image stem}`` (``test_7`` for ``.../7.npy``);
    - saves surface normals, which mmseg does not draw, as a separate image
      ``{mode}_{image stem}_normal``: input | ground truth | prediction,
      coloured ``(n + 1) / 2`` (:func:`normal_to_rgb`).

    Only the main process draws (as mmseg's visualizer does). Arguments are
    those of :class:`SegVisualizationHook`.
    """

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
            sample, draw_gt = self.seg_local_sample(output)
            if sample is not None:
                self._visualizer.add_datasample(
                    name,
                    img,
                    data_sample=sample,
                    draw_gt=draw_gt,
                    show=self.show,
                    wait_time=self.wait_time,
                    step=runner.iter)
            normals = self.draw_normals(img, output)
            if normals is not None:
                if self.show:
                    self._visualizer.show(
                        normals,
                        win_name=f'{name}_normal',
                        wait_time=self.wait_time)
                else:
                    self._visualizer.add_image(f'{name}_normal', normals,
                                               runner.iter)

    @staticmethod
    def seg_local_sample(
            output: SegDataSample) -> Tuple[Optional[SegDataSample], bool]:
        """The part of ``output`` that ``SegLocalVisualizer`` can draw.

        Args:
            output (SegDataSample): A model output with ground truth.

        Returns:
            tuple: A sample with the predicted class / depth maps (None if
            there is neither) and whether their ground truth is included
            (only when every predicted one has it, so that the ground-truth
            and prediction panels have the same height).
        """
        pairs = [(p, g) for p, g in SEG_LOCAL_FIELDS if p in output]
        if not pairs:
            return None, False
        draw_gt = all(g in output for _, g in pairs)
        sample = SegDataSample(metainfo=output.metainfo)
        for pred_key, gt_key in pairs:
            sample.set_data({pred_key: output.get(pred_key)})
            if draw_gt:
                sample.set_data({gt_key: output.get(gt_key)})
        return sample, draw_gt

    @staticmethod
    def draw_normals(img: np.ndarray,
                     output: SegDataSample) -> Optional[np.ndarray]:
        """Input | ground-truth normals | predicted normals, side by side.

        Args:
            img (np.ndarray): The input image, H x W x 3 uint8.
            output (SegDataSample): A model output with ground truth.

        Returns:
            np.ndarray, optional: The drawn image, or None if the sample has
            no normal prediction.
        """
        pred_key, gt_key = NORMAL_FIELDS
        if pred_key not in output:
            return None
        panels: List[np.ndarray] = [img]
        for key in (gt_key, pred_key):
            field = output.get(key)
            if isinstance(field, PixelData):
                panel = normal_to_rgb(field.data)
                if panel.shape[:2] != img.shape[:2]:
                    panel = mmcv.imresize(panel,
                                          (img.shape[1], img.shape[0]))
                panels.append(panel)
        return np.concatenate(panels, axis=1)
