# Joint training (upper bound) on Cityscapes (MTAN 128x256, 7 classes +
# disparity): one phase, both tasks on every training image, 20 epochs.
# Also the Cityscapes model (dilated ResNet-18, one ASPP head for semantic and
# one for depth) that the continual Cityscapes configs inherit.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8.py',
    '../_base_/datasets/cityscapes.py',
    '../_base_/schedules/cityscapes_2phase_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    decode_heads=dict(
        _delete_=True,  # Cityscapes has no surface normals
        # The NYUv2 semantic head of the model base with 7 classes
        # (tests/test_configs.py checks the two stay the same otherwise).
        semantic=dict(
            type='ASPPHead',
            num_classes=7,
            in_channels=512,
            channels=256,
            dilations=(1, 12, 24, 36),
            dropout_ratio=0.1,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                avg_non_ignore=True,  # mean over labelled pixels only
                loss_weight=1.0,
                loss_name='loss_ce')),
        # DepthASPPHead is non-negative, so it fits disparity as well.
        depth={{_base_.model.decode_heads.depth}}))
# 20 epochs over all 2975 images: each image is seen as often as in one
# continual phase; about the same number of steps as the two phases together.
train_cfg = dict(
    phases=[dict(task=['semantic', 'depth'], max_epochs=20)],
    method='joint')
