"""Checks shared by the converter tests: a converted tree is read by mmhad's
dataset class through the user's pipeline and passes
tools/misc/check_dataset.py."""
import glob
import os.path as osp

import numpy as np
from mmseg.registry import DATASETS

from mmhad.utils.cli import run_tool
from tests.test_tools.utils import load_tool

check_tool = load_tool('misc/check_dataset.py')

#: The pipeline the dataset configs use for validation.
PIPELINE = [
    dict(type='LoadMultiTaskImageFromNpy'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]


def count_files(root: str, split: str, folders) -> dict:
    """Number of ``{i}.npy`` files of each folder of a converted split."""
    return {f: len(glob.glob(osp.join(root, split, f, '*.npy')))
            for f in folders}


def load_every_sample(dataset_cfg: dict) -> list:
    """Build the dataset with :data:`PIPELINE` and load all its samples."""
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=PIPELINE))
    samples = [dataset[i] for i in range(len(dataset))]
    for sample in samples:
        assert np.isfinite(sample['inputs'].numpy()).all()
    return samples


def check_dataset_passes(config: str, root: str, capsys) -> str:
    """Run ``tools/misc/check_dataset.py`` on ``config`` with every
    dataloader pointed at ``root``; assert exit code 0, return the output."""
    options = [f'{key}.dataset.data_root={root}' for key in (
        'train_dataloader', 'val_dataloader', 'test_dataloader')]
    code = run_tool(check_tool.main, [config, '--cfg-options', *options])
    out = capsys.readouterr().out
    assert code == 0, out
    return out
