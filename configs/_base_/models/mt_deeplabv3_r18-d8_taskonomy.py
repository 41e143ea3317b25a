# The dilated ResNet-18 multi-task model for Taskonomy (_base_/datasets/
# taskonomy.py): semantic (the 18 ids of TaskonomyMultiTaskDataset's classes),
# depth and normal heads of mt_deeplabv3_r18-d8 plus occlusion edges (2-class
# CE, class weights (1, 5) by default: EdgeASPPHead).
_base_ = './mt_deeplabv3_r18-d8.py'
model = dict(
    decode_heads=dict(
        semantic=dict(num_classes=18),
        edge=dict(_base_.aspp, type='EdgeASPPHead')))
