"""Procedural synthetic indoor scenes for multi-task dense prediction.

Each scene is an axis-aligned room (floor, four walls, ceiling) holding random
boxes (rotated about the vertical axis), spheres and vertical cylinders. A
pinhole camera inside the room ray-casts the scene with numpy (vectorised over
pixels) and yields, per pixel, a semantic class, metric depth, a unit surface
normal, occlusion edges, the RGB albedo, the scalar shading and the shaded,
textured RGB image. :func:`generate_dataset` writes the scenes in the NYUv2
MTAN ``.npy`` layout of ``docs/data_contract.md`` (plus one folder per extra
task, see :data:`TASK_FOLDERS`).

Conventions:

* World frame: right-handed, metres, ``z`` up (:data:`WORLD_UP`). The room
  spans ``[0, Lx] x [0, Ly] x [0, Lz]``, so the floor is the plane ``z = 0``.
* Camera frame (data contract): ``x`` right in the image, ``y`` down the
  image, ``z`` forward along the optical axis. ``cam_to_world`` is the
  rotation ``R`` with ``p_world = R @ p_cam + cam_position``.
* Intrinsics: square pixels, ``fx = fy = (W / 2) / tan(hfov / 2)``, pixel
  centres at integer coordinates (``u`` = column, ``v`` = row) and the
  principal point at ``((W - 1) / 2, (H - 1) / 2)``. Pixel ``(u, v)`` looks
  along ``R @ K^-1 @ (u, v, 1)``.
* Depth is the z-distance along the optical axis (as in NYUv2), not the ray
  length. Normals are in the camera frame and face the camera.
* Invalid pixels: small sensor-like holes have depth ``0``, an all-zero
  normal, edge ``-1``, an all-zero albedo and shading ``0``; one-pixel-wide
  lines on semantic boundaries have label ``-1``. Valid albedo and shading
  are never exactly 0 (both are clipped to >= ``1e-3``; by construction
  albedo >= 0.09 and shading >= the ambient term >= 0.25).
* Edges (:func:`occlusion_edges`): a pixel is an occlusion edge (1) when one
  of its 4 neighbours shows another surface (room face or object) at a depth
  more than :data:`EDGE_REL_JUMP` (10 %) further or nearer, i.e.
  ``max(d_p, d_q) > (1 + EDGE_REL_JUMP) * min(d_p, d_q)``, and at least one
  of the two surfaces is an object. Both sides of a boundary are marked (a
  band two pixels wide). Two room faces never occlude each other (the room is
  convex), so their creases are never edges, whatever the resolution. The
  rule uses the true depth, before holes are cut.
* Intrinsic images: ``image = clip(albedo * shading + n, 0, 1)`` with
  ``n ~ N(0, 0.01^2)`` per pixel and channel, exactly (up to float32
  rounding). ``shading`` is the physical factor ``ambient + intensity * cos
  * falloff`` (0 in shadow) and lies in ``[0.25, 1.6]``: it exceeds 1 where
  the lamp is close (on about 12 % of the pixels), which is why the image
  saturates there.

Class profiles (``class_profile``, :data:`CLASS_PROFILES`): ``'standard'``
(the default) draws up to 4 boxes, 3 spheres and 3 cylinders per room and
gives, at 48x64 (480 train images, seed 0), floor 10.1 %, wall 44.2 %,
ceiling 2.5 %, box 21.4 %, sphere 5.3 % and cylinder 10.5 % of the pixels.
``'long_tail'``
imitates NYUv2's skewed 13-class distribution (a few classes cover most
pixels, many about 1 %): 1-2 smaller boxes, 0-1 small spheres, 0-1 thin
cylinders and a pitch of -18..4 degrees give floor 14.0 %, wall 66.4 %,
ceiling 3.9 %, box 9.3 %, sphere 1.3 % and cylinder 0.7 % (the rest are
ignored boundary pixels), with spheres and cylinders still in about a third
of the images.
A profile changes only sampling ranges, so ``'standard'`` makes exactly the
random draws of generator 1.1.0. ``docs/data_contract.md`` has the command
and the val shares.

Randomness: image ``i`` of split ``s`` uses
``np.random.default_rng([seed, SPLITS.index(s), i])``, so the output depends
only on ``(seed, split, index)``, never on the number of workers.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import re
import time
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

GENERATOR_NAME = 'mmhad.datasets.synthetic_scenes'
#: 1.1.0 adds the ``edge``, ``albedo`` and ``shading`` folders; the files of
#: 1.0.0 (image, label, depth, normal) are byte-identical for the same seed.
#: 1.2.0 adds the ``class_profile`` option (and meta key); the default
#: ``'standard'`` profile writes files byte-identical to 1.1.0.
GENERATOR_VERSION = '1.2.0'

#: Semantic classes, indexed by label id.
SYNTHETIC_CLASSES: Tuple[str, ...] = ('floor', 'wall', 'ceiling', 'box',
                                      'sphere', 'cylinder')
#: Display colour (RGB, 0-255) of each class in :data:`SYNTHETIC_CLASSES`.
SYNTHETIC_PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (140, 100, 60), (170, 170, 200), (240, 240, 150), (220, 60, 60),
    (60, 160, 220), (80, 200, 90))
FLOOR, WALL, CEILING, BOX, SPHERE, CYLINDER = range(len(SYNTHETIC_CLASSES))
IGNORE_LABEL = -1
SPLITS: Tuple[str, ...] = ('train', 'val')
#: Folder (under ``{split}``) of each task's ground truth, in task order.
TASK_FOLDERS: Dict[str, str] = dict(
    semantic='label', depth='depth', normal='normal', edge='edge',
    albedo='albedo', shading='shading')
FOLDERS: Tuple[str, ...] = ('image', *TASK_FOLDERS.values())
#: Relative depth jump between neighbouring pixels that makes an edge.
EDGE_REL_JUMP = 0.1
_MIN_INTRINSIC = 1e-3  # floor of valid albedo / shading (0 marks invalid)
WORLD_UP = np.array([0.0, 0.0, 1.0])
MIN_IMAGE_SIZE = 8

SeedLike = Union[int, Sequence[int], np.random.SeedSequence,
                 np.random.Generator]

_EPS = 1e-6  # metres along a ray (with the z = 1 ray scaling, = depth)
_NUM_ROOM_SURFACES = 6  # floor, ceiling, 4 walls: surface ids 0..5
# Texture period (metres, or radians / normal units for spheres and
# cylinders) range of each class.
_PERIOD_RANGES = ((0.3, 0.8), (0.15, 0.5), (0.6, 1.2), (0.1, 0.3),
                  (0.2, 0.5), (0.3, 0.8))
_NUM_OBJECTS = {'box': (1, 4), 'sphere': (1, 3), 'cylinder': (1, 3)}
_CAMERA_CLEARANCE = 0.5  # metres, horizontal gap between camera and objects
_WALL_CLEARANCE = 0.4  # metres, gap between camera and walls
# The light hangs at most this far (m) below the ceiling, above every object
# (boxes <= 1.5 m, cylinders <= 2 m, spheres end below it), so it is never
# inside one.
_LIGHT_DROP = 0.4


@dataclass(frozen=True)
class ClassProfile:
    """Scene-sampling ranges that set the class pixel frequencies.

    Every ``(low, high)`` pair is the range of one uniform draw (integers
    inclusive for ``num_objects``). A profile only changes ranges, never the
    order or number of the random draws of one object, so the
    ``'standard'`` profile reproduces the scenes of generator 1.1.0 exactly.

    Attributes:
        num_objects (dict): Inclusive ``(low, high)`` object count per kind,
            sampled in the order box, sphere, cylinder.
        pitch_deg (tuple): Camera pitch range in degrees (> 0 looks up).
        box_half_xy (tuple): Range of each horizontal box half-size (m).
        box_height (tuple): Box height range (m).
        sphere_radius (tuple): Sphere radius range (m).
        cylinder_radius (tuple): Cylinder radius range (m).
        cylinder_height (tuple): Cylinder height range (m).
    """

    num_objects: Dict[str, Tuple[int, int]]
    pitch_deg: Tuple[float, float] = (-25.0, 3.0)
    box_half_xy: Tuple[float, float] = (0.2, 0.7)
    box_height: Tuple[float, float] = (0.3, 1.5)
    sphere_radius: Tuple[float, float] = (0.15, 0.5)
    cylinder_radius: Tuple[float, float] = (0.1, 0.4)
    cylinder_height: Tuple[float, float] = (0.4, 2.0)


#: Class profiles by name (see the module docstring for measured shares).
CLASS_PROFILES: Dict[str, ClassProfile] = {
    'standard': ClassProfile(num_objects=dict(_NUM_OBJECTS)),
    'long_tail': ClassProfile(
        num_objects={'box': (1, 2), 'sphere': (0, 1), 'cylinder': (0, 1)},
        pitch_deg=(-18.0, 4.0),
        box_half_xy=(0.2, 0.5), box_height=(0.3, 1.2),
        sphere_radius=(0.2, 0.4),
        cylinder_radius=(0.07, 0.15), cylinder_height=(0.5, 1.2)),
}
DEFAULT_CLASS_PROFILE = 'standard'


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------
def _check_int(name: str, value, minimum: int) -> int:
    """Return ``value`` if it is an int >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f'{name} must be an int >= {minimum}, '
                        f'got {type(value).__name__} {value!r}')
    if value < minimum:
        raise ValueError(f'{name} must be an int >= {minimum}, got {value}')
    return int(value)


def _check_hfov(hfov_deg: float) -> float:
    """Return the horizontal field of view (degrees) if in (10, 150)."""
    if isinstance(hfov_deg, bool) or not isinstance(
            hfov_deg, (int, float, np.number)):
        raise TypeError('hfov_deg must be a number of degrees in (10, 150), '
                        f'got {hfov_deg!r}')
    if not 10.0 < float(hfov_deg) < 150.0:
        raise ValueError('hfov_deg must be a number of degrees in (10, 150), '
                         f'got {hfov_deg}')
    return float(hfov_deg)


def _check_class_profile(class_profile: str) -> ClassProfile:
    """Return the :class:`ClassProfile` named ``class_profile``, else raise."""
    if not isinstance(class_profile, str) or \
            class_profile not in CLASS_PROFILES:
        raise ValueError(f'class_profile must be one of '
                         f'{tuple(CLASS_PROFILES)}, got {class_profile!r}')
    return CLASS_PROFILES[class_profile]


def _as_generator(seed: SeedLike) -> np.random.Generator:
    """Turn an int, int list, SeedSequence or Generator into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool):
        raise TypeError(f'seed must be a non-negative int, got {seed!r}')
    if isinstance(seed, (int, np.integer)) and seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed}')
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------
# camera
# --------------------------------------------------------------------------
def camera_intrinsics(height: int, width: int,
                      hfov_deg: float = 60.0) -> np.ndarray:
    """Pinhole intrinsics of an image from its horizontal field of view.

    Args:
        height (int): Image height H in pixels.
        width (int): Image width W in pixels.
        hfov_deg (float): Horizontal field of view in degrees.

    Returns:
        np.ndarray: K, shape (3, 3), float64, in pixels; pixel centres sit at
        integer coordinates and the principal point at the image centre.
    """
    focal = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
    return np.array([[focal, 0.0, (width - 1) / 2.0],
                     [0.0, focal, (height - 1) / 2.0],
                     [0.0, 0.0, 1.0]])


def _rot_z(angle: float) -> np.ndarray:
    """Rotation matrix (3, 3) about the z axis by ``angle`` radians."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _rot_x(angle: float) -> np.ndarray:
    """Rotation matrix (3, 3) about the x axis by ``angle`` radians."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def camera_to_world(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Camera-to-world rotation of a camera in the z-up world frame.

    At zero angles the camera looks along world +y with image x along world
    +x and image y along world -z.

    Args:
        yaw (float): Heading about world +z, radians.
        pitch (float): Elevation of the optical axis, radians (> 0 looks up).
        roll (float): Rotation about the optical axis, radians.

    Returns:
        np.ndarray: R, shape (3, 3), float64, ``p_world = R @ p_cam + t``.
    """
    level = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    return _rot_z(yaw) @ level @ _rot_x(pitch) @ _rot_z(roll)


def pixel_rays(intrinsics: np.ndarray, height: int,
               width: int) -> np.ndarray:
    """Camera-frame ray of every pixel, scaled to unit z.

    Args:
        intrinsics (np.ndarray): K, shape (3, 3), without skew.
        height (int): Image height H.
        width (int): Image width W.

    Returns:
        np.ndarray: Rays ``K^-1 @ (u, v, 1)``, component-major, shape
        (3, H * W) with pixels row-major over (v, u). Their z is 1, so the
        ray parameter of a hit is its depth in metres.
    """
    (fx, _, cx), (_, fy, cy) = intrinsics[0], intrinsics[1]
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    return np.stack([((u - cx) / fx).ravel(), ((v - cy) / fy).ravel(),
                     np.ones(height * width)])


# --------------------------------------------------------------------------
# ray-primitive intersections
# --------------------------------------------------------------------------
# Arrays of 3-vectors are component-major, shape (3, N), so that every
# per-component operation runs on a contiguous row. ``_hit_*`` take ray
# origins ``o`` (3,) or (3, N) and directions ``d`` (3, N) in world metres
# and return the ray parameter ``t`` (N,) of the nearest hit with
# ``t > _EPS`` (``inf`` on a miss); the origins must lie outside the object.
# ``_normal_*`` return the outward unit world normals (3, M) at world points
# (3, M) on the object's surface.
def _nonzero(d: np.ndarray) -> np.ndarray:
    """Replace components with ``|d| < 1e-12`` by ``1e-12`` (for ``1 / d``)."""
    return np.where(np.abs(d) < 1e-12, 1e-12, d)


def _column(v: np.ndarray) -> np.ndarray:
    """View a point (3,) as (3, 1); leave (3, N) arrays unchanged."""
    return v.reshape(3, -1)


def _hit_room(o: np.ndarray, d: np.ndarray, room: np.ndarray
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exit point of rays starting at ``o`` (3,) inside ``[0, room]``.

    Returns:
        tuple: ``t`` (N,), inward unit normal (3, N) and surface id (N,):
        0 floor, 1 ceiling, 2..5 walls.
    """
    d = _nonzero(d)
    t_axis = (np.where(d > 0, _column(room), 0.0) - _column(o)) / d
    axis = np.argmin(t_axis, axis=0)
    cols = np.arange(d.shape[1])
    toward_max = d[axis, cols] > 0
    normal = np.zeros_like(d)
    normal[axis, cols] = np.where(toward_max, -1.0, 1.0)
    surface = np.where(axis == 2, toward_max, 2 + 2 * axis + toward_max)
    return t_axis[axis, cols], normal, surface


def _hit_box(o: np.ndarray, d: np.ndarray, obj: dict) -> np.ndarray:
    """Slab test against a box rotated by ``obj['yaw']`` about world z."""
    rot = _rot_z(obj['yaw'])  # local -> world
    half = _column(obj['half'])
    o_loc = rot.T @ (_column(o) - _column(obj['centre']))
    inv = 1.0 / _nonzero(rot.T @ d)
    t1 = (-half - o_loc) * inv
    t2 = (half - o_loc) * inv
    t_near = np.minimum(t1, t2).max(axis=0)
    t_far = np.maximum(t1, t2).min(axis=0)
    return np.where((t_near <= t_far) & (t_near > _EPS), t_near, np.inf)


def _normal_box(points: np.ndarray, obj: dict) -> np.ndarray:
    """Normal of the face whose slab the point is relatively furthest in."""
    rot = _rot_z(obj['yaw'])
    p_loc = rot.T @ (points - _column(obj['centre']))
    axis = np.argmax(np.abs(p_loc) / _column(obj['half']), axis=0)
    cols = np.arange(points.shape[1])
    n_loc = np.zeros_like(p_loc)
    n_loc[axis, cols] = np.sign(p_loc[axis, cols])
    return rot @ n_loc


def _hit_sphere(o: np.ndarray, d: np.ndarray, obj: dict) -> np.ndarray:
    """Smaller root of ``|o + t d - c|^2 = r^2``."""
    oc = _column(o) - _column(obj['centre'])
    a = (d * d).sum(axis=0)
    b = (d * oc).sum(axis=0)
    disc = b * b - a * ((oc * oc).sum(axis=0) - obj['radius']**2)
    t = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
    return np.where((disc >= 0) & (t > _EPS), t, np.inf)


def _normal_sphere(points: np.ndarray, obj: dict) -> np.ndarray:
    """Radial direction from the sphere's centre."""
    radial = points - _column(obj['centre'])
    return radial / np.sqrt((radial * radial).sum(axis=0))


def _hit_cylinder(o: np.ndarray, d: np.ndarray, obj: dict) -> np.ndarray:
    """Vertical cylinder standing on the floor: side wall and top cap."""
    ox, oy, oz = _column(o) - _column(obj['centre'])  # centre z is 0
    dx, dy, dz = d
    a = np.maximum(dx * dx + dy * dy, 1e-24)
    b = dx * ox + dy * oy
    disc = b * b - a * (ox * ox + oy * oy - obj['radius']**2)
    t_side = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
    z_side = oz + t_side * dz
    side = ((disc >= 0) & (t_side > _EPS) & (z_side >= 0)
            & (z_side <= obj['height']))
    t_cap = (obj['height'] - oz) / _nonzero(dz)
    cap = (t_cap > _EPS) & ((ox + t_cap * dx)**2 + (oy + t_cap * dy)**2
                            <= obj['radius']**2)
    return np.minimum(np.where(side, t_side, np.inf),
                      np.where(cap, t_cap, np.inf))


def _normal_cylinder(points: np.ndarray, obj: dict) -> np.ndarray:
    """Up on the top cap, radial on the side wall."""
    radial = points[:2] - obj['centre'][:2, None]
    rho = np.maximum(np.sqrt((radial * radial).sum(axis=0)), 1e-12)
    normal = np.zeros_like(points)
    normal[:2] = radial / rho
    on_cap = obj['height'] - points[2] <= obj['radius'] - rho
    normal[:, on_cap] = _column(WORLD_UP)
    return normal


_HIT: Dict[str, Callable] = {
    'box': _hit_box, 'sphere': _hit_sphere, 'cylinder': _hit_cylinder}
_NORMAL: Dict[str, Callable] = {
    'box': _normal_box, 'sphere': _normal_sphere,
    'cylinder': _normal_cylinder}
_KIND_LABEL = {'box': BOX, 'sphere': SPHERE, 'cylinder': CYLINDER}


# --------------------------------------------------------------------------
# scene sampling
# --------------------------------------------------------------------------
def _sample_object(rng: np.random.Generator, kind: str, room: np.ndarray,
                   cam_pos: np.ndarray, heading: float, hfov: float,
                   profile: ClassProfile) -> Optional[dict]:
    """Sample one object clear of the walls and of the camera.

    Three objects in four are placed in front of the camera so that most
    images show some. Sizes come from ``profile``. Returns ``None`` when no
    free spot is found.
    """
    if kind == 'box':
        half_xy = rng.uniform(*profile.box_half_xy, size=2)
        height = rng.uniform(*profile.box_height)
        obj = dict(half=np.array([*half_xy, height / 2]),
                   yaw=rng.uniform(0.0, math.pi / 2))
        footprint = float(np.hypot(*half_xy))
    elif kind == 'sphere':
        obj = dict(radius=rng.uniform(*profile.sphere_radius))
        on_floor = rng.random() < 0.5
        footprint = obj['radius']
    else:
        obj = dict(radius=rng.uniform(*profile.cylinder_radius),
                   height=rng.uniform(*profile.cylinder_height))
        footprint = obj['radius']
    obj.update(kind=kind, colour_gain=rng.uniform(0.85, 1.15, size=3))
    for _ in range(20):
        if rng.random() < 0.75:
            angle = heading + rng.uniform(-0.45, 0.45) * hfov
            xy = cam_pos[:2] + rng.uniform(1.2, 4.5) * np.array(
                [math.cos(angle), math.sin(angle)])
        else:
            xy = rng.uniform(0.0, 1.0, size=2) * room[:2]
        inside = np.all((xy > footprint + 0.05)
                        & (xy < room[:2] - footprint - 0.05))
        clear = np.hypot(*(xy - cam_pos[:2])) > footprint + _CAMERA_CLEARANCE
        if inside and clear:
            break
    else:
        return None
    if kind == 'box':
        z = obj['half'][2]
    elif kind == 'sphere':
        r = obj['radius']
        z = r if on_floor else rng.uniform(r, room[2] - _LIGHT_DROP - r)
    else:
        z = 0.0
    obj['centre'] = np.array([xy[0], xy[1], z])
    return obj


def _sample_texture(rng: np.random.Generator, label: int) -> dict:
    """Random albedo parameters of one class in one scene."""
    dirs = rng.normal(size=(3, 3))
    return dict(
        base=rng.uniform(0.25, 0.9, size=3),
        period=rng.uniform(*_PERIOD_RANGES[label]),
        contrast=rng.uniform(0.15, 0.45),
        noise_waves=dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
        * rng.uniform(2.0, 9.0, size=(3, 1)),
        noise_phase=rng.uniform(0.0, 2 * math.pi, size=3),
        noise_amp=rng.uniform(0.05, 0.2))


def _free_distance(room: np.ndarray, xy: np.ndarray,
                   heading: float) -> float:
    """Horizontal distance (m) from ``xy`` to the wall along ``heading``."""
    direction = _nonzero(np.array([math.cos(heading), math.sin(heading)]))
    return float(np.min((np.where(direction > 0, room[:2], 0.0) - xy)
                        / direction))


def _sample_heading(rng: np.random.Generator, room: np.ndarray,
                    cam_pos: np.ndarray, tries: int = 16) -> float:
    """Heading (radians from world +x) that looks into the room.

    The first of ``tries`` uniform headings with at least 2.5 m (or 60 % of
    the room's longer side) of free floor ahead, else the freest one.
    """
    wanted = min(2.5, 0.6 * float(room[:2].max()))
    headings = rng.uniform(0.0, 2 * math.pi, size=tries)
    free = [_free_distance(room, cam_pos[:2], h) for h in headings]
    good = np.flatnonzero(np.array(free) >= wanted)
    return float(headings[good[0] if len(good) else int(np.argmax(free))])


def sample_scene(rng: np.random.Generator, hfov_deg: float = 60.0,
                 class_profile: str = DEFAULT_CLASS_PROFILE) -> dict:
    """Sample the geometry, camera pose, light and textures of one scene.

    Args:
        rng (np.random.Generator): Source of randomness (advanced in place).
        hfov_deg (float): Horizontal field of view in degrees, used to put
            most objects in view.
        class_profile (str): Name in :data:`CLASS_PROFILES`: ``'standard'``
            (the default, scenes of generator 1.1.0) or ``'long_tail'``
            (wall and floor cover most pixels, spheres and cylinders rare).

    Returns:
        dict: ``room_size`` (3,) m, ``cam_position`` (3,) m,
        ``cam_to_world`` (3, 3), ``objects`` (list of dicts),
        ``light_position`` (3,) m, ``light_intensity``, ``ambient`` and
        ``textures`` (one dict per class).
    """
    profile = _check_class_profile(class_profile)
    room = np.array([rng.uniform(4.0, 8.0), rng.uniform(4.0, 8.0),
                     rng.uniform(2.5, 3.2)])
    cam_pos = np.array([
        rng.uniform(_WALL_CLEARANCE, room[0] - _WALL_CLEARANCE),
        rng.uniform(_WALL_CLEARANCE, room[1] - _WALL_CLEARANCE),
        rng.uniform(1.0, 1.8)])
    heading = _sample_heading(rng, room, cam_pos)
    # yaw 0 looks along world +y, i.e. heading pi / 2
    rot = camera_to_world(heading - math.pi / 2,
                          math.radians(rng.uniform(*profile.pitch_deg)),
                          math.radians(rng.uniform(-3.0, 3.0)))
    hfov = math.radians(hfov_deg)
    objects: List[dict] = []
    for kind in _NUM_OBJECTS:
        low, high = profile.num_objects[kind]
        for _ in range(rng.integers(low, high + 1)):
            obj = _sample_object(rng, kind, room, cam_pos, heading, hfov,
                                 profile)
            if obj is not None:
                objects.append(obj)
    light = np.array([rng.uniform(0.5, room[0] - 0.5),
                      rng.uniform(0.5, room[1] - 0.5),
                      room[2] - rng.uniform(0.1, _LIGHT_DROP)])
    return dict(room_size=room, cam_position=cam_pos, cam_to_world=rot,
                objects=objects, light_position=light,
                light_intensity=rng.uniform(0.8, 1.2),
                ambient=rng.uniform(0.25, 0.4),
                textures=[_sample_texture(rng, label)
                          for label in range(len(SYNTHETIC_CLASSES))])


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------
def _cast(scene: dict, dirs: np.ndarray) -> Dict[str, np.ndarray]:
    """Nearest hit of every primary ray (z-buffer over room and objects).

    Args:
        scene (dict): Output of :func:`sample_scene`.
        dirs (np.ndarray): World ray directions (3, N) with camera-frame
            z = 1.

    Returns:
        dict: ``t`` (N,) depth in m, ``points`` (3, N) world hit points in
        m, ``normal`` (3, N) unit world normal facing the camera, ``label``
        (N,) class id, ``surface`` (N,) surface id (0..5 room, 6 + k
        object k).
    """
    origin = scene['cam_position']
    t, normal, surface = _hit_room(origin, dirs, scene['room_size'])
    for k, obj in enumerate(scene['objects']):
        t_obj = _HIT[obj['kind']](origin, dirs, obj)
        closer = t_obj < t
        t = np.where(closer, t_obj, t)
        surface[closer] = _NUM_ROOM_SURFACES + k
    points = _column(origin) + t * dirs
    surface_label = [FLOOR, CEILING, WALL, WALL, WALL, WALL]
    for k, obj in enumerate(scene['objects']):
        sel = surface == _NUM_ROOM_SURFACES + k
        normal[:, sel] = _NORMAL[obj['kind']](points[:, sel], obj)
        surface_label.append(_KIND_LABEL[obj['kind']])
    label = np.array(surface_label)[surface]
    return dict(t=t, points=points, normal=normal, label=label,
                surface=surface)


def _pattern(label: int, points: np.ndarray, normals: np.ndarray,
             period: float) -> np.ndarray:
    """Procedural pattern (M,) in [0, 1] of one class at world hit points
    (3, M) with world normals (3, M)."""
    x, y, z = points
    if label in (FLOOR, CEILING):  # tiles
        return (np.floor(x / period) + np.floor(y / period)) % 2
    if label == WALL:  # soft vertical stripes along the wall
        return 0.5 + 0.5 * np.sin(2 * math.pi * (x + y) / period)
    if label == BOX:  # 3-D checker
        return (np.floor(x / period) + np.floor(y / period)
                + np.floor(z / period)) % 2
    if label == SPHERE:  # latitude bands
        return np.floor((normals[2] + 1.0) / period) % 2
    angle = np.arctan2(normals[1], normals[0]) + math.pi
    return np.floor(angle / period) % 2  # cylinder: angular stripes


def _albedo(scene: dict, hits: dict) -> np.ndarray:
    """Per-pixel RGB albedo (3, N) in [0, 1]: class texture times noise."""
    points = hits['points']
    textures = scene['textures']
    room_colour = [textures[label]['base']
                   for label in (FLOOR, CEILING, WALL, WALL, WALL, WALL)]
    obj_colour = [textures[_KIND_LABEL[obj['kind']]]['base']
                  * obj['colour_gain'] for obj in scene['objects']]
    colour = np.array(room_colour + obj_colour).T[:, hits['surface']]
    shade = np.ones(points.shape[1])
    for label, tex in enumerate(textures):
        sel = hits['label'] == label
        if not sel.any():
            continue
        pts = points[:, sel]
        pattern = _pattern(label, pts, hits['normal'][:, sel], tex['period'])
        noise = np.sin(tex['noise_waves'] @ pts
                       + _column(tex['noise_phase'])).mean(axis=0)
        shade[sel] = ((1.0 - tex['contrast'] * pattern)
                      * (1.0 + tex['noise_amp'] * noise))
    return np.clip(colour * shade, 0.0, 1.0)


def _shading(scene: dict, points: np.ndarray,
             normals: np.ndarray) -> np.ndarray:
    """Ambient plus Lambertian point-light shading with hard shadows.

    Args:
        scene (dict): Output of :func:`sample_scene`.
        points (np.ndarray): World hit points (3, N) in metres.
        normals (np.ndarray): Unit world normals (3, N).

    Returns:
        np.ndarray: Shading factor (N,), >= ambient.
    """
    light = _column(scene['light_position'])
    to_light = light - points
    dist = np.sqrt((to_light * to_light).sum(axis=0))
    cos = np.maximum((normals * to_light).sum(axis=0) / dist, 0.0)
    lit = np.flatnonzero(cos > 0)
    origins = points[:, lit] + 1e-4 * normals[:, lit]
    rays = light - origins  # t = 1 at the light
    for obj in scene['objects']:
        cos[lit[_HIT[obj['kind']](origins, rays, obj) < 1.0]] = 0.0
    falloff = 1.0 / (1.0 + 0.03 * dist**2)
    return scene['ambient'] + scene['light_intensity'] * cos * falloff


def _holes(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Sensor-like missing-depth mask (H, W): a few ellipses plus speckle."""
    v, u = np.mgrid[0:height, 0:width]
    mask = rng.random((height, width)) < 0.002
    size = min(height, width)
    for _ in range(rng.integers(1, 5)):
        cv, cu = rng.uniform(0, height), rng.uniform(0, width)
        rv, ru = np.maximum(1.0, rng.uniform(0.01, 0.05, size=2) * size)
        mask |= ((v - cv) / rv)**2 + ((u - cu) / ru)**2 <= 1.0
    return mask


def _boundaries(label: np.ndarray) -> np.ndarray:
    """One-pixel-wide mask (H, W) of pixels whose right/lower neighbour has
    another class."""
    mask = np.zeros(label.shape, dtype=bool)
    mask[:, :-1] |= label[:, :-1] != label[:, 1:]
    mask[:-1, :] |= label[:-1, :] != label[1:, :]
    return mask


def occlusion_edges(depth: np.ndarray, surface: np.ndarray,
                    rel_jump: float = EDGE_REL_JUMP) -> np.ndarray:
    """Occlusion-boundary mask from depth and surface ids.

    Pixels ``p`` and ``q`` (4-neighbours) form a boundary when they show
    different surfaces, at least one of which is an object (two room faces
    only ever meet in creases: the room is convex), and the depth jumps by
    more than ``rel_jump``: ``max(d_p, d_q) > (1 + rel_jump) * min(d_p,
    d_q)``. Both ``p`` and ``q`` are marked. Pairs with a non-finite depth
    are never boundaries.

    Args:
        depth (np.ndarray): z-depth (H, W) in metres (> 0 where finite).
        surface (np.ndarray): Surface id (H, W): 0..5 room faces, >= 6
            objects.
        rel_jump (float): Relative depth jump threshold (>= 0).

    Returns:
        np.ndarray: bool mask (H, W), True on occlusion edges.
    """
    edge = np.zeros(depth.shape, dtype=bool)
    is_object = surface >= _NUM_ROOM_SURFACES
    every, head, tail = slice(None), slice(None, -1), slice(1, None)
    # (p, q) = (left, right) pairs, then (upper, lower) pairs
    for p, q in (((every, head), (every, tail)),
                 ((head, every), (tail, every))):
        d_p, d_q = depth[p], depth[q]
        with np.errstate(invalid='ignore'):
            near, far = np.minimum(d_p, d_q), np.maximum(d_p, d_q)
            jump = far > (1.0 + rel_jump) * near
        jump &= np.isfinite(d_p) & np.isfinite(d_q)
        jump &= surface[p] != surface[q]
        jump &= is_object[p] | is_object[q]
        edge[p] |= jump
        edge[q] |= jump
    return edge


def render_scene(seed: SeedLike, height: int = 96, width: int = 128,
                 hfov_deg: float = 60.0,
                 class_profile: str = DEFAULT_CLASS_PROFILE
                 ) -> Dict[str, np.ndarray]:
    """Sample and ray-cast one synthetic scene.

    Args:
        seed (int | Sequence[int] | np.random.SeedSequence |
            np.random.Generator): Seed of ``np.random.default_rng`` or a
            generator (advanced in place).
        height (int): Image height H in pixels (>= 8).
        width (int): Image width W in pixels (>= 8).
        hfov_deg (float): Horizontal field of view in degrees.
        class_profile (str): Class-frequency profile, a name in
            :data:`CLASS_PROFILES` (see :func:`sample_scene`).

    Returns:
        dict: ``image`` (H, W, 3) float32 RGB in [0, 1]; ``label`` (H, W)
        float32 class id or -1; ``depth`` (H, W, 1) float32 z-depth in
        metres, 0 = invalid; ``normal`` (H, W, 3) float32 camera-frame unit
        normals, 0 = invalid; ``edge`` (H, W) float32 occlusion edge 1,
        other 0, -1 = invalid (:func:`occlusion_edges`); ``albedo``
        (H, W, 3) float32 RGB reflectance in [1e-3, 1], all-zero = invalid;
        ``shading`` (H, W, 1) float32 shading factor in [1e-3, 1.6], 0 =
        invalid (``image = clip(albedo * shading + noise, 0, 1)``); and the
        geometry: ``intrinsics`` K (3, 3),
        ``cam_to_world`` R (3, 3), ``cam_position`` (3,) m,
        ``floor_height`` and ``ceiling_height`` (m), ``world_up`` (3,),
        ``room_size`` (3,) m, ``light_position`` (3,) m, all float64.
    """
    height = _check_int('height', height, MIN_IMAGE_SIZE)
    width = _check_int('width', width, MIN_IMAGE_SIZE)
    hfov_deg = _check_hfov(hfov_deg)
    _check_class_profile(class_profile)
    rng = _as_generator(seed)
    scene = sample_scene(rng, hfov_deg, class_profile)
    intrinsics = camera_intrinsics(height, width, hfov_deg)
    rot = scene['cam_to_world']
    hits = _cast(scene, rot @ pixel_rays(intrinsics, height, width))
    albedo = _albedo(scene, hits)  # (3, N)
    shading = _shading(scene, hits['points'], hits['normal'])  # (N,)
    image = albedo * shading
    image = image.reshape(3, height, width).transpose(1, 2, 0)
    image += rng.normal(0.0, 0.01, size=image.shape)

    depth = hits['t'].reshape(height, width)
    normal = (rot.T @ hits['normal']).reshape(3, height, width)
    normal = normal.transpose(1, 2, 0).copy()
    label = hits['label'].reshape(height, width)
    edge = occlusion_edges(depth, hits['surface'].reshape(height, width))
    albedo = np.clip(albedo, _MIN_INTRINSIC, 1.0).reshape(3, height, width)
    albedo = albedo.transpose(1, 2, 0).copy()
    shading = np.maximum(shading, _MIN_INTRINSIC).reshape(height, width)
    holes = _holes(rng, height, width) | ~np.isfinite(depth)
    depth[holes] = 0.0
    normal[holes] = 0.0
    albedo[holes] = 0.0
    shading[holes] = 0.0
    label = np.where(_boundaries(label), IGNORE_LABEL, label)
    return dict(
        image=np.clip(image, 0.0, 1.0).astype(np.float32),
        label=label.astype(np.float32),
        depth=depth[..., None].astype(np.float32),
        normal=normal.astype(np.float32),
        edge=np.where(holes, IGNORE_LABEL, edge).astype(np.float32),
        albedo=albedo.astype(np.float32),
        shading=shading[..., None].astype(np.float32),
        intrinsics=intrinsics, cam_to_world=rot,
        cam_position=scene['cam_position'], floor_height=0.0,
        ceiling_height=float(scene['room_size'][2]), world_up=WORLD_UP.copy(),
        room_size=scene['room_size'], light_position=scene['light_position'])


# --------------------------------------------------------------------------
# dataset writing
# --------------------------------------------------------------------------
def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """Generator of image ``index`` of ``split`` (independent of workers).

    Args:
        seed (int): Base seed (>= 0).
        split (str): One of :data:`SPLITS`.
        index (int): Image index in the split (>= 0).

    Returns:
        np.random.Generator: ``default_rng([seed, split id, index])``.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    return np.random.default_rng([_check_int('seed', seed, 0),
                                  SPLITS.index(split),
                                  _check_int('index', index, 0)])


def _render_and_save(task: Tuple[str, int], out_dir: Path, seed: int,
                     height: int, width: int, hfov_deg: float,
                     class_profile: str) -> Tuple[str, np.ndarray, int, int]:
    """Render one image and write one ``.npy`` file per folder.

    Returns:
        tuple: split, per-class pixel counts (C,), the number of
        invalid-depth pixels and the number of edge pixels.
    """
    split, index = task
    sample = render_scene(scene_rng(seed, split, index), height, width,
                          hfov_deg, class_profile)
    for folder in FOLDERS:
        np.save(out_dir / split / folder / f'{index}.npy', sample[folder])
    label = sample['label'].astype(np.int64)
    counts = np.bincount(label[label >= 0],
                         minlength=len(SYNTHETIC_CLASSES))
    return (split, counts, int((sample['depth'] == 0).sum()),
            int((sample['edge'] == 1).sum()))


def _prepare_output(out_dir: Path) -> int:
    """Create the layout; remove old ``{i}.npy`` files and ``meta.json``.

    Only files of the generator's own layout are removed; anything else in
    ``out_dir`` is left alone. Warns when ``out_dir`` was not empty.

    Returns:
        int: Number of files removed.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'out_dir must be a directory, got the file '
                         f'{out_dir}')
    if out_dir.is_dir() and any(out_dir.iterdir()):
        old = [p for split in SPLITS for folder in FOLDERS
               for p in (out_dir / split / folder).glob('*.npy')
               if re.fullmatch(r'\d+\.npy', p.name)]
        old += [out_dir / 'meta.json'] if (out_dir / 'meta.json').is_file() \
            else []
        warnings.warn(f'out_dir {out_dir} is not empty: overwriting it '
                      f'({len(old)} existing scene/meta files are removed '
                      'first, other files are kept)', stacklevel=3)
        for path in old:
            path.unlink()
    else:
        old = []
    for split in SPLITS:
        for folder in FOLDERS:
            (out_dir / split / folder).mkdir(parents=True, exist_ok=True)
    return len(old)


def _meta(counts: Dict[str, int], stats: Dict[str, dict], seed: int,
          height: int, width: int, hfov_deg: float,
          class_profile: str) -> dict:
    """Content of ``meta.json`` (deterministic: no times or paths)."""
    return dict(
        generator=GENERATOR_NAME, generator_version=GENERATOR_VERSION,
        seed=seed, height=height, width=width, hfov_deg=hfov_deg,
        class_profile=class_profile,
        intrinsics=camera_intrinsics(height, width, hfov_deg).tolist(),
        classes=list(SYNTHETIC_CLASSES),
        palette=[list(c) for c in SYNTHETIC_PALETTE],
        ignore_label=IGNORE_LABEL,
        splits={s: dict(num_images=counts[s],
                        rng='np.random.default_rng([seed, '
                        f'{SPLITS.index(s)}, index])', **stats[s])
                for s in SPLITS},
        tasks=dict(TASK_FOLDERS),
        layout='{split}/{' + ','.join(FOLDERS) + '}/{index}.npy',
        image='float32 HxWx3 RGB in [0, 1], = clip(albedo * shading + '
        'N(0, 0.01^2), 0, 1)',
        label='float32 HxW class id, -1 = ignored',
        depth='float32 HxWx1 z-depth along the optical axis in metres, '
        '0 = invalid',
        normal='float32 HxWx3 camera-frame unit normal (x right, y down, '
        'z forward), facing the camera, 0 = invalid',
        edge='float32 HxW occlusion edge 1 / 0, -1 = invalid: a 4-neighbour '
        'shows another surface, one of the two an object, with '
        f'max(d) > (1 + {EDGE_REL_JUMP}) * min(d); both sides marked',
        edge_rel_jump=EDGE_REL_JUMP,
        albedo='float32 HxWx3 RGB reflectance in [1e-3, 1], all-zero = '
        'invalid',
        shading='float32 HxWx1 shading factor (ambient + Lambertian point '
        'light with shadows) in [1e-3, 1.6], 0 = invalid')


def generate_dataset(out_dir: Union[str, Path], num_train: int = 480,
                     num_val: int = 120, height: int = 96, width: int = 128,
                     seed: int = 0, workers: int = 1,
                     hfov_deg: float = 60.0,
                     class_profile: str = DEFAULT_CLASS_PROFILE) -> dict:
    """Render train and val scenes into the NYUv2 MTAN ``.npy`` layout.

    Writes ``{out_dir}/{train,val}/{folder}/{i}.npy`` for every folder of
    :data:`FOLDERS` (``image``, ``label``, ``depth``, ``normal``, ``edge``,
    ``albedo``, ``shading``) and ``{out_dir}/meta.json``. An existing
    non-empty ``out_dir`` is overwritten with a warning.

    Args:
        out_dir (str | Path): Output directory (created if missing).
        num_train (int): Number of train images (>= 0).
        num_val (int): Number of val images (>= 0); both may not be 0.
        height (int): Image height H in pixels (>= 8).
        width (int): Image width W in pixels (>= 8).
        seed (int): Base seed (>= 0); train and val scenes differ.
        workers (int): Worker processes (>= 1); the output is identical for
            any value.
        hfov_deg (float): Horizontal field of view in degrees.
        class_profile (str): Class-frequency profile, a name in
            :data:`CLASS_PROFILES`; ``'standard'`` (default) or
            ``'long_tail'``. Written to ``meta.json``.

    Returns:
        dict: ``out_dir``, ``num_images`` per split, ``files_written``,
        ``files_removed``, ``seconds`` and the ``meta`` written.
    """
    counts = dict(train=_check_int('num_train', num_train, 0),
                  val=_check_int('num_val', num_val, 0))
    if counts['train'] + counts['val'] == 0:
        raise ValueError('num_train + num_val must be >= 1, got 0 images')
    height = _check_int('height', height, MIN_IMAGE_SIZE)
    width = _check_int('width', width, MIN_IMAGE_SIZE)
    seed = _check_int('seed', seed, 0)
    workers = _check_int('workers', workers, 1)
    hfov_deg = _check_hfov(hfov_deg)
    _check_class_profile(class_profile)
    out_dir = Path(out_dir)

    start = time.perf_counter()
    removed = _prepare_output(out_dir)
    tasks = [(s, i) for s in SPLITS for i in range(counts[s])]
    job = partial(_render_and_save, out_dir=out_dir, seed=seed,
                  height=height, width=width, hfov_deg=hfov_deg,
                  class_profile=class_profile)
    if workers == 1:
        results = [job(task) for task in tasks]
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context(
            'fork' if 'fork' in methods else None)
        with ctx.Pool(min(workers, len(tasks))) as pool:
            results = pool.map(job, tasks, chunksize=4)

    num_classes = len(SYNTHETIC_CLASSES)
    stats = {s: dict(class_pixels=np.zeros(num_classes, np.int64),
                     invalid_depth_pixels=0, edge_pixels=0) for s in SPLITS}
    for split, class_pixels, invalid, edges in results:
        stats[split]['class_pixels'] += class_pixels
        stats[split]['invalid_depth_pixels'] += invalid
        stats[split]['edge_pixels'] += edges
    for s in SPLITS:
        stats[s]['class_pixels'] = dict(
            zip(SYNTHETIC_CLASSES, stats[s]['class_pixels'].tolist()))
    meta = _meta(counts, stats, seed, height, width, hfov_deg,
                 class_profile)
    with open(out_dir / 'meta.json', 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    return dict(out_dir=str(out_dir), num_images=counts,
                files_written=len(tasks) * len(FOLDERS) + 1,
                files_removed=removed,
                seconds=time.perf_counter() - start, meta=meta)
