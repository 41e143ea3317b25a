# LwF-style plain distillation on the synthetic scenes with the paper's
# architecture (torchvision-style ResNet-18, DeepLabV3 heads with the paper's
# tail).
_base_ = [
    '../_base_/models/mt_deeplabv3-paper_r18-d8_synthetic.py',
    '../_base_/datasets/synthetic_scenes.py',
    '../_base_/schedules/synthetic_3phase.py',
    '../_base_/default_runtime.py',
    '../_base_/continual/lwf.py',
]
train_cfg = dict(method='lwf')
