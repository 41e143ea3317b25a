# LwF-style plain distillation on Cityscapes (7 classes + disparity), dilated
# ResNet-18, semantic -> depth, 20 epochs per task.
# Model and data: ../joint/joint_r18-d8_cityscapes-7cls.py.
_base_ = [
    '../joint/joint_r18-d8_cityscapes-7cls.py',
    '../_base_/continual/lwf.py',
]
train_cfg = dict(
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='depth', max_epochs=20),
    ],
    method='lwf')
# The LwF losses of the two Cityscapes tasks (no normal head here).
model = dict(
    distill_loss=dict(
        type='HADDistillLoss',
        loss_weight={{_base_.distill_loss.loss_weight}},
        losses=dict(
            semantic={{_base_.distill_loss.losses.semantic}},
            depth={{_base_.distill_loss.losses.depth}})))
