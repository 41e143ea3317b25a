# Joint training on the synthetic scenes under the paper's protocol (no
# augmentation, shuffle=False; joint training has no StudentModeHook to drop):
# configs/_base_/protocols/paper.py.
_base_ = [
    './joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
    '../_base_/protocols/paper.py',
]
train_dataloader = {{_base_.paper_train_dataloader}}
