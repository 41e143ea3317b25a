# Runtime shared by every mmhad config: mmseg's defaults plus the plugin.
_base_ = 'mmseg::_base_/default_runtime.py'

custom_imports = dict(imports=['mmhad'], allow_failed_imports=False)
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/ switch to gloo without CUDA
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)

# Drawing (off unless a visualization hook draws, e.g. tools/test.py
# --show-dir): one panel per sample, every task through its definition's
# `draw` spec. Add TensorboardVisBackend / WandbVisBackend to send the panels
# (and scalars) there too (docs/visualization.md).
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='MultiTaskVisualizer',
    vis_backends=vis_backends,
    name='visualizer',
    min_cell_width=256)  # small inputs are enlarged to readable cells
