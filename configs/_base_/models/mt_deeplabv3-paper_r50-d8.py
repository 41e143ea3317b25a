# The HAD paper's architecture with a torchvision-style ResNet-50 (7x7 stem,
# torchvision ImageNet weights, output stride 8) and the paper's DeepLabV3
# heads (see mt_deeplabv3-paper_r18-d8.py); matches the release's dilation.
_base_ = './mt_deeplabv3-paper_r18-d8.py'
model = dict(
    backbone=dict(
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_heads=dict(
        semantic=dict(in_channels=2048),
        depth=dict(in_channels=2048),
        normal=dict(in_channels=2048)))
