# HAD on NYUv2 (13 classes / depth / normal), dilated ResNet-18 + ASPP heads,
# semantic -> depth -> normal, 20 epochs per task. Other orders inherit this.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(method='had')
