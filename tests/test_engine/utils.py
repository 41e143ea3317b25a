"""Run the real configs on a tiny synthetic dataset, in-process, on CPU."""
import copy
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.runner import Runner

from mmhad.datasets.synthetic_scenes import generate_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def make_tiny_scenes(root: str) -> str:
    """12 train / 4 val scenes of 32 x 48 pixels."""
    generate_dataset(root, num_train=12, num_val=4, height=32, width=48,
                     seed=0)
    return root


def tiny_config(config: str, data_root: str, work_dir: str,
                phase_iters: Optional[int] = 3, **overrides) -> Config:
    """A repo config shrunk to seconds: thin backbone and heads, batch 2,
    few iters."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
        cfg[key].batch_size = 2
    for head in cfg.model.decode_heads.values():
        head.channels = 16
        head.dilations = (1, 2)
    if cfg.model.backbone.type == 'ResNetV1c':
        # 8x thinner stages: 64 output channels, checkpoints of ~2 MB
        cfg.model.backbone.update(stem_channels=8, base_channels=8)
        for head in cfg.model.decode_heads.values():
            head.in_channels = 64
    if phase_iters is not None and cfg.train_cfg.type == 'ContinualTrainLoop':
        for phase in cfg.train_cfg.phases:
            phase.max_iters = phase_iters
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = 100
    cfg.merge_from_dict(copy.deepcopy(overrides))
    return cfg


def train(cfg: Config) -> Runner:
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner
