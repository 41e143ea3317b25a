"""Fixtures: tiny fake MTAN ``.npy`` datasets written to ``tmp_path``."""
from typing import Callable

import numpy as np
import pytest
from tests.test_datasets.mtan_fakes import CITYSCAPES_FOLDERS, write_split


@pytest.fixture
def nyu_root(tmp_path) -> str:
    """NYUv2-like root: ``train`` with 5 samples, ``val`` with 3, 8x12."""
    root = str(tmp_path / 'nyuv2')
    write_split(root, 'train', 5)
    write_split(root, 'val', 3)
    return root


@pytest.fixture
def cityscapes_root(tmp_path) -> str:
    """Cityscapes-like root: ``train`` with 4 samples, 8x12."""
    root = str(tmp_path / 'cityscapes')
    write_split(root, 'train', 4, CITYSCAPES_FOLDERS)
    return root


@pytest.fixture
def save_npy(tmp_path) -> Callable[[str, np.ndarray], str]:
    """Save an array as ``tmp_path/arrays/{name}.npy`` and return the path."""

    def _save(name: str, array: np.ndarray) -> str:
        folder = tmp_path / 'arrays'
        folder.mkdir(exist_ok=True)
        path = str(folder / f'{name}.npy')
        np.save(path, array)
        return path

    return _save
