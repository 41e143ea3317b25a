# HAD on Cityscapes with the 19 standard classes (label_19) + disparity,
# dilated ResNet-18, semantic -> depth.
_base_ = './had_r18-d8_cityscapes-7cls_seg-depth.py'
num_classes = 19
model = dict(decode_heads=dict(semantic=dict(num_classes=num_classes)))
train_dataloader = dict(dataset=dict(num_classes=num_classes))
val_dataloader = dict(dataset=dict(num_classes=num_classes))
test_dataloader = val_dataloader
