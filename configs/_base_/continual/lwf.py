# LwF-style distillation: the same teacher pseudo-labels as HAD, plain mean
# of the per-pixel distillation loss (no DB / SG balancing). Each task's
# per-pixel loss follows its task type's `distill` rule (segmentation and
# edge CE, regression L1, normal 1 - cos). TeacherHook reads `distill_loss`
# and builds it for the tasks the model has heads for (see had.py).
distill_loss = dict(
    type='HADDistillLoss',
    loss_weight=3.0,
    losses=dict(
        semantic=dict(type='LwFLoss'),
        depth=dict(type='LwFLoss'),
        normal=dict(type='LwFLoss'),
        edge=dict(type='LwFLoss'),
        albedo=dict(type='LwFLoss'),
        shading=dict(type='LwFLoss')))
custom_hooks = [dict(type='TeacherHook'), dict(type='StudentModeHook')]
find_unused_parameters = True
