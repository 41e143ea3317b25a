# NYUv2 in MTAN's .npy layout (795 train / 654 val, 288x384): 13 classes,
# depth (metres), surface normals. Put (or link) it at data/nyuv2.
dataset_type = 'NYUv2MultiTaskDataset'
data_root = 'data/nyuv2'
train_pipeline = [
    dict(type='LoadMultiTaskImageFromNpy'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='RandomScaleCropMultiTask', scales=(1.0, 1.2, 1.5)),
    dict(type='RandomFlipMultiTask', prob=0.5),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadMultiTaskImageFromNpy'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# region_metrics: also score where HAD acts (rare classes / depths, edge
# bands; keys with '@', kept out of Δm and forgetting).
val_evaluator = dict(type='MultiTaskMetric', region_metrics=True)
test_evaluator = val_evaluator
