"""Loading, geometric and packing transforms of mmhad.datasets."""
import mmhad  # noqa: F401  (compat shim + registration, before mmseg)
import numpy as np
import pytest
import torch
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

H, W = 8, 12


def build(type_: str, **kwargs):
    return TRANSFORMS.build(dict(type=type_, **kwargs))


def unit_normals(h: int = H, w: int = W, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(h, w, 3))
    return (normal / np.linalg.norm(normal, axis=2, keepdims=True)).astype(
        np.float32)


# --------------------------------------------------------------------------
# LoadMultiTaskImageFromNpy
# --------------------------------------------------------------------------
def test_load_image_scales_to_255(save_npy):
    img = np.random.default_rng(0).uniform(0, 1, (H, W, 3))  # float64
    path = save_npy('img', img)
    results = build('LoadMultiTaskImageFromNpy')(dict(img_path=path))
    assert results['img'].dtype == np.float32
    assert results['img'].shape == (H, W, 3)
    np.testing.assert_allclose(results['img'], img * 255, rtol=1e-6)
    assert results['img_shape'] == (H, W)
    assert results['ori_shape'] == (H, W)


@pytest.mark.parametrize('array, match', [
    (np.zeros((H, W), np.float32), r'H x W x 3.*\(8, 12\)'),
    (np.zeros((H, W, 4), np.float32), r'H x W x 3'),
    (np.full((H, W, 3), np.nan, np.float32), 'non-finite'),
    (np.full((H, W, 3), 200.0, np.float32), r'\[0, 1\].*200'),
    (np.full((H, W, 3), -0.5, np.float32), r'\[0, 1\]'),
])
def test_load_image_rejects(save_npy, array, match):
    path = save_npy('bad_img', array)
    with pytest.raises(ValueError, match=match) as err:
        build('LoadMultiTaskImageFromNpy')(dict(img_path=path))
    assert path in str(err.value)


# --------------------------------------------------------------------------
# LoadMultiTaskAnnotations
# --------------------------------------------------------------------------
def ann_results(save_npy, label=None, depth=None, normal=None, **extra):
    results = dict(img_shape=(H, W), seg_fields=[], **extra)
    for key, name, array in (('seg_map_path', 'label',
                              label), ('depth_map_path', 'depth', depth),
                             ('normal_map_path', 'normal', normal)):
        if array is not None:
            results[key] = save_npy(name, array)
    return results


def test_load_annotations_converts(save_npy):
    label = np.arange(H * W, dtype=np.float32).reshape(H, W) % 13
    label[0, 0] = -1
    depth = np.linspace(0, 5, H * W, dtype=np.float32).reshape(H, W, 1)
    normal = unit_normals()
    normal[2, 3] = 0
    results = build('LoadMultiTaskAnnotations')(
        ann_results(save_npy, label, depth, normal, num_classes=13))

    seg = results['gt_seg_map']
    assert seg.dtype == np.uint8 and seg.shape == (H, W)
    assert seg[0, 0] == 255
    np.testing.assert_array_equal(seg.ravel()[1:], label.ravel()[1:])
    assert results['gt_depth_map'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_depth_map'], depth[..., 0])
    assert results['gt_normal_map'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_normal_map'], normal)
    assert results['seg_fields'] == [
        'gt_seg_map', 'gt_depth_map', 'gt_normal_map'
    ]


def test_load_annotations_accepts_hw1_label_and_int(save_npy):
    label = np.full((H, W, 1), 6, np.int32)
    label[1, 1] = -1
    results = build(
        'LoadMultiTaskAnnotations', num_classes=7)(
            ann_results(save_npy, label=label))
    assert results['gt_seg_map'].shape == (H, W)
    assert results['gt_seg_map'][1, 1] == 255
    assert results['gt_seg_map'][0, 0] == 6


def test_load_annotations_only_requested_and_present(save_npy):
    depth = np.ones((H, W, 1), np.float32)
    results = ann_results(
        save_npy, label=np.zeros((H, W), np.float32), depth=depth)
    results = build('LoadMultiTaskAnnotations', with_seg=False)(results)
    assert 'gt_seg_map' not in results  # present but not requested
    assert 'gt_normal_map' not in results  # requested but not listed
    assert results['seg_fields'] == ['gt_depth_map']


@pytest.mark.parametrize('label_value, num_classes, offending', [
    (13.0, 13, '[13.0]'),
    (2.5, 13, '[2.5]'),
    (-2.0, 13, '[-2.0]'),
    (7.0, 7, '[7.0]'),
])
def test_label_out_of_range(save_npy, label_value, num_classes, offending):
    label = np.zeros((H, W), np.float32)
    label[3, 4] = label_value
    results = ann_results(save_npy, label=label, num_classes=num_classes)
    with pytest.raises(ValueError) as err:
        build('LoadMultiTaskAnnotations')(results)
    msg = str(err.value)
    assert results['seg_map_path'] in msg
    assert f'[-1, {num_classes - 1}]' in msg
    assert f'offending values: {offending}' in msg


def test_label_num_classes_argument_wins(save_npy):
    label = np.full((H, W), 12, np.float32)
    results = ann_results(save_npy, label=label, num_classes=13)
    with pytest.raises(ValueError, match=r'\[-1, 6\]'):
        build('LoadMultiTaskAnnotations', num_classes=7)(results)


def test_label_map_applied_after_validation(save_npy):
    label = np.array([[0, 1, 2, -1]], np.float32).repeat(H, 0)
    label = np.tile(label, (1, W // 4))
    results = ann_results(
        save_npy, label=label, label_map={
            0: 255,
            1: 0,
            2: 1
        })
    results = build('LoadMultiTaskAnnotations')(results)
    np.testing.assert_array_equal(results['gt_seg_map'][0, :4],
                                  [255, 0, 1, 255])


@pytest.mark.parametrize('kwargs, match', [
    (dict(depth=np.full((H, W, 1), -1, np.float32)), 'negative'),
    (dict(depth=np.full((H, W, 1), np.inf, np.float32)), 'non-finite'),
    (dict(depth=np.ones((H, W, 2), np.float32)), r'H x W x 1.*\(8, 12, 2\)'),
    (dict(depth=np.ones((H, W + 1, 1), np.float32)), r'8x13.*image is 8x12'),
    (dict(label=np.full((H, W), np.nan, np.float32)), 'non-finite'),
    (dict(label=np.zeros((H - 1, W), np.float32)), r'7x12.*image is 8x12'),
    (dict(normal=np.full((H, W, 3), 0.5, np.float32)), r'unit length'),
    (dict(normal=np.ones((H, W), np.float32)), r'H x W x 3'),
    (dict(normal=np.full((H, W, 3), np.nan, np.float32)), 'non-finite'),
])
def test_annotations_reject(save_npy, kwargs, match):
    results = ann_results(save_npy, num_classes=13, **kwargs)
    path = next(v for k, v in results.items() if k.endswith('_path'))
    with pytest.raises(ValueError, match=match) as err:
        build('LoadMultiTaskAnnotations')(results)
    assert path in str(err.value)


def test_normal_tolerance(save_npy):
    normal = unit_normals() * 1.05  # within 0.1 of unit length
    results = build('LoadMultiTaskAnnotations')(
        ann_results(save_npy, normal=normal))
    assert results['gt_normal_map'].shape == (H, W, 3)
    with pytest.raises(ValueError, match='unit length'):
        build(
            'LoadMultiTaskAnnotations', normal_tol=0.01)(
                ann_results(save_npy, normal=normal))


# --------------------------------------------------------------------------
# RandomFlipMultiTask
# --------------------------------------------------------------------------
def flip_results():
    rng = np.random.default_rng(3)
    img = rng.uniform(0, 255, (H, W, 3)).astype(np.float32)
    seg = rng.integers(0, 13, (H, W)).astype(np.uint8)
    depth = rng.uniform(1, 5, (H, W)).astype(np.float32)
    normal = unit_normals(seed=4)
    normal[0, 0] = 0  # invalid
    return dict(
        img=img,
        gt_seg_map=seg,
        gt_depth_map=depth,
        gt_normal_map=normal,
        img_shape=(H, W),
        seg_fields=['gt_seg_map', 'gt_depth_map', 'gt_normal_map'])


def test_horizontal_flip_mirrors_all_and_negates_normal_x():
    src = flip_results()
    out = build(
        'RandomFlipMultiTask', prob=1.0)({
            k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in src.items()
        })
    assert out['flip'] is True and out['flip_direction'] == 'horizontal'
    for y, x in [(0, 0), (2, 5), (7, 11)]:
        mx = W - 1 - x
        np.testing.assert_array_equal(out['img'][y, mx], src['img'][y, x])
        assert out['gt_seg_map'][y, mx] == src['gt_seg_map'][y, x]
        assert out['gt_depth_map'][y, mx] == src['gt_depth_map'][y, x]
        nx, ny, nz = src['gt_normal_map'][y, x]
        np.testing.assert_array_equal(out['gt_normal_map'][y, mx],
                                      [-nx, ny, nz])
    np.testing.assert_array_equal(out['gt_normal_map'][..., 0],
                                  -src['gt_normal_map'][:, ::-1, 0])
    # the invalid normal stays an all-zero vector (no -0.0)
    assert not np.signbit(out['gt_normal_map'][0, W - 1]).any()
    assert out['gt_seg_map'].dtype == np.uint8


def test_vertical_flip_negates_normal_y():
    src = flip_results()
    out = build(
        'RandomFlipMultiTask', prob=1.0, direction='vertical')({
            k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in src.items()
        })
    expected = src['gt_normal_map'][::-1].copy()
    expected[..., 1] *= -1
    np.testing.assert_array_equal(out['gt_normal_map'], expected)
    np.testing.assert_array_equal(out['gt_depth_map'],
                                  src['gt_depth_map'][::-1])


def test_no_flip_keeps_everything():
    src = flip_results()
    out = build(
        'RandomFlipMultiTask', prob=0.0)({
            k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in src.items()
        })
    assert out['flip'] is False
    for key in ('img', 'gt_seg_map', 'gt_depth_map', 'gt_normal_map'):
        np.testing.assert_array_equal(out[key], src[key])


# --------------------------------------------------------------------------
# RandomScaleCropMultiTask
# --------------------------------------------------------------------------
def position_results(depth_value=None):
    """Maps whose values encode their pixel position."""
    rows, cols = np.mgrid[0:H, 0:W]
    img = np.stack([cols, rows, np.zeros_like(rows)], -1).astype(np.float32)
    position = (rows * W + cols).astype(np.float32)
    depth = position + 1 if depth_value is None else np.full(
        (H, W), depth_value, np.float32)
    normal = np.stack([np.ones_like(position), position, -position],
                      -1).astype(np.float32)
    return dict(
        img=img,
        gt_seg_map=(rows * W + cols).astype(np.uint8),
        gt_depth_map=depth.astype(np.float32),
        gt_normal_map=normal,
        img_shape=(H, W),
        seg_fields=['gt_seg_map', 'gt_depth_map', 'gt_normal_map'])


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_scale_crop_pixel_correspondence(seed):
    np.random.seed(seed)
    src = position_results()
    out = build('RandomScaleCropMultiTask', scales=(2.0, ))(src)
    # the window is 4x6; its top-left corner is read off the output
    top, left = divmod(int(out['gt_seg_map'][0, 0]), W)
    assert 0 <= top <= H - 4 and 0 <= left <= W - 6
    assert out['img_shape'] == (H, W)
    for key in ('img', 'gt_seg_map', 'gt_depth_map', 'gt_normal_map'):
        assert out[key].shape[:2] == (H, W)
    ys, xs = np.mgrid[0:H, 0:W]
    src_pos = (top + ys // 2) * W + (left + xs // 2)  # nearest, 2x zoom
    np.testing.assert_array_equal(out['gt_seg_map'], src_pos)
    np.testing.assert_array_equal(out['gt_depth_map'], (src_pos + 1) / 2)
    np.testing.assert_array_equal(out['gt_normal_map'][..., 1], src_pos)
    np.testing.assert_array_equal(out['gt_normal_map'][..., 2], -src_pos)
    np.testing.assert_array_equal(out['gt_normal_map'][..., 0], 1)
    # bilinear on the image ramp (half-pixel centres), away from the border
    np.testing.assert_allclose(
        out['img'][1:-1, 1:-1, 0],
        left + (xs[1:-1, 1:-1] + 0.5) / 2 - 0.5,
        atol=1e-4)
    np.testing.assert_allclose(
        out['img'][1:-1, 1:-1, 1],
        top + (ys[1:-1, 1:-1] + 0.5) / 2 - 0.5,
        atol=1e-4)


def test_scale_crop_window_is_random():
    np.random.seed(0)
    transform = build('RandomScaleCropMultiTask', scales=(2.0, ))
    corners = {
        int(transform(position_results())['gt_seg_map'][0, 0])
        for _ in range(30)
    }
    assert len(corners) > 5


def test_scale_crop_divides_metric_depth():
    np.random.seed(0)
    src = position_results(depth_value=4.0)
    src['gt_depth_map'][:, :] = 4.0
    out = build('RandomScaleCropMultiTask', scales=(2.0, ))(src)
    np.testing.assert_array_equal(out['gt_depth_map'], 2.0)
    assert out['gt_depth_map'].dtype == np.float32


def test_scale_crop_keeps_invalid_depth_zero():
    np.random.seed(0)
    src = position_results(depth_value=0.0)
    out = build('RandomScaleCropMultiTask', scales=(1.5, ))(src)
    np.testing.assert_array_equal(out['gt_depth_map'], 0.0)


@pytest.mark.parametrize('param, from_data', [(True, None), (None, True),
                                              (True, True)])
def test_scale_crop_multiplies_inverse_depth(param, from_data):
    np.random.seed(0)
    src = position_results(depth_value=0.2)
    if from_data is not None:
        src['depth_is_inverse'] = from_data
    out = build(
        'RandomScaleCropMultiTask', scales=(2.0, ), depth_is_inverse=param)(
            src)
    np.testing.assert_allclose(out['gt_depth_map'], 0.4, rtol=1e-6)


def test_scale_crop_inverse_flag_contradiction():
    src = position_results(depth_value=1.0)
    src['depth_is_inverse'] = True
    with pytest.raises(ValueError, match='contradicts'):
        build(
            'RandomScaleCropMultiTask', scales=(2.0, ),
            depth_is_inverse=False)(
                src)


def test_scale_one_is_identity():
    src = position_results()
    keys = ('img', 'gt_seg_map', 'gt_depth_map', 'gt_normal_map')
    expected = {k: src[k].copy() for k in keys}
    out = build('RandomScaleCropMultiTask', scales=(1.0, ))(src)
    for key in keys:
        np.testing.assert_array_equal(out[key], expected[key])


def test_scale_crop_rejects_zoom_out():
    with pytest.raises(ValueError, match='>= 1'):
        build('RandomScaleCropMultiTask', scales=(0.5, 1.0))


# --------------------------------------------------------------------------
# PackMultiTaskInputs
# --------------------------------------------------------------------------
def test_pack_contract_shapes_and_dtypes():
    src = flip_results()
    src['tasks'] = ['semantic', 'depth', 'normal']
    packed = build('PackMultiTaskInputs')(src)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, SegDataSample)
    assert inputs.shape == (3, H, W)
    np.testing.assert_array_equal(inputs.numpy(),
                                  src['img'].transpose(2, 0, 1))
    assert sample.gt_sem_seg.data.shape == (1, H, W)
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert sample.gt_depth_map.data.shape == (1, H, W)
    assert sample.gt_depth_map.data.dtype == torch.float32
    assert sample.gt_normal_map.data.shape == (3, H, W)
    assert sample.gt_normal_map.data.dtype == torch.float32
    np.testing.assert_array_equal(sample.gt_normal_map.data[:, 2, 5].numpy(),
                                  src['gt_normal_map'][2, 5])
    np.testing.assert_array_equal(sample.gt_depth_map.data[0].numpy(),
                                  src['gt_depth_map'])
    assert sample.metainfo['tasks'] == ['semantic', 'depth', 'normal']


def test_pack_only_present_and_hw1_depth():
    src = dict(
        img=np.zeros((H, W, 3), np.float32),
        gt_depth_map=np.full((H, W, 1), 3.0, np.float64))
    sample = build('PackMultiTaskInputs')(src)['data_samples']
    assert sample.gt_depth_map.data.shape == (1, H, W)
    assert sample.gt_depth_map.data.dtype == torch.float32
    assert 'gt_sem_seg' not in sample and 'gt_normal_map' not in sample


def test_pack_rejects_bad_normal():
    src = dict(
        img=np.zeros((H, W, 3), np.float32),
        gt_normal_map=np.zeros((H, W), np.float32))
    with pytest.raises(ValueError, match='H x W x 3'):
        build('PackMultiTaskInputs')(src)


# --------------------------------------------------------------------------
# edge, albedo, shading
# --------------------------------------------------------------------------
def intrinsic_results(save_npy, edge=None, albedo=None, shading=None):
    results = dict(img_shape=(H, W), seg_fields=[])
    for key, name, array in (('edge_map_path', 'edge', edge),
                             ('albedo_map_path', 'albedo', albedo),
                             ('shading_map_path', 'shading', shading)):
        if array is not None:
            results[key] = save_npy(name, array)
    return results


def intrinsic_maps(seed=0):
    rng = np.random.default_rng(seed)
    edge = (rng.random((H, W)) < 0.2).astype(np.float32)
    edge[0, :2] = -1
    albedo = rng.uniform(0.05, 1, (H, W, 3)).astype(np.float32)
    albedo[0, :2] = 0
    shading = rng.uniform(0.25, 1.6, (H, W, 1)).astype(np.float32)
    shading[0, :2] = 0
    return edge, albedo, shading


def test_load_edge_albedo_shading(save_npy):
    edge, albedo, shading = intrinsic_maps()
    results = build('LoadMultiTaskAnnotations')(
        intrinsic_results(save_npy, edge, albedo, shading))
    gt_edge = results['gt_edge_map']
    assert gt_edge.dtype == np.uint8 and gt_edge.shape == (H, W)
    assert (gt_edge[0, :2] == 255).all()
    np.testing.assert_array_equal(gt_edge[1:], edge[1:])
    assert results['gt_albedo_map'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_albedo_map'], albedo)
    assert results['gt_shading_map'].dtype == np.float32
    assert results['gt_shading_map'].shape == (H, W)
    np.testing.assert_array_equal(results['gt_shading_map'], shading[..., 0])
    assert results['seg_fields'] == [
        'gt_edge_map', 'gt_albedo_map', 'gt_shading_map'
    ]
    # H x W edge / shading files (no channel axis) load the same way
    again = build('LoadMultiTaskAnnotations')(
        intrinsic_results(save_npy, edge=edge[..., None],
                          shading=shading[..., 0]))
    np.testing.assert_array_equal(again['gt_edge_map'], gt_edge)
    np.testing.assert_array_equal(again['gt_shading_map'], shading[..., 0])


def test_with_flags_skip_new_maps(save_npy):
    edge, albedo, shading = intrinsic_maps()
    results = build(
        'LoadMultiTaskAnnotations', with_edge=False, with_shading=False)(
            intrinsic_results(save_npy, edge, albedo, shading))
    assert results['seg_fields'] == ['gt_albedo_map']
    assert 'gt_edge_map' not in results and 'gt_shading_map' not in results
    assert 'tasks=None' in repr(build('LoadMultiTaskAnnotations'))


@pytest.mark.parametrize('kwargs, match', [
    (dict(edge=np.full((H, W), 2, np.float32)), r'offending values: \[2\.0\]'),
    (dict(edge=np.full((H, W), 0.5, np.float32)), r'1 \(edge\), 0.*-1'),
    (dict(edge=np.full((H, W), np.nan, np.float32)), 'offending.*nan'),
    (dict(edge=np.zeros((H, W, 2), np.float32)), r'H x W.*\(8, 12, 2\)'),
    (dict(edge=np.zeros((H, W + 1), np.float32)), r'8x13.*image is 8x12'),
    (dict(albedo=np.full((H, W, 3), 1.5, np.float32)), r'\[0, 1\].*1\.5'),
    (dict(albedo=np.full((H, W, 3), -0.1, np.float32)), r'\[0, 1\]'),
    (dict(albedo=np.full((H, W, 3), np.inf, np.float32)), 'non-finite'),
    (dict(albedo=np.zeros((H, W), np.float32)), r'H x W x 3.*\(8, 12\)'),
    (dict(shading=np.full((H, W, 1), -1, np.float32)), 'negative'),
    (dict(shading=np.full((H, W, 1), np.nan, np.float32)), 'non-finite'),
    (dict(shading=np.zeros((H, W, 3), np.float32)), r'H x W x 1'),
    (dict(shading=np.zeros((H - 1, W, 1), np.float32)), r'7x12.*8x12'),
])
def test_new_annotations_reject(save_npy, kwargs, match):
    results = intrinsic_results(save_npy, **kwargs)
    path = next(v for k, v in results.items() if k.endswith('_path'))
    with pytest.raises(ValueError, match=match) as err:
        build('LoadMultiTaskAnnotations')(results)
    assert path in str(err.value)


def intrinsic_flip_results():
    edge, albedo, shading = intrinsic_maps(seed=5)
    out = flip_results()
    out['gt_edge_map'] = np.where(edge < 0, 255, edge).astype(np.uint8)
    out['gt_albedo_map'] = albedo
    out['gt_shading_map'] = shading[..., 0]
    out['seg_fields'] = out['seg_fields'] + [
        'gt_edge_map', 'gt_albedo_map', 'gt_shading_map'
    ]
    return out


@pytest.mark.parametrize('direction, axis', [('horizontal', 1),
                                             ('vertical', 0)])
def test_flip_mirrors_new_maps_without_changing_values(direction, axis):
    src = intrinsic_flip_results()
    out = build(
        'RandomFlipMultiTask', prob=1.0, direction=direction)({
            k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in src.items()
        })
    for key in ('gt_edge_map', 'gt_albedo_map', 'gt_shading_map'):
        np.testing.assert_array_equal(out[key], np.flip(src[key], axis))
        assert out[key].dtype == src[key].dtype
    # unlike normals, no albedo channel changes sign
    assert (out['gt_albedo_map'] >= 0).all()


@pytest.mark.parametrize('seed', [0, 1])
def test_scale_crop_moves_new_maps_nearest(seed):
    np.random.seed(seed)
    src = position_results()
    rows, cols = np.mgrid[0:H, 0:W]
    position = (rows * W + cols).astype(np.float32)
    src['gt_edge_map'] = (position % 2).astype(np.uint8)
    src['gt_albedo_map'] = np.stack(
        [position / 100, position / 200, np.full_like(position, .5)], -1)
    src['gt_shading_map'] = position / 50 + 0.25
    src['seg_fields'] += ['gt_edge_map', 'gt_albedo_map', 'gt_shading_map']
    out = build('RandomScaleCropMultiTask', scales=(2.0, ))(src)
    top, left = divmod(int(out['gt_seg_map'][0, 0]), W)
    ys, xs = np.mgrid[0:H, 0:W]
    src_pos = ((top + ys // 2) * W + (left + xs // 2)).astype(np.float32)
    np.testing.assert_array_equal(out['gt_edge_map'], src_pos % 2)
    assert out['gt_edge_map'].dtype == np.uint8
    np.testing.assert_array_equal(out['gt_albedo_map'][..., 0], src_pos / 100)
    np.testing.assert_array_equal(out['gt_albedo_map'][..., 2], .5)
    # not divided by the zoom factor, unlike depth
    np.testing.assert_array_equal(out['gt_shading_map'], src_pos / 50 + .25)


def test_pack_new_maps_shapes_and_dtypes():
    src = intrinsic_flip_results()
    src['gt_shading_map'] = src['gt_shading_map'][..., None]  # H x W x 1 ok
    sample = build('PackMultiTaskInputs')(src)['data_samples']
    assert sample.gt_edge_map.data.shape == (1, H, W)
    assert sample.gt_edge_map.data.dtype == torch.int64
    np.testing.assert_array_equal(sample.gt_edge_map.data[0].numpy(),
                                  src['gt_edge_map'])
    assert sample.gt_albedo_map.data.shape == (3, H, W)
    assert sample.gt_albedo_map.data.dtype == torch.float32
    np.testing.assert_array_equal(sample.gt_albedo_map.data[:, 2, 5].numpy(),
                                  src['gt_albedo_map'][2, 5])
    assert sample.gt_shading_map.data.shape == (1, H, W)
    assert sample.gt_shading_map.data.dtype == torch.float32
    for key in ('edge_map_path', 'albedo_map_path', 'shading_map_path'):
        assert key in build('PackMultiTaskInputs').meta_keys


@pytest.mark.parametrize('key, array, match', [
    ('gt_albedo_map', np.zeros((H, W), np.float32), 'must be H x W x 3'),
    ('gt_shading_map', np.zeros((H, W, 3), np.float32), 'must be H x W,'),
    ('gt_edge_map', np.zeros((H, W, 2), np.uint8), 'must be H x W,'),
])
def test_pack_rejects_bad_new_maps(key, array, match):
    src = {'img': np.zeros((H, W, 3), np.float32), key: array}
    with pytest.raises(ValueError, match=f'^{key} {match}'):
        build('PackMultiTaskInputs')(src)
