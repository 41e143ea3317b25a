"""A tiny Taskonomy-style tree ({domain}/{building}/point_P_view_V_domain_
{domain}.png) and its conversion by tools/dataset_converters/taskonomy.py,
shared by the converter's and the dataset's tests."""
import os
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np
from tests.test_tools.utils import load_tool

tk = load_tool('dataset_converters/taskonomy.py')

H, W = 8, 12
SPLITS = {'train': ['allensville', 'beechwood'], 'val': ['collierville']}
VIEWS = ['point_0_view_0', 'point_3_view_1']
TASKS = ['depth_zbuffer', 'normal', 'segment_semantic', 'edge_occlusion']
#: What :func:`convert_tree` passes as ``--edge-threshold``.
EDGE_THRESHOLD = 2


def fake_view(seed: int) -> Dict[str, np.ndarray]:
    """The PNG values of one view (RGB channel order), by domain.

    Depth 2 m (1024 / 512) except row 0 (no surface); normals (~0, ~0, -1);
    labels ``column % 4`` (id 0 is ignored by default); an edge of strength
    3000 in column 5 and of 1 (below :data:`EDGE_THRESHOLD`) in column 6.
    """
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    depth = np.full((H, W), 1024, np.uint16)  # 2 m
    depth[0, :] = 65535  # no surface
    normal = np.zeros((H, W, 3), np.uint8)  # RGB
    normal[...] = (128, 128, 0)  # (~0, ~0, -1): a wall facing the camera
    label = np.tile(np.arange(W, dtype=np.uint8) % 4, (H, 1))  # 0 ignored
    edge = np.zeros((H, W), np.uint16)
    edge[:, 5] = 3000
    edge[:, 6] = 1  # below --edge-threshold 2
    return dict(rgb=rgb, depth_zbuffer=depth, normal=normal,
                segment_semantic=label, edge_occlusion=edge)


def write_tree(root: str) -> str:
    """Write every view of :data:`SPLITS` x :data:`VIEWS` under ``root``
    (view ``k`` in that order has :func:`fake_view` seed ``k``)."""
    seed = 0
    for buildings in SPLITS.values():
        for building in buildings:
            for view in VIEWS:
                for domain, array in fake_view(seed).items():
                    path = tk.view_path(root, domain, building, view)
                    os.makedirs(osp.dirname(path), exist_ok=True)
                    if array.ndim == 3:  # RGB -> cv2's BGR
                        array = np.ascontiguousarray(array[..., ::-1])
                    assert cv2.imwrite(path, array)
                seed += 1
    return root


def convert_tree(root: str, out: str, tasks: List[str] = TASKS) -> str:
    """Run the converter's command line on a :func:`write_tree` tree."""
    args = ['--root', root, '--out', out, '--tasks', *tasks,
            '--edge-threshold', str(EDGE_THRESHOLD)]
    for split, buildings in SPLITS.items():
        args += ['--split', f'{split}={",".join(buildings)}']
    assert tk.main(args) == 0
    return out
