# HAD without DB-HAD (SG term only), the paper's w/o-DB ablation.
_base_ = '../had_r18-d8_3phase_synthetic.py'
switch = dict(use_db=False)
model = dict(
    distill_loss=dict(
        losses=dict(
            semantic=switch,
            depth=switch,
            normal=switch)))
train_cfg = dict(method='had-no-db')
