# The paper's training protocol (arXiv 2603.26192; where the paper is silent,
# what the authors' release does), as switches a leaf config applies over an
# mmhad-protocol leaf. Names are prefixed `paper_` so that this file can sit
# beside any method base without duplicate keys; a leaf writes e.g.
#   custom_hooks = {{_base_.paper_hooks_had}}
#   train_dataloader = {{_base_.paper_train_dataloader}}
# What differs from the mmhad protocol (configs/_base_/continual/*.py and
# the dataset bases):
# * no StudentModeHook: the student trains fully in train mode (BN batch
#   statistics in every layer, dropout in the distilled heads);
# * no augmentation (the release's default: no flip);
# * the release's loader order: shuffle=False (its drop_last=True changes
#   nothing with the iteration-based InfiniteSampler used here).
paper_train_pipeline = [
    dict(type='LoadMultiTaskImageFromNpy'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
paper_train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(pipeline=paper_train_pipeline))
paper_hooks_finetune = []
paper_hooks_had = [dict(type='TeacherHook')]  # HAD and LwF
paper_hooks_ewc = [
    dict(type='EWCHook', ewc_lambda=1.0e4, num_batches=None,
         params=('backbone', 'neck'), per_sample=False)
]
