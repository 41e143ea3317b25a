# HAD on Cityscapes (MTAN 128x256, 7 classes + disparity), dilated ResNet-18,
# semantic -> depth, 20 epochs per task on disjoint halves of the train set.
# Model and data: ../joint/joint_r18-d8_cityscapes-7cls.py.
_base_ = [
    '../joint/joint_r18-d8_cityscapes-7cls.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='depth', max_epochs=20),
    ],
    method='had')
# The HAD losses of the two Cityscapes tasks (no normal head here).
model = dict(
    distill_loss=dict(
        type='HADDistillLoss',
        loss_weight={{_base_.distill_loss.loss_weight}},
        losses=dict(
            semantic={{_base_.distill_loss.losses.semantic}},
            depth={{_base_.distill_loss.losses.depth}})))
