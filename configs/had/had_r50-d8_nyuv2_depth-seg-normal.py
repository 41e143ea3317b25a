# HAD on NYUv2, dilated ResNet-50, task order depth -> semantic -> normal.
_base_ = './had_r50-d8_nyuv2_seg-depth-normal.py'
train_cfg = dict(
    phases=[
        dict(task='depth', max_epochs=20),
        dict(task='semantic', max_epochs=20),
        dict(task='normal', max_epochs=20),
    ])
