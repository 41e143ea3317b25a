# HAD on Cityscapes (7 classes + disparity), dilated ResNet-18,
# task order depth -> semantic.
_base_ = './had_r18-d8_8xb8-2x20e_cityscapes-7cls-128x256_seg-depth_mmhad-protocol.py'
train_cfg = dict(
    phases=[
        dict(task='depth', max_epochs=20),
        dict(task='semantic', max_epochs=20),
    ])
