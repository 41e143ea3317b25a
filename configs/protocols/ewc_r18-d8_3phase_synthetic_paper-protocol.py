# ewc on the synthetic scenes under the paper's protocol (no StudentModeHook,
# no augmentation, shuffle=False): configs/_base_/protocols/paper.py.
_base_ = [
    '../baselines/ewc_r18-d8_3phase_synthetic.py',
    '../_base_/protocols/paper.py',
]
custom_hooks = {{_base_.paper_hooks_ewc}}
train_dataloader = {{_base_.paper_train_dataloader}}
