# HAD on the synthetic scenes, semantic -> depth -> normal (runs on a CPU).
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_synthetic.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/synthetic_3phase.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(method='had')
