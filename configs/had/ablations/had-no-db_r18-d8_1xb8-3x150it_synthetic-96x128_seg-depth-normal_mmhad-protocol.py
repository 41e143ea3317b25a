# HAD without DB-HAD (SG term only), the paper's w/o-DB ablation.
_base_ = '../had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
switch = dict(use_db=False)
distill_loss = dict(
    losses=dict(
        semantic=switch,
        depth=switch,
        normal=switch))
train_cfg = dict(method='had-no-db')
