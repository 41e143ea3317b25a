"""MultiTaskVisualizer draws every task through its definition's ``draw``."""
import os
import os.path as osp
import uuid

import mmcv
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from mmhad.tasks import (IGNORE_INDEX, RegressionTask, register_task,
                         unregister_task)
from mmhad.visualization import (BLACK, NEUTRAL, MultiTaskVisualizer,
                                 draw_panel, get_style)

H, W = 8, 12
LEGEND = 4  # max(4, W // 8)
PALETTE = [[0, 0, 0], [255, 0, 0], [0, 255, 0]]


class ToyVisFlowTask(RegressionTask):
    """A 2-channel flow-like task known only to this file."""

    name = 'toy_vis_flow'
    kind = 'multi'
    channels = 2
    value_range = (-2.0, 2.0)
    draw = dict(style='rgb')


@pytest.fixture(autouse=True, scope='module')
def toy_task():
    """Register the task type for this module's tests only."""
    register_task(force=True)(ToyVisFlowTask)
    yield
    unregister_task(ToyVisFlowTask.name)


def make_sample(**fields) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_path='x/7.npy',
                                         ori_shape=(H, W)))
    sample.set_data({k: PixelData(data=v) for k, v in fields.items()})
    return sample


def fields(depth_pred: torch.Tensor) -> dict:
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (1, H, W), generator=gen)
    labels[0, 0, 0] = IGNORE_INDEX
    depth = torch.rand(1, H, W, generator=gen) + 0.5
    depth[0, 0, 1] = 0  # invalid
    flow = torch.rand(2, H, W, generator=gen) * 4 - 2
    return dict(gt_sem_seg=labels, pred_sem_seg=labels.clamp(max=2),
                gt_depth_map=depth, pred_depth_map=depth_pred,
                gt_toy_vis_flow_map=flow, pred_toy_vis_flow_map=flow)


def cell(panel: np.ndarray, row: int, col: int) -> np.ndarray:
    return panel[row * H:(row + 1) * H, col * W:(col + 1) * W]


@pytest.fixture
def image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (H, W, 3), np.uint8)


def test_visualizer_saves_one_panel_with_a_row_per_task(image, tmp_path):
    visualizer = VISUALIZERS.build(
        dict(type='MultiTaskVisualizer', name=f'vis_{uuid.uuid4().hex}',
             vis_backends=[dict(type='LocalVisBackend')],
             save_dir=str(tmp_path)))
    assert isinstance(visualizer, MultiTaskVisualizer)
    visualizer.dataset_meta = dict(classes=('a', 'b', 'c'), palette=PALETTE)
    depth_pred = torch.rand(1, H, W) + 0.5
    visualizer.add_datasample('test_7', image, make_sample(
        **fields(depth_pred)), step=3)
    img_dir = osp.join(str(tmp_path), 'vis_data', 'vis_image')
    assert os.listdir(img_dir) == ['test_7_3.png']
    saved = mmcv.imread(osp.join(img_dir, 'test_7_3.png'),
                        channel_order='rgb')
    # rows: depth, semantic, toy_vis_flow; input | GT | pred | colour bar
    assert saved.shape == (3 * H, 3 * W + LEGEND, 3)
    for row in range(3):
        np.testing.assert_array_equal(cell(saved, row, 0), image)
    # palette: ignored GT black, class 1 red
    gt_sem = cell(saved, 1, 1)
    assert gt_sem[0, 0].tolist() == list(BLACK)
    labels = fields(depth_pred)['gt_sem_seg'][0].numpy()
    assert (gt_sem[labels == 1] == [255, 0, 0]).all()
    # invalid depth neutral; the custom task's rgb cells equal (gt == pred)
    assert cell(saved, 0, 1)[0, 1].tolist() == list(NEUTRAL)
    np.testing.assert_array_equal(cell(saved, 2, 1), cell(saved, 2, 2))
    flow = fields(depth_pred)['gt_toy_vis_flow_map']
    expected = ((flow + 2) / 4 * 255).round().permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(cell(saved, 2, 2)[..., :2], expected)
    assert (cell(saved, 2, 2)[..., 2] == 0).all()
    # only the depth row has a colour bar
    assert (saved[H:, 3 * W:] == 255).all()
    assert not (saved[:H, 3 * W:] == 255).all()


def test_panels_differ_exactly_where_predictions_differ(image):
    depth_pred = torch.rand(1, H, W) + 0.5
    changed = depth_pred.clone()
    changed[0, 2:4, 5:9] += 1.0
    a = draw_panel(image, make_sample(**fields(depth_pred)), PALETTE)
    b = draw_panel(image, make_sample(**fields(changed)), PALETTE)
    assert a.shape == b.shape == (3 * H, 3 * W + LEGEND, 3)
    differs = (a != b).any(axis=2)
    expected = np.zeros(differs.shape, bool)
    region = np.zeros((H, W), bool)
    region[2:4, 5:9] = True
    # depth (row 0) prediction cell; the shared GT scale keeps the rest
    expected[0:H, 2 * W:3 * W] = region & (
        (depth_pred != changed)[0].numpy())
    # values above the GT maximum all saturate: compare where drawn apart
    assert not differs[~expected].any()
    assert differs[expected].any()


def test_shared_scale_and_prediction_only_rows(image):
    depth = torch.linspace(1, 3, H * W).reshape(1, H, W)
    # identical GT and prediction: identical colours (one shared scale)
    panel = draw_panel(image, make_sample(gt_depth_map=depth,
                                          pred_depth_map=depth))
    np.testing.assert_array_equal(cell(panel, 0, 1), cell(panel, 0, 2))
    # a prediction without ground truth: input | prediction (+ colour bar)
    alone = draw_panel(image, make_sample(pred_depth_map=depth))
    assert alone.shape == (H, 2 * W + LEGEND, 3)
    np.testing.assert_array_equal(cell(alone, 0, 1), cell(panel, 0, 2))
    # mixed: the task without GT gets an empty GT cell
    mixed = draw_panel(image, make_sample(
        pred_depth_map=depth, gt_sem_seg=torch.zeros(1, H, W).long(),
        pred_sem_seg=torch.ones(1, H, W).long()), PALETTE)
    assert mixed.shape == (2 * H, 3 * W + LEGEND, 3)
    assert (cell(mixed, 0, 1) == 255).all()
    # ground truth without a prediction (not learned) is not drawn
    assert draw_panel(image, make_sample(gt_depth_map=depth)) is None


def test_colormap_scale_rules():
    style = get_style('colormap')
    gt = np.array([[[0.0, 1.0, 3.0]]], np.float32)
    invalid = np.array([[True, False, False]])
    pred = np.array([[[5.0, 6.0, 7.0]]], np.float32)
    task = ToyVisFlowTask()
    shared = dict(style='colormap', shared_scale=True)
    assert style.scale(shared, task, gt, invalid, pred, 'pred') == (1, 3)
    own = dict(style='colormap')
    assert style.scale(own, task, gt, invalid, pred, 'pred') == (5, 7)
    assert style.scale(own, task, gt, invalid, pred, 'gt') == (1, 3)
    fixed = dict(style='colormap', value_range=(0, 1), shared_scale=True)
    assert style.scale(fixed, task, gt, invalid, pred, 'gt') == (0, 1)
    with pytest.raises(KeyError, match='unknown draw style'):
        get_style('sparkles')


def test_small_cells_are_enlarged_by_an_integer_factor():
    image = np.random.default_rng(0).integers(0, 255, (H, W, 3), np.uint8)
    sample = SegDataSample()
    sample.pred_depth_map = PixelData(data=torch.rand(1, H, W) + 0.5)
    native = draw_panel(image, sample, with_labels=False)
    big = draw_panel(image, sample, with_labels=False, min_cell_width=50)
    scale = 5  # ceil(50 / 12)
    assert big.shape == (scale * native.shape[0], scale * native.shape[1], 3)
    # nearest enlargement: every s x s block repeats one native pixel
    np.testing.assert_array_equal(big[::scale, ::scale], native)
    assert draw_panel(image, sample, min_cell_width=W).shape == \
        draw_panel(image, sample).shape
