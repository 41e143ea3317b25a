# Cityscapes continual protocol of the HAD paper: two phases (semantic ->
# depth by default), each 20 epochs on its own contiguous half of the 2975
# training images (1487 each), Adam lr 1e-4, wd 1e-5.
_base_ = './adam_lhl.py'
train_cfg = dict(
    type='ContinualTrainLoop',
    phases=[
        dict(task='semantic', max_epochs=20),
        dict(task='depth', max_epochs=20),
    ],
    split=dict(mode='contiguous'))
# Batch 64 as on NYUv2: 8 per GPU (dataset base) x 8 GPUs, SyncBN.
auto_scale_lr = dict(enable=False, base_batch_size=64)
# At a global batch of 64 a phase is 24 x 20 = 480 iterations; a checkpoint
# phase{k}_{task}.pth is also written at the end of every phase.
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=200, max_keep_ckpts=2))
