# HAD with an arithmetic instead of geometric group mean (paper ablation).
_base_ = '../had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
switch = dict(mean='arithmetic')
distill_loss = dict(
    losses=dict(
        semantic=switch,
        depth=switch,
        normal=switch))
train_cfg = dict(method='had-arith-mean')
