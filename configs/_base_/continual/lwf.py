# LwF-style distillation: the same teacher pseudo-labels as HAD, plain mean
# of the per-pixel distillation loss (no DB / SG balancing). A leaf config
# writes  model = dict(distill_loss={{_base_.distill_loss}})
distill_loss = dict(
    type='HADDistillLoss',
    loss_weight=3.0,
    losses=dict(
        semantic=dict(type='HADLoss', output_type='segmentation', mode='lwf'),
        depth=dict(type='HADLoss', output_type='regression', mode='lwf'),
        normal=dict(type='HADLoss', output_type='normal', mode='lwf')))
custom_hooks = [dict(type='TeacherHook'), dict(type='StudentModeHook')]
find_unused_parameters = True
