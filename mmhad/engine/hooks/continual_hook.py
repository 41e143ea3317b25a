"""The base of hooks that take part in continual (phase-by-phase) training."""
from mmengine.hooks import Hook

from mmhad.utils.model import unwrap_model


class ContinualHook(Hook):
    """A hook with the two phase events of :class:`ContinualTrainLoop`.

    Besides mmengine's events, the continual loop calls, for every phase
    ``k`` of ``train_cfg.phases`` (``runner.train_loop.phases[k]``):

    - ``before_train_phase(runner, phase_idx, phase, resumed)`` once the
      phase is set up, right before its first training iteration: the
      model's ``active_tasks`` are the phase's tasks and its
      ``learned_tasks`` every task of phases ``0..k``; the phase's
      dataloader (``runner.train_loop.dataloader``) and optimizer are
      built. ``resumed`` is True when the run continues a phase (or the
      evaluation at its end) from a checkpoint, after the hooks'
      ``after_load_checkpoint``; a hook then keeps the state it restored.
      ``phase_idx == 0 and not resumed`` is the start of a fresh run.
    - ``after_train_phase(runner, phase_idx, phase, metrics)`` after the
      phase's last iteration and its evaluation, before the phase
      checkpoint ``phase{k}_{name}.pth`` is saved (so what the hook sets
      here, e.g. a teacher or a penalty, is in that checkpoint).
      ``metrics`` maps ``'{task}/{metric}'`` to a float (empty without a
      validation loop).

    ``phase`` is the :class:`~mmhad.engine.runner.phase_plan.Phase`:
    ``index``, ``tasks`` (the tasks trained on labels in it), ``name``
    (``'depth'``, ``'semantic+depth'`` for a joint phase), ``indices`` (its
    training images), ``begin``/``end`` (global iterations, end exclusive),
    ``num_iters``. The last phase is
    ``phase_idx == len(runner.train_loop.phases) - 1``. Phases a resumed
    run had already finished (evaluated) get neither event again.

    Both default to doing nothing. :meth:`model` gives the model the
    methods act on (:class:`~mmhad.models.segmentors.ContinualModel`),
    unwrapped from DDP. Under another train loop (``IterBasedTrainLoop``)
    no phase event is called.
    """

    @staticmethod
    def model(runner):
        """``runner.model`` without its DDP (or other) wrapper.

        Returns:
            ContinualModel: The segmentor.
        """
        return unwrap_model(runner.model)

    def before_train_phase(self, runner, phase_idx: int, phase,
                           resumed: bool) -> None:
        """Called before phase ``phase_idx``'s first training iteration."""

    def after_train_phase(self, runner, phase_idx: int, phase,
                          metrics: dict) -> None:
        """Called after phase ``phase_idx``'s evaluation, before its
        checkpoint."""
