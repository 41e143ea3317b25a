# HAD in the paper's loss form under the paper's protocol: the closest this
# project gets to the paper on the synthetic scenes.
_base_ = [
    './had-paper_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
    '../../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_had}}
train_dataloader = {{_base_.paper_train_dataloader}}
