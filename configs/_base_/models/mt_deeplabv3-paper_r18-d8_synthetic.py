# CPU-sized variant of mt_deeplabv3-paper_r18-d8 for the synthetic scenes:
# plain BN (SyncBN has no CPU kernel), random init (nothing downloads), 6
# classes, 64-channel heads with the paper's tail (projection, Dropout(0.5),
# 3x3 conv), as mt_deeplabv3_r18-d8_synthetic is to mt_deeplabv3_r18-d8.
_base_ = './mt_deeplabv3-paper_r18-d8.py'
norm_cfg = dict(type='BN', requires_grad=True)
head = dict(channels=64, norm_cfg=norm_cfg)
model = dict(
    backbone=dict(norm_cfg=norm_cfg, init_cfg=None),
    decode_heads=dict(
        semantic=dict(num_classes=6, **head),
        depth=dict(**head),
        normal=dict(**head)))
