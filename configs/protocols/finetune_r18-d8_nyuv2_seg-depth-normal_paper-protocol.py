# finetune under the paper's protocol (no StudentModeHook, no augmentation,
# shuffle=False): configs/_base_/protocols/paper.py over the mmhad-protocol
# config of the same name.
_base_ = [
    '../baselines/finetune_r18-d8_nyuv2_seg-depth-normal.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_finetune}}
train_dataloader = {{_base_.paper_train_dataloader}}
