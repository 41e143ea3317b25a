# HAD in the paper's exact loss form: eps 1e-6 inside DB-HAD's log for every
# task (mmhad uses 0.1 for depth / normals) and zero Sobel padding (mmhad
# replicates the border, so the image border is no edge).
_base_ = '../had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
paper_loss = dict(eps=1e-6, sobel_padding='zeros')
distill_loss = dict(
    losses=dict(semantic=paper_loss, depth=paper_loss, normal=paper_loss))
train_cfg = dict(method='had-paper')
