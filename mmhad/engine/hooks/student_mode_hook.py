"""Run the student in the modes its outputs are scored (and distilled) in."""
from typing import Optional

from mmseg.registry import HOOKS
from torch.nn.modules.batchnorm import _BatchNorm

from .continual_hook import ContinualHook


@HOOKS.register_module()
class StudentModeHook(ContinualHook):
    """Freeze normalisation statistics in later phases; old heads in eval.

    The teacher runs in eval mode: batch norm with running statistics, no
    dropout. A student in train mode gives different outputs with the very
    same weights: for the model after phase 1 of a synthetic HAD run (48 x 64
    scenes, batches of 8), train mode moved depth by 0.59 m on average
    (0.20 m from the heads' dropout alone) and changed the class of 32 % of
    the pixels (``tools/analysis_tools/mode_gap.py``, docs/benchmarks.md).
    Distillation then fits that gap instead of the teacher, and the
    batch statistics of the new task's images drift the running ones the old
    tasks are scored with. Before every training iteration this hook sets

    * from phase ``norm_eval_from_phase`` on, every batch-norm layer of the
      model to eval mode: it normalises with its running statistics and no
      longer updates them (its affine weights still train), like mmseg's
      ``norm_eval`` of a backbone, from the first continual phase;
    * with ``old_heads_eval``, the heads of tasks learned earlier and not
      trained in this phase (they only receive distillation) to eval mode:
      no dropout.

    Both apply to every continual method alike; heads of the current task
    keep their dropout. With ``train_active_head_norm`` (default) the
    batch-norm layers of the heads trained in this phase stay in train mode:
    a head that joins in phase ``k`` still has the initial running statistics
    (mean 0, variance 1), and freezing them would train it with no
    normalisation at all. ``train_active_head_norm=False`` keeps the earlier
    behaviour (every batch norm frozen), for comparison.

    Args:
        norm_eval_from_phase (int, optional): First phase (0-based) with
            frozen normalisation statistics; None never freezes them.
            Defaults to 1.
        old_heads_eval (bool): Put the old tasks' heads in eval mode.
            Defaults to True.
        train_active_head_norm (bool): Keep the batch norms of the heads of
            the phase's task(s) in train mode when the others are frozen.
            Defaults to True.
    """

    priority = 'LOW'  # after hooks that change the model's tasks

    def __init__(self,
                 norm_eval_from_phase: Optional[int] = 1,
                 old_heads_eval: bool = True,
                 train_active_head_norm: bool = True) -> None:
        if norm_eval_from_phase is not None and norm_eval_from_phase < 0:
            raise ValueError('norm_eval_from_phase must be >= 0 or None, got '
                             f'{norm_eval_from_phase}')
        self.norm_eval_from_phase = norm_eval_from_phase
        self.old_heads_eval = old_heads_eval
        self.train_active_head_norm = train_active_head_norm
        self._phase_idx = 0

    def before_train_phase(self, runner, phase_idx: int, phase,
                           resumed: bool) -> None:
        self._phase_idx = phase_idx

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        model = self.model(runner)
        if (self.norm_eval_from_phase is not None
                and self._phase_idx >= self.norm_eval_from_phase):
            keep = set()
            if self.train_active_head_norm:
                keep = {id(m) for task in model.active_tasks
                        for m in model.decode_heads[task].modules()}
            for module in model.modules():
                if isinstance(module, _BatchNorm) and id(module) not in keep:
                    module.eval()
        if self.old_heads_eval:
            for task in model.learned_tasks:
                if task not in model.active_tasks:
                    model.decode_heads[task].eval()
