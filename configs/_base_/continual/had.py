# HAD: a frozen teacher (previous phase's model) labels the new images for
# every old task; the student's old heads are distilled with DB-HAD + SG-HAD.
# Total = new-task loss + lambda * mean over old tasks of (DB + SG) / 2.
# A leaf config inherits this beside a model base and writes
#   model = dict(distill_loss={{_base_.distill_loss}})
distill_loss = dict(
    type='HADDistillLoss',
    loss_weight=3.0,  # lambda of the authors' release
    losses=dict(
        semantic=dict(type='HADLoss', output_type='segmentation'),
        depth=dict(type='HADLoss', output_type='regression'),
        normal=dict(type='HADLoss', output_type='normal')))
custom_hooks = [dict(type='TeacherHook')]
# Heads of tasks not learned yet take no part in a step.
find_unused_parameters = True
