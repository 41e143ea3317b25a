# Backbone swap by config: joint training on the synthetic scenes with
# mmpretrain's ResNet-18 (dilated to output stride 8) instead of mmseg's
# ResNetV1c. Any mmpretrain backbone works as type='mmpretrain.<Name>'.
# Random init (mmpretrain's default Kaiming / constant): nothing downloads.
_base_ = './joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=18,
        num_stages=4,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_indices=(3, ),
        style='pytorch',
        norm_cfg=norm_cfg,
        norm_eval=False))
