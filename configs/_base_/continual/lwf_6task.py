# LwF-style distillation (_base_/continual/lwf.py) for the six synthetic
# tasks: the same pseudo-labels as HAD, plain mean of the per-pixel loss.
_base_ = './lwf.py'
distill_loss = dict(
    losses=dict(
        edge=dict(type='HADLoss', output_type='segmentation', mode='lwf'),
        albedo=dict(type='HADLoss', output_type='regression', mode='lwf'),
        shading=dict(type='HADLoss', output_type='regression', mode='lwf')))
