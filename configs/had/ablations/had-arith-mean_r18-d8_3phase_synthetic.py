# HAD with an arithmetic instead of geometric group mean (paper ablation).
_base_ = '../had_r18-d8_3phase_synthetic.py'
switch = dict(mean='arithmetic')
model = dict(
    distill_loss=dict(
        losses=dict(
            semantic=switch,
            depth=switch,
            normal=switch)))
train_cfg = dict(method='had-arith-mean')
