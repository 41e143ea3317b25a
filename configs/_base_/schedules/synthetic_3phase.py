# Three phases on the synthetic scenes (semantic -> depth -> normal), each on
# its own contiguous third of the 480 training images.
_base_ = './adam_lhl.py'
phase_iters = 150
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(
    type='ContinualTrainLoop',
    phases=[
        dict(task='semantic', max_iters=phase_iters),
        dict(task='depth', max_iters=phase_iters),
        dict(task='normal', max_iters=phase_iters),
    ],
    split=dict(mode='contiguous'))
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=100, max_keep_ckpts=1))
