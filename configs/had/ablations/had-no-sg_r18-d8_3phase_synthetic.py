# HAD without SG-HAD (DB term only), the paper's w/o-SG ablation.
_base_ = '../had_r18-d8_3phase_synthetic.py'
switch = dict(use_sg=False)
model = dict(
    distill_loss=dict(
        losses=dict(
            semantic=switch,
            depth=switch,
            normal=switch)))
train_cfg = dict(method='had-no-sg')
