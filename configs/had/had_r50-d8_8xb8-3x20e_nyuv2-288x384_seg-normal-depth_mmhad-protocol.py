# HAD on NYUv2, dilated ResNet-50, task order semantic -> normal -> depth.
_base_ = './had_r50-d8_8xb8-3x20e_nyuv2-288x384_seg-depth-normal_mmhad-protocol.py'
train_cfg = dict(
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='normal', max_epochs=20),
        dict(task='depth', max_epochs=20),
    ])
