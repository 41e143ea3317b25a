# finetune under the paper's protocol (no StudentModeHook, no augmentation,
# shuffle=False): configs/_base_/protocols/paper.py over the mmhad-protocol
# config of the same name.
_base_ = [
    './finetune_r18-d8_8xb8-2x20e_cityscapes-7cls-128x256_seg-depth_mmhad-protocol.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_finetune}}
train_dataloader = {{_base_.paper_train_dataloader}}
