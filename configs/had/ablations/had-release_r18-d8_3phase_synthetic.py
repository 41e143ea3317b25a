# HAD with the authors' release variants: softmax group weights, regression split on the raw student value.
_base_ = '../had_r18-d8_3phase_synthetic.py'
switch = dict(group_weighting='release_softmax', regression_split='release_raw_student')
model = dict(
    distill_loss=dict(
        losses=dict(
            semantic=switch,
            depth=switch,
            normal=switch)))
train_cfg = dict(method='had-release')
