# Single-task reference on NYUv2: dilated ResNet-18 with only the semantic
# head, one phase of 20 epochs on all 795 training images.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8.py',
    '../_base_/datasets/nyuv2.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    decode_heads=dict(
        _delete_=True,  # keep only this task's head
        semantic={{_base_.model.decode_heads.semantic}}))
# Same number of epochs (and images) as the joint run.
train_cfg = dict(
    phases=[dict(task='semantic', max_epochs=20)], method='single-seg')
val_dataloader = dict(dataset=dict(tasks=['semantic']))
test_dataloader = val_dataloader
