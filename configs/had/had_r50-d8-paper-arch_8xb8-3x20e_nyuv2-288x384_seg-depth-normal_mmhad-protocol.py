# HAD on NYUv2 with the paper's architecture: torchvision-style dilated
# ResNet-50 (torchvision://resnet50) + DeepLabV3 heads with the paper's tail,
# semantic -> depth -> normal, 20 epochs per task.
_base_ = [
    '../_base_/models/mt_deeplabv3-paper_r50-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(method='had')
