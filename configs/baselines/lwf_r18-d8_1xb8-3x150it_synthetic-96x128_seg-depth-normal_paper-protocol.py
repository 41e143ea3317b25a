# lwf on the synthetic scenes under the paper's protocol (no StudentModeHook,
# no augmentation, shuffle=False): configs/_base_/protocols/paper.py.
_base_ = [
    './lwf_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_had}}
train_dataloader = {{_base_.paper_train_dataloader}}
