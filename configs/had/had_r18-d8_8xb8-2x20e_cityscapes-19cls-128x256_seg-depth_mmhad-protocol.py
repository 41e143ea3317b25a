# HAD on Cityscapes with the 19 standard classes (label_19) + disparity,
# dilated ResNet-18, semantic -> depth.
_base_ = './had_r18-d8_8xb8-2x20e_cityscapes-7cls-128x256_seg-depth_mmhad-protocol.py'
num_classes = 19
model = dict(decode_heads=dict(semantic=dict(num_classes=num_classes)))
train_dataloader = dict(dataset=dict(num_classes=num_classes))
val_dataloader = dict(dataset=dict(num_classes=num_classes))
test_dataloader = val_dataloader
