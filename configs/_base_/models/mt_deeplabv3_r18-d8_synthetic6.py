# The CPU-sized synthetic model with six heads: semantic, depth and normal of
# mt_deeplabv3_r18-d8_synthetic plus occlusion edges (2-class CE, class
# weights (1, 5) by default), albedo (RGB in [0, 1]) and shading (in [0, 2]).
_base_ = './mt_deeplabv3_r18-d8_synthetic.py'
model = dict(
    decode_heads=dict(
        edge=dict(_base_.aspp, type='EdgeASPPHead', **_base_.head),
        albedo=dict(
            _base_.aspp, type='RegressionASPPHead', task='albedo',
            **_base_.head),
        shading=dict(
            _base_.aspp, type='RegressionASPPHead', task='shading',
            **_base_.head)))
