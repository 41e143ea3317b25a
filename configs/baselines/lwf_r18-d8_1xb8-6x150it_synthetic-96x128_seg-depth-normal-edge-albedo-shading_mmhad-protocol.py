# LwF-style plain distillation on the six-task synthetic sequence.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_synthetic6.py',
    '../_base_/datasets/synthetic_scenes6.py',
    '../_base_/schedules/synthetic_6phase.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/lwf.py',
]
train_cfg = dict(method='lwf')
