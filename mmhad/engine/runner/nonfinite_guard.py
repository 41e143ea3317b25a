"""Skip training steps whose loss is NaN/inf; stop after too many in a row.

:class:`NonFiniteGuard` runs ``model.train_step`` so that a step whose
summed loss is not finite makes no parameter, optimizer-state or BN
running-statistics update: ``optim_wrapper.update_params`` is replaced for
that one call by a version that checks the loss first (on every rank, so
that DDP ranks agree), and the model's buffers are put back as they were
before the forward pass. Only the loss is checked, never the gradients, so
``AmpOptimWrapper``'s own handling of overflowing fp16 gradients (skip the
step, lower the loss scale) works as before. Nothing here names a device.
"""
import logging
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmhad.utils.errors import NonFiniteLossError

#: Consecutive non-finite steps after which training stops (default).
DEFAULT_MAX_STEPS = 5
#: What a rank reports when only another rank's loss was NaN/inf.
OTHER_RANK = 'loss on another rank'


def non_finite_keys(log_vars: Dict[str, torch.Tensor]) -> List[str]:
    """Loss terms (keys with ``'loss'``) of ``log_vars`` that are NaN/inf."""
    return [
        key for key, value in log_vars.items() if 'loss' in key
        and torch.is_tensor(value) and not bool(torch.isfinite(value).all())
    ]


def _any_rank(flag: bool, like: torch.Tensor) -> bool:
    """True if ``flag`` is True on any rank (one all-reduce when
    distributed)."""
    if get_world_size() == 1:
        return flag
    value = torch.tensor(float(flag), device=like.device)
    all_reduce(value, op='max')
    return bool(value.item() > 0)


class NonFiniteGuard:
    """Skip NaN/inf steps; raise after ``max_steps`` of them in a row.

    Args:
        max_steps (int, optional): Consecutive skipped steps after which
            :class:`NonFiniteLossError` is raised. None disables the guard
            (every step is applied, as plain mmengine does). Defaults to
            :data:`DEFAULT_MAX_STEPS`.
    """

    def __init__(self, max_steps: Optional[int] = DEFAULT_MAX_STEPS) -> None:
        if max_steps is not None and (isinstance(max_steps, bool)
                                      or not isinstance(max_steps, int)
                                      or max_steps < 1):
            raise ValueError('train_cfg.max_nonfinite_steps must be an int '
                             f'>= 1 or None, got {max_steps!r}')
        self.max_steps = max_steps
        self.in_a_row = 0
        self.first_iter: Optional[int] = None
        self.keys: List[str] = []

    def train_step(self, model, data_batch, optim_wrapper):
        """``model.train_step(data_batch, optim_wrapper)``, guarded.

        Returns:
            tuple[dict, list[str]]: The step's ``log_vars`` and the loss
            keys that were NaN/inf (empty when the step was applied;
            :data:`OTHER_RANK` when only another rank's loss was).
        """
        if self.max_steps is None:
            return model.train_step(
                data_batch, optim_wrapper=optim_wrapper), []
        buffers = [(b, b.clone()) for b in model.buffers()]
        skipped = []
        own = vars(optim_wrapper).get('update_params')
        update = optim_wrapper.update_params

        def guarded_update(loss, *args, **kwargs):
            bad = not bool(torch.isfinite(loss).all())
            if not _any_rank(bad, loss):
                return update(loss, *args, **kwargs)
            skipped.append(True)
            if is_model_wrapper(model):  # let DDP finish its reduction
                optim_wrapper.backward(loss)
            else:  # count the micro-step as backward() would
                optim_wrapper._inner_count += 1
            optim_wrapper.zero_grad()

        optim_wrapper.update_params = guarded_update
        try:
            log_vars = model.train_step(data_batch,
                                        optim_wrapper=optim_wrapper)
        finally:
            if own is None:
                del optim_wrapper.update_params
            else:
                optim_wrapper.update_params = own
        if not skipped:
            return log_vars, []
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)
        keys = non_finite_keys(log_vars)
        if not keys:
            finite = bool(torch.isfinite(log_vars.get(
                'loss', torch.zeros(()))).all())
            keys = [OTHER_RANK if finite else 'loss']
        return log_vars, keys

    def update(self, keys: List[str], iteration: int, where: str) -> None:
        """Count a step; log a skipped one; raise after too many in a row.

        Args:
            keys (list[str]): What :meth:`train_step` returned.
            iteration (int): The step's global iteration (0-based).
            where (str): The phase, e.g. ``'phase 1 (depth)'``.

        Raises:
            NonFiniteLossError: ``max_steps`` skipped steps in a row.
        """
        if not keys:
            self.in_a_row, self.first_iter, self.keys = 0, None, []
            return
        self.in_a_row += 1
        if self.first_iter is None:
            self.first_iter = iteration
        self.keys = sorted(set(self.keys) | set(keys))
        print_log(
            f'{where}, iter {iteration}: non-finite loss {keys}; step '
            'skipped (no parameter, optimizer or BN update), '
            f'{self.in_a_row}/{self.max_steps} in a row',
            logger='current', level=logging.WARNING)
        if self.in_a_row >= self.max_steps:
            raise NonFiniteLossError(
                f'Training stopped in {where} at iteration {iteration}: the '
                f'loss was NaN/inf for {self.in_a_row} steps in a row '
                f'(iterations {self.first_iter}-{iteration}, loss keys '
                f'{self.keys}). These steps were skipped, so no checkpoint '
                'holds NaN/inf weights. Lower the learning rate '
                '(optim_wrapper.optimizer.lr) or check the data '
                '(tools/misc/check_dataset.py), then resume from the last '
                'checkpoint.')
