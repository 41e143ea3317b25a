"""Tests of the procedural synthetic scenes (geometry, layout, CLI)."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmhad.datasets.synthetic_scenes import (BOX, CEILING, CLASS_PROFILES,
                                             CYLINDER, EDGE_REL_JUMP, FLOOR,
                                             FOLDERS, GENERATOR_VERSION,
                                             SPHERE, SYNTHETIC_CLASSES,
                                             SYNTHETIC_PALETTE, TASK_FOLDERS,
                                             WALL, generate_dataset,
                                             occlusion_edges, render_scene,
                                             scene_rng)

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / 'tools' / 'dataset_converters' / 'make_synthetic_scenes.py'
H, W = 48, 64
SEEDS = range(8)
NUM_CLASSES = len(SYNTHETIC_CLASSES)
NUM_FOLDERS = 7  # image + six tasks


@pytest.fixture(scope='module')
def scenes():
    return [render_scene(seed, H, W) for seed in SEEDS]


def camera_rays(intrinsics):
    """Camera-frame ray K^-1 (u, v, 1) of every pixel, (H, W, 3)."""
    v, u = np.mgrid[0:H, 0:W].astype(np.float64)
    pix = np.stack([u, v, np.ones_like(u)], axis=-1)
    return pix @ np.linalg.inv(intrinsics).T


def test_render_shapes_dtypes_and_ranges(scenes):
    for s in scenes:
        assert s['image'].shape == (H, W, 3)
        assert s['label'].shape == (H, W)
        assert s['depth'].shape == (H, W, 1)
        assert s['normal'].shape == (H, W, 3)
        assert s['edge'].shape == (H, W)
        assert s['albedo'].shape == (H, W, 3)
        assert s['shading'].shape == (H, W, 1)
        for key in FOLDERS:
            assert s[key].dtype == np.float32, key
        assert s['image'].min() >= 0 and s['image'].max() <= 1
        assert s['image'].std() > 0.02  # not blank
        assert set(np.unique(s['label'])) <= set(range(-1, NUM_CLASSES))
        depth = s['depth'][..., 0]
        assert depth.min() >= 0
        # nothing is further away than the room's far corner
        assert depth.max() < np.linalg.norm(s['room_size'])
        invalid = (depth == 0).mean() + (s['label'] == -1).mean()
        assert 0 < invalid < 0.1


def test_normals_unit_where_valid_zero_in_holes(scenes):
    holes = 0
    for s in scenes:
        valid = s['depth'][..., 0] > 0
        length = np.linalg.norm(s['normal'], axis=-1)
        assert np.abs(length[valid] - 1).max() < 1e-4
        assert np.all(s['normal'][~valid] == 0)
        holes += (~valid).sum()
    assert holes > 0


def test_normals_face_camera(scenes):
    for s in scenes:
        valid = s['depth'][..., 0] > 0
        cosine = (s['normal'] * camera_rays(s['intrinsics'])).sum(-1)
        assert np.all(cosine[valid] < 0)


@pytest.mark.parametrize('label,height_key', [(FLOOR, 'floor_height'),
                                              (CEILING, 'ceiling_height')])
def test_depth_matches_horizontal_planes(scenes, label, height_key):
    checked = 0
    for s in scenes:
        mask = (s['label'] == label) & (s['depth'][..., 0] > 0)
        rays_world = camera_rays(s['intrinsics']) @ s['cam_to_world'].T
        # ray c + t R K^-1 (u, v, 1) meets z = h at t, which is the z-depth
        # because the camera-frame ray has z = 1
        t = (s[height_key] - s['cam_position'][2]) / rays_world[..., 2]
        depth = s['depth'][..., 0].astype(np.float64)
        np.testing.assert_allclose(depth[mask], t[mask], rtol=1e-4)
        checked += mask.sum()
    assert checked > 100


def test_floor_normals_point_up(scenes):
    checked = 0
    for s in scenes:
        mask = (s['label'] == FLOOR) & (s['depth'][..., 0] > 0)
        rot = s['cam_to_world']
        expected = rot.T @ s['world_up']  # world up in the camera frame
        np.testing.assert_allclose(s['normal'][mask],
                                   np.broadcast_to(expected, (mask.sum(), 3)),
                                   atol=1e-5)
        world = s['normal'][mask].astype(np.float64) @ rot.T
        np.testing.assert_allclose(world[:, 2], 1.0, atol=1e-5)
        checked += mask.sum()
    assert checked > 100


def test_wall_points_lie_on_walls(scenes):
    checked = 0
    for s in scenes:
        mask = (s['label'] == WALL) & (s['depth'][..., 0] > 0)
        rays = camera_rays(s['intrinsics'])[mask] @ s['cam_to_world'].T
        depth = s['depth'][..., 0][mask].astype(np.float64)
        points = s['cam_position'] + depth[:, None] * rays
        room = s['room_size']
        gap = np.minimum(np.abs(points[:, :2]),
                         np.abs(points[:, :2] - room[:2])).min(axis=1)
        assert gap.max() < 1e-3  # metres
        world_normal = s['normal'][mask].astype(np.float64) @ \
            s['cam_to_world'].T
        assert np.abs(world_normal[:, 2]).max() < 1e-5
        checked += mask.sum()
    assert checked > 100


def test_determinism():
    a, b = render_scene(3, 32, 40), render_scene(3, 32, 40)
    c = render_scene(4, 32, 40)
    for key in FOLDERS:
        assert a[key].tobytes() == b[key].tobytes(), key
    assert not np.array_equal(a['image'], c['image'])
    assert not np.array_equal(a['depth'], c['depth'])
    gen = render_scene(np.random.default_rng(3), 32, 40)
    assert np.array_equal(gen['image'], a['image'])


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(height=0), ValueError, 'height'),
    (dict(width=-3), ValueError, 'width'),
    (dict(height=32.0), TypeError, 'height'),
    (dict(hfov_deg=0), ValueError, 'hfov_deg'),
    (dict(seed=-1), ValueError, 'seed'),
    (dict(class_profile='longtail'), ValueError,
     r"class_profile must be one of \('standard', 'long_tail'\), "
     r"got 'longtail'"),
])
def test_render_bad_arguments(kwargs, error, match):
    args = dict(seed=0, height=16, width=16)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        render_scene(**args)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(num_train=-1), ValueError, 'num_train'),
    (dict(num_train=0, num_val=0), ValueError, 'num_train \\+ num_val'),
    (dict(workers=0), ValueError, 'workers'),
    (dict(seed=-2), ValueError, 'seed'),
    (dict(height=4), ValueError, 'height'),
    (dict(class_profile=None), ValueError,
     r"one of \('standard', 'long_tail'\), got None"),
])
def test_generate_bad_arguments(tmp_path, kwargs, error, match):
    args = dict(num_train=1, num_val=1, height=16, width=16)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        generate_dataset(tmp_path / 'out', **args)
    not_a_dir = tmp_path / 'file'
    not_a_dir.write_text('x')
    with pytest.raises(ValueError, match='out_dir'):
        generate_dataset(not_a_dir, 1, 1, 16, 16)


def load_split(root, split, n):
    return {folder: [np.load(root / split / folder / f'{i}.npy')
                     for i in range(n)]
            for folder in FOLDERS}


def test_generate_dataset_layout(tmp_path):
    root = tmp_path / 'synthetic'
    summary = generate_dataset(root, num_train=6, num_val=3, height=24,
                               width=32, seed=1)
    assert summary['files_written'] == 9 * NUM_FOLDERS + 1
    present, ignored, holes = set(), 0, 0
    for split, n in (('train', 6), ('val', 3)):
        for folder in FOLDERS:
            names = {p.name for p in (root / split / folder).iterdir()}
            assert names == {f'{i}.npy' for i in range(n)}
        data = load_split(root, split, n)
        for i in range(n):
            image, label = data['image'][i], data['label'][i]
            depth, normal = data['depth'][i], data['normal'][i]
            assert image.shape == (24, 32, 3) and image.dtype == np.float32
            assert label.shape == (24, 32) and label.dtype == np.float32
            assert depth.shape == (24, 32, 1) and depth.dtype == np.float32
            assert normal.shape == (24, 32, 3) and normal.dtype == np.float32
            assert 0 <= image.min() and image.max() <= 1
            assert np.all(label == np.round(label))
            assert -1 <= label.min() and label.max() <= NUM_CLASSES - 1
            valid = depth[..., 0] > 0
            length = np.linalg.norm(normal, axis=-1)
            assert np.abs(length[valid] - 1).max() < 1e-4
            assert np.all(normal[~valid] == 0)
            edge = data['edge'][i]
            assert edge.shape == (24, 32) and edge.dtype == np.float32
            np.testing.assert_array_equal(edge == -1, ~valid)
            assert data['albedo'][i].shape == (24, 32, 3)
            assert data['shading'][i].shape == (24, 32, 1)
            present |= set(label[label >= 0].astype(int).tolist())
            ignored += (label == -1).sum()
            holes += (~valid).sum()
        expected = render_scene(scene_rng(1, split, n - 1), 24, 32)
        for folder in FOLDERS:
            assert np.array_equal(data[folder][n - 1], expected[folder])
    assert present == set(range(NUM_CLASSES))
    assert ignored > 0 and holes > 0
    train0 = np.load(root / 'train' / 'image' / '0.npy')
    val0 = np.load(root / 'val' / 'image' / '0.npy')
    assert not np.array_equal(train0, val0)

    meta = json.loads((root / 'meta.json').read_text())
    assert meta['classes'] == list(SYNTHETIC_CLASSES)
    assert meta['palette'] == [list(c) for c in SYNTHETIC_PALETTE]
    assert meta['seed'] == 1
    assert meta['generator_version'] == GENERATOR_VERSION == '1.2.0'
    assert meta['class_profile'] == 'standard'
    assert meta['tasks'] == dict(semantic='label', depth='depth',
                                 normal='normal', edge='edge',
                                 albedo='albedo', shading='shading')
    assert meta['tasks'] == TASK_FOLDERS
    assert meta['edge_rel_jump'] == EDGE_REL_JUMP
    edge_pixels = sum(int((e == 1).sum()) for e in
                      load_split(root, 'train', 6)['edge'])
    assert meta['splits']['train']['edge_pixels'] == edge_pixels > 0
    assert (meta['height'], meta['width']) == (24, 32)
    assert meta['splits']['train']['num_images'] == 6
    assert meta['splits']['val']['num_images'] == 3
    assert sum(meta['splits']['train']['class_pixels'].values()) > 0


def test_workers_and_overwrite(tmp_path):
    one, two = tmp_path / 'one', tmp_path / 'two'
    generate_dataset(one, 5, 3, 16, 24, seed=7, workers=1)
    generate_dataset(two, 5, 3, 16, 24, seed=7, workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob('*')
                   if p.is_file())
    assert len(files) == 8 * NUM_FOLDERS + 1
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel

    # rewriting a smaller dataset warns and drops the stale scenes only
    (two / 'notes.txt').write_text('keep me')
    with pytest.warns(UserWarning, match='not empty'):
        summary = generate_dataset(two, 2, 1, 16, 24, seed=7)
    assert summary['files_removed'] == 8 * NUM_FOLDERS + 1
    assert sorted(p.name for p in (two / 'train' / 'depth').iterdir()) == [
        '0.npy', '1.npy']
    assert (two / 'notes.txt').read_text() == 'keep me'
    assert (one / 'train/label/1.npy').read_bytes() == (
        two / 'train/label/1.npy').read_bytes()


def test_cli(tmp_path):
    out = tmp_path / 'cli'
    cmd = [sys.executable, str(CLI), '--out', str(out), '--num-train', '4',
           '--num-val', '2', '--height', '24', '--width', '32', '--seed', '0']
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f'wrote {6 * NUM_FOLDERS + 1} files' in proc.stdout
    assert 'edges' in proc.stdout
    assert 'train: 4 images' in proc.stdout and 'val: 2 images' in proc.stdout
    label = np.load(out / 'val' / 'label' / '1.npy')
    expected = render_scene(scene_rng(0, 'val', 1), 24, 32)['label']
    assert np.array_equal(label, expected)


def test_default_class_profile_is_unchanged(tmp_path):
    """The default profile makes the RNG draws of generator 1.1.0: omitting
    ``class_profile`` and naming ``'standard'`` give the same bytes, and the
    class pixel counts of two scenes match those 1.1.0 rendered."""
    pinned = {0: [4, 612, 32, 0, 28, 27],
              (1, 0, 5): [23, 256, 0, 262, 114, 20]}
    for seed, counts in pinned.items():
        a = render_scene(list(seed) if isinstance(seed, tuple) else seed,
                         24, 32)
        b = render_scene(np.random.default_rng(seed), 24, 32,
                         class_profile='standard')
        for key in FOLDERS:
            assert a[key].tobytes() == b[key].tobytes(), key
        label = a['label'].astype(int)
        assert np.bincount(label[label >= 0],
                           minlength=NUM_CLASSES).tolist() == counts
        tail = render_scene(seed, 24, 32, class_profile='long_tail')
        assert not np.array_equal(tail['label'], a['label'])

    default, named = tmp_path / 'default', tmp_path / 'named'
    generate_dataset(default, 2, 1, 16, 24, seed=3)
    generate_dataset(named, 2, 1, 16, 24, seed=3, class_profile='standard')
    files = sorted(p.relative_to(default) for p in default.rglob('*.npy'))
    assert len(files) == 3 * NUM_FOLDERS
    for rel in files:
        assert (default / rel).read_bytes() == (named / rel).read_bytes()
    assert json.loads((default / 'meta.json').read_text())[
        'class_profile'] == 'standard'


def class_shares(root, split='train'):
    """Share of each class among the labelled pixels, from meta.json."""
    meta = json.loads((root / 'meta.json').read_text())
    pixels = np.array([meta['splits'][split]['class_pixels'][name]
                       for name in SYNTHETIC_CLASSES], dtype=np.float64)
    return meta, pixels / pixels.sum()


def test_long_tail_profile_class_shares(tmp_path):
    """40 images at 24x32: the long tail puts > 80 % of the labelled pixels
    on wall and floor, then box, with sphere and cylinder rare but present;
    the standard profile spreads them more evenly."""
    assert tuple(CLASS_PROFILES) == ('standard', 'long_tail')
    shares, present = {}, {}
    for profile in CLASS_PROFILES:
        root = tmp_path / profile
        generate_dataset(root, 40, 0, 24, 32, seed=0, class_profile=profile)
        meta, shares[profile] = class_shares(root)
        assert meta['class_profile'] == profile
        labels = [np.load(root / 'train' / 'label' / f'{i}.npy')
                  for i in range(40)]
        present[profile] = np.array(
            [[(lab == c).any() for c in range(NUM_CLASSES)]
             for lab in labels]).mean(axis=0)
    lt, std = shares['long_tail'], shares['standard']
    wall, floor, ceiling, box, sphere, cylinder = (
        lt[WALL], lt[FLOOR], lt[CEILING], lt[BOX], lt[SPHERE], lt[CYLINDER])
    assert wall > 0.6 and wall > floor > box > ceiling
    assert wall + floor > 0.8
    assert 0.05 < box < 0.15
    assert 0.01 < ceiling < 0.08
    assert 0 < cylinder < sphere < 0.025
    # rare classes still show up in a fifth of the images
    assert present['long_tail'][[SPHERE, CYLINDER]].min() >= 0.2
    # the standard profile is not long-tailed
    assert np.sort(std)[-2:].sum() < 0.8
    assert std[BOX] > 0.2 and min(std[SPHERE], std[CYLINDER]) > 0.03
    assert std[SPHERE] > 2 * sphere and std[CYLINDER] > 10 * cylinder


def test_cli_class_profile(tmp_path):
    out = tmp_path / 'lt'
    cmd = [sys.executable, str(CLI), '--out', str(out), '--num-train', '3',
           '--num-val', '1', '--height', '16', '--width', '24',
           '--class-profile', 'long_tail']
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert 'class profile long_tail' in proc.stdout
    assert json.loads((out / 'meta.json').read_text())[
        'class_profile'] == 'long_tail'
    label = np.load(out / 'train' / 'label' / '2.npy')
    expected = render_scene(scene_rng(0, 'train', 2), 16, 24,
                            class_profile='long_tail')['label']
    assert np.array_equal(label, expected)
    bad = subprocess.run(cmd[:-1] + ['uniform'], capture_output=True,
                         text=True, cwd=tmp_path)
    assert bad.returncode == 2
    assert "invalid choice: 'uniform'" in bad.stderr
    assert 'long_tail' in bad.stderr


def test_cli_reports_bad_arguments(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('make_synthetic_scenes',
                                                  CLI)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(['--out', str(tmp_path / 'bad'), '--height', '0'])
    assert exit_info.value.code == 2
    assert 'height must be an int >= 8, got 0' in capsys.readouterr().err
    assert not (tmp_path / 'bad').exists()


# --------------------------------------------------------------------------
# edges, albedo, shading
# --------------------------------------------------------------------------
def neighbour_ratios(depth):
    """Depth ratio max / min to the (right, left, down, up) neighbour of
    every pixel, (4, H, W); NaN where the neighbour is outside the image or
    either depth is invalid (0)."""
    d = np.where(depth > 0, depth.astype(np.float64), np.nan)
    padded = np.pad(d, 1, constant_values=np.nan)
    height, width = d.shape
    out = []
    for dv, du in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        other = padded[1 + dv:1 + dv + height, 1 + du:1 + du + width]
        out.append(np.maximum(d, other) / np.minimum(d, other))  # NaN stays
    return np.stack(out)


def test_occlusion_edges_rule_by_hand():
    # wall (surface 2) at 2 m, a box (surface 6) at 1 m in columns 1-2, the
    # floor (surface 0) at 2.1 m on the last row: a 5 % jump, room-room
    surface = np.array([[2, 6, 6, 2], [2, 6, 6, 2], [0, 0, 0, 0]])
    depth = np.array([[2.0, 1.0, 1.0, 2.0], [2.0, 1.0, 1.0, 2.0],
                      [2.1, 2.1, 2.1, 2.1]])
    expected = np.array([[1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]], bool)
    np.testing.assert_array_equal(occlusion_edges(depth, surface), expected)
    # a jump below the threshold is no edge; two room faces never are
    assert not occlusion_edges(np.array([[1.0, 1.05]]),
                               np.array([[6, 7]])).any()
    assert not occlusion_edges(np.array([[1.0, 5.0]]),
                               np.array([[0, 2]])).any()
    assert occlusion_edges(np.array([[1.0, 1.2]]), np.array([[6, 7]]),
                           rel_jump=0.1).all()
    assert not occlusion_edges(np.array([[1.0, 1.2]]), np.array([[6, 7]]),
                               rel_jump=0.3).any()
    # same surface: a steep slope is no edge; non-finite depth is no edge
    assert not occlusion_edges(np.array([[1.0, 3.0]]),
                               np.array([[6, 6]])).any()
    assert not occlusion_edges(np.array([[1.0, np.inf]]),
                               np.array([[6, 2]])).any()


def test_edges_lie_on_depth_jumps(scenes):
    edge_share = []
    for s in scenes:
        edge, depth = s['edge'], s['depth'][..., 0]
        assert set(np.unique(edge)) <= {-1.0, 0.0, 1.0}
        np.testing.assert_array_equal(edge == -1, depth == 0)
        ratios = neighbour_ratios(depth)
        jump = np.max(np.nan_to_num(ratios, nan=1.0), axis=0)
        # an edge pixel whose 4 neighbours all have a depth sees a jump
        interior = np.zeros(depth.shape, bool)
        interior[1:-1, 1:-1] = True
        all_valid = interior & ~np.isnan(ratios).any(axis=0)
        on_edge = (edge == 1) & all_valid
        assert on_edge.any()
        # (the rule runs on float64 depth; stored depth is float32)
        assert np.all(jump[on_edge] > (1 + EDGE_REL_JUMP) * (1 - 1e-6))
        # and a large jump (objects in front of walls) is always an edge
        big = jump > 1.5
        assert big.any()
        assert np.all(edge[big] == 1)
        edge_share.append((edge == 1).mean())
    assert 0.01 < np.mean(edge_share) < 0.2


def test_albedo_times_shading_is_the_image(scenes):
    residuals = []
    for s in scenes:
        image, albedo, shading = s['image'], s['albedo'], s['shading']
        product = albedo.astype(np.float64) * shading
        valid = (s['depth'][..., 0] > 0)[..., None].repeat(3, axis=2)
        inside = valid & (image > 0) & (image < 1)  # not clipped
        residuals.append((image - product)[inside])
        # clipped to 1 only where the product (plus noise) reaches it
        assert np.all(product[valid & (image == 1)] > 0.95)
    residual = np.concatenate(residuals)
    # image = clip(albedo * shading + N(0, 0.01^2), 0, 1)
    assert abs(residual.mean()) < 1e-3
    assert 0.009 < residual.std() < 0.011
    assert np.abs(residual).max() < 0.06  # > 5 sigma


def test_albedo_and_shading_ranges_and_invalid_pixels(scenes):
    above_one = []
    for s in scenes:
        valid = s['depth'][..., 0] > 0
        albedo, shading = s['albedo'], s['shading'][..., 0]
        assert np.all(albedo[~valid] == 0) and np.all(shading[~valid] == 0)
        # a valid pixel is never all-zero, so 0 can mark invalid ones
        assert albedo[valid].min() >= 1e-3 and albedo.max() <= 1
        assert shading[valid].min() >= 0.25 - 1e-6  # ambient
        assert shading.max() <= 1.6
        above_one.append((shading[valid] > 1).mean())
    # the physical shading exceeds 1 near the lamp: not squeezed into [0, 1]
    assert max(above_one) > 0
