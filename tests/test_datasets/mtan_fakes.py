"""Helpers that write tiny fake datasets in MTAN's ``.npy`` layout."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

H, W = 8, 12


def fake_sample(i: int, folder: str, h: int = H, w: int = W) -> np.ndarray:
    """Deterministic content of ``{folder}/{i}.npy`` (valid per contract)."""
    rng = np.random.default_rng(1000 + i)
    if folder == 'image':
        return rng.uniform(0, 1, (h, w, 3)).astype(np.float32)
    if folder.startswith('label'):
        num_classes = {'label': 13, 'label_7': 7, 'label_19': 19}[folder]
        label = rng.integers(0, num_classes, (h, w)).astype(np.float32)
        label[0, :3] = -1  # a few ignored pixels
        label[1, 0] = num_classes - 1  # the largest id always occurs
        return label
    if folder == 'depth':
        depth = rng.uniform(0.5, 10, (h, w, 1)).astype(np.float32)
        depth[-1, -2:] = 0  # invalid
        return depth
    if folder == 'disparity':  # Cityscapes' ``depth`` folder
        disp = rng.uniform(0.01, 0.49, (h, w, 1)).astype(np.float32)
        disp[-1, -2:] = 0
        return disp
    if folder == 'normal':
        normal = rng.normal(size=(h, w, 3))
        normal /= np.linalg.norm(normal, axis=2, keepdims=True)
        normal = normal.astype(np.float32)
        normal[0, -1] = 0  # invalid
        return normal
    raise KeyError(folder)


NYU_FOLDERS = ('image', 'label', 'depth', 'normal')
# on-disk folder -> kind of content written by ``fake_sample``
CITYSCAPES_FOLDERS = dict(
    image='image', label_7='label_7', label_19='label_19', depth='disparity')


def write_split(root: str,
                split: str,
                n: int,
                folders: Optional[Dict[str, str]] = None,
                h: int = H,
                w: int = W) -> None:
    """Write ``n`` samples of ``split`` into ``root``."""
    folders = folders or {f: f for f in NYU_FOLDERS}
    for folder, kind in folders.items():
        out = osp.join(root, split, folder)
        os.makedirs(out, exist_ok=True)
        for i in range(n):
            np.save(osp.join(out, f'{i}.npy'), fake_sample(i, kind, h, w))


def nyu_pipeline(train: bool = False,
                 scales: Sequence[float] = (1.0, 1.2, 1.5)) -> list:
    """The pipeline a user would configure."""
    pipeline = [
        dict(type='LoadMultiTaskImageFromNpy'),
        dict(type='LoadMultiTaskAnnotations'),
    ]
    if train:
        pipeline += [
            dict(type='RandomScaleCropMultiTask', scales=tuple(scales)),
            dict(type='RandomFlipMultiTask', prob=0.5),
        ]
    return pipeline + [dict(type='PackMultiTaskInputs')]
