# The dilated ResNet-18 multi-task model for Cityscapes: a 7-class semantic
# head and a depth head (non-negative, so it fits disparity); no normals.
_base_ = './mt_deeplabv3_r18-d8.py'
model = dict(decode_heads=dict(semantic=dict(num_classes=7), normal=None))
