# HAD with every loss-side deviation of the authors' release (github
# Deexaa/HAD, utility.py / methods/had.py); see
# mmhad/models/losses/had_loss.py.
# - lambda * SUM over the old tasks (the paper's mmhad form: the mean);
# - segmentation: softmax class weights, SG = mean of l * M over all pixels;
# - depth / normals: split on the raw student value at 0.5, arithmetic group
#   means summed over the two groups;
# - normals: per-pixel loss 1 - cos/3, SG = 1 - (unmasked sum) / (edge count);
# - Sobel with zero padding; eps 1e-6 (the release's geometric mean has none).
# The loop-side deviations (no augmentation, shuffle=False, drop_last=True,
# no StudentModeHook) belong to a protocol base: add it to _base_ as a list.
_base_ = '../had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
release = dict(sobel_padding='zeros', eps=1e-6)
release_dense = dict(
    release,
    mean='arithmetic',
    group_reduction='sum',
    regression_split='release_raw_student')
distill_loss = dict(
    task_reduction='sum',
    losses=dict(
        semantic=dict(
            release,
            group_weighting='release_softmax',
            sg_normalization='all_pixels'),
        depth=release_dense,
        normal=dict(
            release_dense,
            normal_loss='release_cos3',
            normal_sg='release_unmasked_sum')))
train_cfg = dict(method='had-release')
