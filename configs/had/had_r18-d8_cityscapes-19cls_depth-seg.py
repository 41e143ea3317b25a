# HAD on Cityscapes with 19 classes + disparity, dilated ResNet-18,
# task order depth -> semantic.
_base_ = './had_r18-d8_cityscapes-19cls_seg-depth.py'
train_cfg = dict(
    phases=[
        dict(task='depth', max_epochs=20),
        dict(task='semantic', max_epochs=20),
    ])
