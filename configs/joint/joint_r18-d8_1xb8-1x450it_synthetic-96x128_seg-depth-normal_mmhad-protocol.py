# Joint multi-task training on all labels of all training images (upper
# bound): one phase that trains the three tasks together.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_synthetic.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/synthetic_3phase.py',
    '../_base_/default_runtime.py',
]
train_cfg = dict(
    phases=[dict(task=['semantic', 'depth', 'normal'], max_iters=450)],
    method='joint')
