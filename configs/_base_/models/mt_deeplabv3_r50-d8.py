# Dilated ResNet-50 (output stride 8) + one ASPP head per task.
_base_ = './mt_deeplabv3_r18-d8.py'
model = dict(
    backbone=dict(
        depth=50,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    decode_heads=dict(
        semantic=dict(in_channels=2048),
        depth=dict(in_channels=2048),
        normal=dict(in_channels=2048)))
