# Taskonomy views converted by tools/dataset_converters/taskonomy.py
# (TaskonomyMultiTaskDataset): 18 pseudo-semantic classes, z-buffer depth
# (metres), surface normals and occlusion edges. Put (or link) it at
# data/taskonomy. Pipelines, batch sizes and evaluator are NYUv2's. Every task
# is read by default; a tree converted with fewer --tasks needs
# `dataset=dict(tasks=(...))` (the converted ones).
_base_ = './nyuv2.py'
dataset_type = 'TaskonomyMultiTaskDataset'
data_root = 'data/taskonomy'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
