# HAD: a frozen teacher (previous phase's model) labels the new images for
# every old task; the student's old heads are distilled with DB-HAD + SG-HAD.
# Total = new-task loss + lambda * mean over old tasks of (DB + SG) / 2.
# Each task's HADLoss takes its output_type (per-pixel loss and DB grouping)
# from the task type's `distill` rule: classes (semantic, edge) are grouped
# by pseudo-class, regressions (depth, albedo, shading) split at delta of the
# min-max normalised pseudo-value, normals by angle.
# `distill_loss` is read by TeacherHook, which builds it for the tasks the
# model has heads for, so a leaf config only lists this file in `_base_`;
# it changes a term with e.g. distill_loss = dict(losses=dict(depth=dict(
# eps=1e-6))) or `--cfg-options distill_loss.loss_weight=1`.
distill_loss = dict(
    type='HADDistillLoss',
    loss_weight=3.0,  # lambda of the authors' release
    losses=dict(
        semantic=dict(type='HADLoss'),
        depth=dict(type='HADLoss', eps=0.1),
        normal=dict(type='HADLoss', eps=0.1),
        edge=dict(type='HADLoss'),
        albedo=dict(type='HADLoss', eps=0.1),
        shading=dict(type='HADLoss', eps=0.1)))
# eps is the offset in DB-HAD's log(l + eps), in the loss's unit (depth: m;
# normals: 1 - cos). The gradient of the geometric mean weighs a pixel by
# 1 / (l + eps): with the default 1e-6 pixels the student already matches
# dominate and large depth errors are hardly corrected. On the synthetic
# scenes (seed 10, 48x64) eps 0.1 ended with depth abs_err 0.889 m against
# 0.963 m at 1e-6. Cross-entropy's gradient stays bounded: default eps.
custom_hooks = [dict(type='TeacherHook'), dict(type='StudentModeHook')]
# Heads of tasks not learned yet take no part in a step.
find_unused_parameters = True
