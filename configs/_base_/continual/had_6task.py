# HAD (_base_/continual/had.py) for the six synthetic tasks: edges are
# classes (DB-HAD groups by pseudo-class), albedo and shading are regressions
# (DB-HAD splits the min-max normalised pseudo-value at delta).
_base_ = './had.py'
distill_loss = dict(
    losses=dict(
        edge=dict(type='HADLoss'),
        albedo=dict(type='HADLoss', eps=0.1),
        shading=dict(type='HADLoss', eps=0.1)))
