# EWC (Kirkpatrick et al. 2017): after each phase the diagonal empirical
# Fisher F of the shared backbone (+ neck) is estimated on the phase's own
# images with its task loss, and the weights are anchored; later phases add
#   loss_ewc = lambda / 2 * sum_i F_i (theta_i - theta*_i)^2
# with F summed over past phases and theta* = weights after the latest one.
custom_hooks = [
    dict(
        type='EWCHook',
        # lambda fits the per-batch Fisher (mean ~5e-7 after the semantic
        # phase, ~6e-6 with depth) of the synthetic scenes; 1e3-1e5 all cut
        # forgetting in 40-iter phases, 1e5 starts to slow the new task.
        ewc_lambda=1.0e4,
        num_batches=None,  # one pass over the phase's images
        params=('backbone', 'neck'),
        per_sample=False),
    dict(type='StudentModeHook'),
]
# Heads of tasks not learned yet take no part in a step.
find_unused_parameters = True
