# Single-task reference on the synthetic scenes (runs on a CPU): ResNet-18
# with only the semantic head, 450 iterations on all images (as joint).
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_synthetic.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/synthetic_3phase.py',
    '../_base_/default_runtime.py',
]
model = dict(
    decode_heads=dict(
        _delete_=True,  # keep only this task's head
        semantic={{_base_.model.decode_heads.semantic}}))
train_cfg = dict(
    phases=[dict(task='semantic', max_iters=450)], method='single-seg')
val_dataloader = dict(dataset=dict(tasks=['semantic']))
test_dataloader = val_dataloader
