# HAD on the synthetic scenes, six tasks: semantic -> depth -> normal ->
# edge -> albedo -> shading (runs on a CPU; mmhad's stand-in for the paper's
# 10-task Taskonomy sequence).
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_synthetic6.py',
    '../_base_/datasets/synthetic_scenes6.py',
    '../_base_/schedules/synthetic_6phase.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(method='had')
