# Sequential fine-tuning (lower bound) on Cityscapes (7 classes + disparity),
# dilated ResNet-18, semantic -> depth, 20 epochs per task.
# Model and data: ../joint/joint_r18-d8_cityscapes-7cls.py.
_base_ = [
    '../joint/joint_r18-d8_cityscapes-7cls.py',
    '../_base_/continual/finetune.py',
]
train_cfg = dict(
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='depth', max_epochs=20),
    ],
    method='finetune')
