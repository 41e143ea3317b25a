"""Freeze the previous phase's model as the teacher of the next phase."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmhad.utils.checkpoint_io import first_non_finite
from mmhad.utils.errors import NonFiniteTeacherError

CHECKPOINT_KEY = 'mmhad_teacher'


@HOOKS.register_module()
class TeacherHook(Hook):
    """Keep a frozen copy of the model from the end of the previous phase.

    At the end of every phase but the last (``after_train_phase``, called by
    :class:`ContinualTrainLoop` after the phase's evaluation and before its
    phase checkpoint), the model is copied with
    :meth:`MultiTaskEncoderDecoder.snapshot` (eval mode, no gradients) and
    attached with ``set_teacher``: it distils the next phase. The copy is
    not a submodule: it is not in the optimizer, not wrapped by DDP, not
    switched to train mode, and it lives on the model's device. A model
    with NaN/inf weights is refused (:class:`NonFiniteTeacherError`).
    Its weights are saved in every checkpoint
    under ``'mmhad_teacher'`` and restored on ``--resume``, so a run resumed
    in the middle of phase k distils from the same teacher.
    """

    priority = 'HIGH'  # before hooks that read the teacher

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train_phase(self, runner, phase_idx: int, phase,
                           resumed: bool) -> None:
        if phase_idx == 0 and not resumed:
            self._model(runner).set_teacher(None)

    def after_train_phase(self, runner, phase_idx: int, phase,
                          metrics: dict) -> None:
        if phase_idx == len(runner.train_loop.phases) - 1:
            return
        model = self._model(runner)
        bad = first_non_finite(model.state_dict())
        if bad is not None:
            raise NonFiniteTeacherError(
                f'TeacherHook: not freezing the model after phase '
                f'{phase_idx} ({phase.name}) as the teacher: weight {bad} '
                'holds NaN/inf (the training diverged). Lower the learning '
                'rate (optim_wrapper.optimizer.lr) or check the data, and '
                'resume from the last checkpoint.')
        model.set_teacher(model.snapshot())
        runner.logger.info(
            f'TeacherHook: froze the model after phase {phase_idx} as the '
            f'teacher of {model.teacher.learned_tasks}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        teacher = self._model(runner).teacher
        if teacher is not None:
            checkpoint[CHECKPOINT_KEY] = {
                k: v.detach().cpu()
                for k, v in teacher.state_dict().items()
            }

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state: Optional[dict] = checkpoint.get(CHECKPOINT_KEY)
        model = self._model(runner)
        if state is None:
            model.set_teacher(None)
            return
        teacher = model.snapshot()
        teacher.load_state_dict(state)
        model.set_teacher(teacher)
        runner.logger.info('TeacherHook: restored the teacher from the '
                           f'checkpoint ({teacher.learned_tasks})')
