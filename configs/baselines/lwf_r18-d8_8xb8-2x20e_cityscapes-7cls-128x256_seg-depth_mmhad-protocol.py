# LwF-style distillation on Cityscapes (MTAN 128x256, 7 classes + disparity),
# dilated ResNet-18, semantic -> depth, 20 epochs per task on disjoint halves
# of the train set.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_cityscapes.py',
    '../_base_/datasets/cityscapes.py',
    '../_base_/schedules/cityscapes_2phase_20e.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/lwf.py',
]
train_cfg = dict(method='lwf')
