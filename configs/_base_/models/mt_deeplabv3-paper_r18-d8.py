# The HAD paper's architecture (release: model/resnet_dilated.py, aspp.py):
# torchvision-style ResNet-18 (7x7 stem, ImageNet weights from torchvision),
# output stride 8, and per task a DeepLabV3 head: ASPP (1x1 + 3x3 at rates
# 12/24/36 + image pooling, 256 ch each) -> 1x1 projection 1280->256 + BN +
# ReLU -> Dropout(0.5) -> 3x3 conv 256 + BN + ReLU -> 1x1 to the task.
# Known difference, ResNet-18 only: the release dilates both 3x3 convs of a
# BasicBlock (layer3 conv1 1/2, conv2 2/2 in blocks 0/1; layer4 conv1 2/4,
# conv2 4/4); mmseg's BasicBlock dilates conv1 only (conv2 always 1), so the
# receptive field is smaller. ResNet-50 (Bottleneck) matches exactly.
_base_ = './mt_deeplabv3_r18-d8.py'
paper_head = dict(bottleneck='deeplabv3', dropout_ratio=0.5)
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        deep_stem=False,  # conv 7x7 stride 2 + max-pool, as torchvision
        style='pytorch',  # stride on the 3x3 conv (torchvision's v1.5)
        strides=(1, 2, 1, 1),  # layer3/4 keep stride 1: output stride 8
        dilations=(1, 1, 2, 4),
        contract_dilation=True,  # first block of a stage: half dilation
        norm_cfg={{_base_.norm_cfg}},
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    decode_heads=dict(
        semantic=dict(type='SemanticASPPHead', **paper_head),
        depth=dict(**paper_head),
        normal=dict(**paper_head)))
