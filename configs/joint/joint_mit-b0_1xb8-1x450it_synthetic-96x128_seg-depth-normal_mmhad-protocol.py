# Backbone swap by config: joint training on the synthetic scenes with
# mmseg's MixVisionTransformer (SegFormer's MiT-b0) instead of ResNet-18.
# The heads read the last stage (256 channels, output stride 32).
# Random init (pretrained=None, init_cfg=None): nothing downloads.
_base_ = './joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(3, ),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=None),
    decode_heads=dict(
        semantic=dict(in_channels=256),
        depth=dict(in_channels=256),
        normal=dict(in_channels=256)))
