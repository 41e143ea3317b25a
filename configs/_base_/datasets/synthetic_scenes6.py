# Synthetic scenes with all six tasks (generator >= 1.1.0, `make data`):
# semantic, depth, normal, occlusion edges, albedo and shading.
_base_ = './synthetic_scenes.py'
synthetic_tasks = ('semantic', 'depth', 'normal', 'edge', 'albedo', 'shading')
train_dataloader = dict(dataset=dict(tasks=synthetic_tasks))
val_dataloader = dict(dataset=dict(tasks=synthetic_tasks))
test_dataloader = val_dataloader
