# Joint training (upper bound) on Cityscapes (MTAN 128x256, 7 classes +
# disparity): one phase, both tasks on every training image, 20 epochs.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_cityscapes.py',
    '../_base_/datasets/cityscapes.py',
    '../_base_/schedules/cityscapes_2phase_20e.py',
    '../_base_/default_runtime.py',
]
# 20 epochs over all 2975 images: each image is seen as often as in one
# continual phase; about the same number of steps as the two phases together.
train_cfg = dict(
    phases=[dict(task=['semantic', 'depth'], max_epochs=20)],
    method='joint')
