# HAD on a Taskonomy tree converted at 256x256 (tools/dataset_converters/
# taskonomy.py --size 256x256): dilated ResNet-18, semantic -> depth ->
# normal -> edge (occlusion edges), 20 epochs per task on contiguous
# quarters of the train split. Another sequence of its tasks is this file
# with other train_cfg.phases.
_base_ = [
    '../_base_/models/mt_deeplabv3_r18-d8_taskonomy.py',
    '../_base_/datasets/taskonomy.py',
    '../_base_/schedules/nyuv2_3phase_20e.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/had.py',
]
train_cfg = dict(
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='depth', max_epochs=20),
        dict(task='normal', max_epochs=20),
        dict(task='edge', max_epochs=20),
    ],
    method='had')
