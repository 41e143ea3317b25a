# lwf on the synthetic scenes with the paper's architecture and the paper's
# protocol (no StudentModeHook, no augmentation, shuffle=False).
_base_ = [
    './lwf_r18-d8-paper-arch_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_had}}
train_dataloader = {{_base_.paper_train_dataloader}}
