# LwF-style plain distillation on NYUv2, dilated ResNet-50,
# semantic -> depth -> normal, 20 epochs per task.
_base_ = [
    '../_base_/models/mt_deeplabv3_r50-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/lwf.py',
]
train_cfg = dict(method='lwf')
