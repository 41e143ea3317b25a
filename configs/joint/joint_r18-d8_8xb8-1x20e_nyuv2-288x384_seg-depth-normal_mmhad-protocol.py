# Joint training (upper bound) on NYUv2, dilated ResNet-18: one phase, the
# three tasks on all 795 training images, 20 epochs.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
]
# 20 epochs over all 795 images: each image is seen as often as in one
# continual phase; about the same number of steps as the three phases
# together (13 x 20 = 260 vs 3 x 100 at a global batch of 64).
train_cfg = dict(
    phases=[dict(task=['semantic', 'depth', 'normal'], max_epochs=20)],
    method='joint')
