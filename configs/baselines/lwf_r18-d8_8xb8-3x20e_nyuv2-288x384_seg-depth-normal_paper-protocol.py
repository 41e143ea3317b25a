# lwf under the paper's protocol (no StudentModeHook, no augmentation,
# shuffle=False): configs/_base_/protocols/paper.py over the mmhad-protocol
# config of the same name.
_base_ = [
    './lwf_r18-d8_8xb8-3x20e_nyuv2-288x384_seg-depth-normal_mmhad-protocol.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_had}}
train_dataloader = {{_base_.paper_train_dataloader}}
