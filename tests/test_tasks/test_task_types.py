"""The task-type definitions: derived keys, loading rules, geometry, packing."""
import numpy as np
import pytest
import torch

from mmhad.tasks import (IGNORE_INDEX, LOWER, HIGHER, Measure,
                         RegressionTask, get_task, register_task,
                         task_names, unregister_task)


def _save(tmp_path, name, array):
    path = tmp_path / f'{name}.npy'
    np.save(path, array)
    return str(path)


def test_builtin_tasks_and_their_keys():
    assert task_names() == ['albedo', 'depth', 'edge', 'normal', 'semantic',
                            'shading']
    sem = get_task('semantic')
    assert (sem.folder, sem.path_key, sem.results_key, sem.gt_field,
            sem.pred_field, sem.logits_field) == (
                'label', 'seg_map_path', 'gt_seg_map', 'gt_sem_seg',
                'pred_sem_seg', 'seg_logits')
    depth = get_task('depth')
    assert (depth.folder, depth.path_key, depth.results_key, depth.gt_field,
            depth.pred_field, depth.logits_field) == (
                'depth', 'depth_map_path', 'gt_depth_map', 'gt_depth_map',
                'pred_depth_map', None)
    assert get_task('edge').logits_field == 'edge_logits'
    assert [get_task(t).pad_value for t in task_names()] == [
        0, 0, IGNORE_INDEX, 0, IGNORE_INDEX, 0]
    assert get_task('depth') is get_task('depth')  # one shared instance


def test_unknown_task_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown task 'flow'.*'depth'"):
        get_task('flow')


def test_metric_directions_with_patterns_and_regions():
    normal = get_task('normal')
    assert normal.direction('mean_angle') == LOWER
    assert normal.direction('within_11.25') == HIGHER
    assert normal.direction('mean_angle@edge') == LOWER
    assert get_task('semantic').direction('mIoU@rare') == HIGHER
    with pytest.raises(KeyError, match='no metric'):
        get_task('depth').direction('F1')


def test_semantic_load_maps_ignore_and_checks_range(tmp_path):
    sem = get_task('semantic')
    label = np.array([[-1, 0], [2, 1]], dtype=np.int64)
    out = sem.load(_save(tmp_path, 'l', label), results=dict(num_classes=3))
    assert out.dtype == np.uint8
    assert out.tolist() == [[255, 0], [2, 1]]
    path = _save(tmp_path, 'bad', np.array([[0, 3]]))
    with pytest.raises(ValueError, match=r'bad.npy.*\[-1, 2\].*\[3\]'):
        sem.load(path, num_classes=3)
    remapped = sem.load(_save(tmp_path, 'm', label),
                        results=dict(num_classes=3, label_map={2: 0, 1: 255}))
    assert remapped.tolist() == [[255, 0], [0, 255]]


def test_regression_rules_name_the_file(tmp_path):
    depth = np.ones((2, 3), np.float32)
    depth[0, 0] = -1
    with pytest.raises(ValueError, match=r'depth .*d.npy has negative'):
        get_task('depth').load(_save(tmp_path, 'd', depth))
    nan = np.ones((2, 3, 3), np.float32) / np.sqrt(3)
    nan[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r'n.npy has 1 non-finite'):
        get_task('normal').load(_save(tmp_path, 'n', nan))
    long = np.zeros((2, 3, 3), np.float32)
    long[0, 0] = (2, 0, 0)
    with pytest.raises(ValueError, match=r'1 vectors .* \[2, 2\]'):
        get_task('normal').load(_save(tmp_path, 'n2', long))
    with pytest.raises(ValueError, match=r'a.npy must hold values in \[0, 1\]'):
        get_task('albedo').load(_save(tmp_path, 'a',
                                      np.full((2, 3, 3), 1.5, np.float32)))
    with pytest.raises(ValueError, match=r'image is 4x4'):
        get_task('depth').load(_save(tmp_path, 'd2', np.ones((2, 3))),
                               hw=(4, 4))
    (tmp_path / 'junk.npy').write_bytes(b'not an array')
    with pytest.raises(ValueError, match=r'junk.npy is not a readable .npy'):
        get_task('depth').load(str(tmp_path / 'junk.npy'))


def test_flip_negates_only_the_mirrored_axes():
    normal = get_task('normal')
    hwc = np.array([[[0.5, -0.75, 0.0], [0.0, 0.0, 0.0]]], np.float32)
    assert normal.flip(hwc, 'horizontal').tolist() == [[[-0.5, -0.75, 0.0],
                                                        [0.0, 0.0, 0.0]]]
    assert normal.flip(hwc, 'diagonal')[0, 0].tolist() == [-0.5, 0.75, 0.0]
    assert not np.signbit(normal.flip(hwc, 'horizontal')[0, 1]).any()
    chw = torch.tensor(hwc).permute(2, 0, 1)  # (3, 1, 2)
    undone = normal.flip_prediction(chw, 'horizontal')
    # pixel 0 moves to column 1 and its x changes sign
    assert undone[:, 0, 1].tolist() == [-0.5, -0.75, 0.0]
    depth = np.arange(4, dtype=np.float32).reshape(2, 2)
    assert get_task('depth').flip(depth, 'horizontal') is depth


def test_depth_zoom_divides_metres_and_multiplies_disparity():
    depth = np.array([[0.0, 3.0]], np.float32)
    task = get_task('depth')
    assert task.zoom(depth, 1.5, {}).tolist() == [[0.0, 2.0]]
    assert task.zoom(depth, 1.5, dict(depth_is_inverse=True)).tolist() == [
        [0.0, 4.5]]
    assert get_task('normal').zoom(depth, 1.5, {}) is depth


def test_pack_and_dump_shapes():
    depth = get_task('depth')
    packed = depth.pack(np.ones((4, 5), np.float32))
    assert packed.shape == (1, 4, 5) and packed.dtype == np.float32
    with pytest.raises(ValueError, match=r'gt_normal_map must be H x W x 3'):
        get_task('normal').pack(np.ones((4, 5, 2), np.float32))
    edge = get_task('edge').pack(np.ones((4, 5), np.uint8))
    assert edge.dtype == np.int64 and edge.shape == (1, 4, 5)
    pred = torch.arange(6, dtype=torch.float32).reshape(3, 1, 2)
    assert get_task('albedo').to_numpy(pred).shape == (1, 2, 3)
    assert get_task('semantic').to_numpy(
        torch.tensor([[[1, 2]]])).dtype == np.uint8


def test_invalid_masks():
    gt = torch.tensor([[[0.0, 1.0]], [[0.0, 0.0]], [[0.0, 0.0]]])
    assert get_task('normal').invalid_mask(gt).tolist() == [[True, False]]
    labels = torch.tensor([[[255, 1]]])
    assert get_task('edge').invalid_mask(labels).tolist() == [[True, False]]


def test_a_new_task_type_gets_derived_keys_and_registers():
    @register_task(force=True)
    class FlowTask(RegressionTask):
        name = 'toy_flow'
        kind = 'multi'
        channels = 2
        flip_negate = dict(horizontal=(0, ), vertical=(1, ))
        metrics = dict(epe=Measure(LOWER, 'px'))

    try:
        task = get_task('toy_flow')
        assert (task.folder, task.path_key, task.results_key, task.gt_field,
                task.pred_field) == ('toy_flow', 'toy_flow_map_path',
                                     'gt_toy_flow_map', 'gt_toy_flow_map',
                                     'pred_toy_flow_map')
        assert 'toy_flow' in task_names()
        flow = np.array([[[1.0, 2.0]]], np.float32)
        assert task.flip(flow, 'vertical').tolist() == [[[1.0, -2.0]]]
        with pytest.raises(KeyError):
            register_task(FlowTask)  # the name is taken without force
    finally:
        unregister_task('toy_flow')
    assert 'toy_flow' not in task_names()


def test_a_task_kind_outside_the_list_is_refused():
    with pytest.raises(ValueError, match='kind must be one of'):
        type('Bad', (RegressionTask, ), dict(name='bad', kind='tensor'))
