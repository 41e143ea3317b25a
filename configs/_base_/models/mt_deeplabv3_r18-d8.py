# Dilated ResNet-18 (output stride 8) shared by one DeepLabV3 ASPP head per
# task (rates 12/24/36), as in the HAD paper. Heads read the last stage.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='MultiTaskDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=False,  # images are loaded as RGB
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8)
aspp = dict(
    in_channels=512,
    channels=256,
    dilations=(1, 12, 24, 36),
    dropout_ratio=0.1,
    norm_cfg=norm_cfg,
    align_corners=False)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    decode_heads=dict(
        semantic=dict(
            type='ASPPHead',
            num_classes=13,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                avg_non_ignore=True,  # mean over labelled pixels only
                loss_weight=1.0,
                loss_name='loss_ce'),
            **aspp),
        depth=dict(type='DepthASPPHead', **aspp),
        normal=dict(type='NormalASPPHead', **aspp)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
