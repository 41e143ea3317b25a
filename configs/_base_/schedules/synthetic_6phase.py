# Six phases on the synthetic scenes (semantic -> depth -> normal -> edge ->
# albedo -> shading), each on its own contiguous sixth (480 // 6 = 80) of
# the training images, with the 3-phase schedule's 150 iterations per phase.
# The first three phases are the 3-phase sequence; the last three add a
# classification task (edges) and two photometric regressions whose product
# is the image, shading last so that albedo is distilled while its
# complement is learned.
_base_ = './synthetic_3phase.py'
train_cfg = dict(
    phases=[
        dict(task='semantic', max_iters={{_base_.phase_iters}}),
        dict(task='depth', max_iters={{_base_.phase_iters}},
             optim_wrapper={{_base_.continual_optim}}),
        dict(task='normal', max_iters={{_base_.phase_iters}},
             optim_wrapper={{_base_.continual_optim}}),
        dict(task='edge', max_iters={{_base_.phase_iters}},
             optim_wrapper={{_base_.continual_optim}}),
        dict(task='albedo', max_iters={{_base_.phase_iters}},
             optim_wrapper={{_base_.continual_optim}}),
        dict(task='shading', max_iters={{_base_.phase_iters}},
             optim_wrapper={{_base_.continual_optim}}),
    ])
