# LwF-style distillation (_base_/continual/lwf.py) for the six synthetic
# tasks: the same pseudo-labels as HAD, plain mean of the per-pixel loss.
_base_ = './lwf.py'
distill_loss = dict(
    losses=dict(
        edge=dict(type='LwFLoss'),
        albedo=dict(type='LwFLoss'),
        shading=dict(type='LwFLoss')))
