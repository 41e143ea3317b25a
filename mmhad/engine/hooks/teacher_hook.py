"""Freeze the previous phase's model as the teacher of the next phase."""
from typing import Optional

import torch
from mmseg.registry import HOOKS

from mmhad.models.losses import build_distill_loss
from mmhad.utils.checkpoint_io import first_non_finite
from mmhad.utils.config_check import ConfigValueError
from mmhad.utils.errors import NonFiniteTeacherError
from .continual_hook import ContinualHook

CHECKPOINT_KEY = 'mmhad_teacher'
#: Set instead of :data:`CHECKPOINT_KEY` when the teacher equals the student
#: (a phase checkpoint, written right after the teacher was frozen).
SAME_AS_STUDENT_KEY = 'mmhad_teacher_is_student'


def _same_state(a: dict, b: dict) -> bool:
    """Whether two state dicts hold the same keys and identical tensors."""
    return a.keys() == b.keys() and all(
        torch.equal(a[k], b[k]) for k in a)


@HOOKS.register_module()
class TeacherHook(ContinualHook):
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
    in the middle of phase k distils from the same teacher. Where the teacher
    equals the student (the phase checkpoint written right after freezing
    it), the weights are stored once: the checkpoint sets
    ``'mmhad_teacher_is_student'`` instead, and the teacher is restored from
    its ``state_dict``.

    The distillation loss is the run config's top-level ``distill_loss``
    (written by the method's ``configs/_base_/continual/*.py``, so a leaf
    config never repeats it), built at ``before_run`` for the model's tasks
    (:func:`~mmhad.models.losses.build_distill_loss`) and given to the model
    with ``set_distill_loss``. A model built with its own
    ``model.distill_loss`` keeps it; a config with both is refused.
    """

    priority = 'HIGH'  # before hooks that read the teacher

    def __init__(self) -> None:
        self._built_loss = None  # the loss this hook gave the model

    def before_run(self, runner) -> None:
        cfg = runner.cfg.get('distill_loss')
        model = self.model(runner)
        if model.distill_loss is not None and \
                model.distill_loss is self._built_loss:
            return  # before_run again (runner.test() after train())
        if cfg is None:
            if model.distill_loss is None:
                raise ConfigValueError(
                    'TeacherHook: the config has no distill_loss: inherit a '
                    'method base (configs/_base_/continual/had.py or lwf.py) '
                    'or give a top-level distill_loss=dict(type='
                    "'HADDistillLoss', losses=dict(<task>=...))")
            return
        if model.distill_loss is not None:
            raise ConfigValueError(
                'distill_loss is given twice, as the top-level distill_loss '
                'and as model.distill_loss: keep the top-level one')
        self._built_loss = build_distill_loss(cfg, model.tasks)
        model.set_distill_loss(self._built_loss)

    def before_train_phase(self, runner, phase_idx: int, phase,
                           resumed: bool) -> None:
        if phase_idx == 0 and not resumed:
            self.model(runner).set_teacher(None)

    def after_train_phase(self, runner, phase_idx: int, phase,
                          metrics: dict) -> None:
        if phase_idx == len(runner.train_loop.phases) - 1:
            return
        model = self.model(runner)
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
        teacher = self.model(runner).teacher
        if teacher is None:
            return
        state = teacher.state_dict()
        if _same_state(state, self.model(runner).state_dict()):
            checkpoint[SAME_AS_STUDENT_KEY] = True
            return
        checkpoint[CHECKPOINT_KEY] = {
            k: v.detach().cpu()
            for k, v in state.items()
        }

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state: Optional[dict] = checkpoint.get(CHECKPOINT_KEY)
        if state is None and checkpoint.get(SAME_AS_STUDENT_KEY):
            state = checkpoint['state_dict']
        model = self.model(runner)
        if state is None:
            model.set_teacher(None)
            return
        teacher = model.snapshot()
        teacher.load_state_dict(state)
        model.set_teacher(teacher)
        runner.logger.info('TeacherHook: restored the teacher from the '
                           f'checkpoint ({teacher.learned_tasks})')
