"""The continual-phase training loop: one task per phase, heads added."""
import copy
import json
import logging
import os.path as osp
import random
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from mmengine.dist import get_world_size, is_main_process
from mmengine.logging import print_log
from mmengine.runner import BaseLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator
from mmseg.registry import DATASETS, LOOPS

from mmhad.evaluation.continual_report import build_summary, render_markdown
from mmhad.utils.checkpoint_io import atomic_write
from mmhad.utils.errors import PlanMismatchError
from mmhad.utils.model import unwrap_model
from .nonfinite_guard import DEFAULT_MAX_STEPS, NonFiniteGuard
from .phase_plan import (Phase, epoch_iters, merge_overrides,
                         phase_dataset_cfg, plan_difference, plan_phases,
                         plan_record)

RESULTS_KEY = 'continual_results'
RESULTS_FILE = 'continual_results.json'
RNG_KEY = 'rng_state'
PLAN_KEY = 'phase_plan'


def get_rng_state() -> dict:
    """Python, numpy and torch (CPU and every CUDA device) RNG states."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@LOOPS.register_module()
class ContinualTrainLoop(BaseLoop):
    """Learn ``phases`` one after another on disjoint chunks of the data.

    Per phase ``k`` (task ``t_k``):

    1. the phase's dataloader is built over its own chunk of the training
       images, loading only ``t_k``'s labels (``dataset.tasks=[t_k]``);
    2. the model predicts every task learned so far and trains ``t_k`` on
       labels (:meth:`MultiTaskEncoderDecoder.set_tasks`);
    3. the optimizer and parameter schedulers are rebuilt from the config
       (fresh state, schedules relative to the phase start);
    4. hooks are told: ``before_train_phase(phase_idx, phase, resumed)`` -
       e.g. :class:`TeacherHook` freezes the previous model as teacher
       (the phase events are documented in :class:`ContinualHook`);
    5. after the last iteration the whole validation set is evaluated for
       every learned task, the metrics are kept per phase (in the message
       hub, hence in checkpoints, and in ``{work_dir}/continual_results.json``)
       and hooks get ``after_train_phase(phase_idx, phase, metrics)``.

    ``iter`` counts globally over all phases, so logging, checkpointing
    and ``--resume`` (also in the middle of a phase) behave as with
    ``IterBasedTrainLoop``; checkpoints also carry the RNG states, so a
    resumed run repeats the interrupted one exactly (CPU, same seed).
    Because every phase optimises the same parameter set (heads of future
    tasks get no gradient and stay untouched), the optimizer state in a
    checkpoint always fits the rebuilt optimizer.

    Args:
        runner (Runner): The runner.
        dataloader (dict): ``train_dataloader`` config; its dataset must
            accept ``indices`` and ``tasks`` (the mmhad datasets do).
        phases (Sequence[dict]): ``dict(task=..., max_iters=...)`` or
            ``dict(task=..., max_epochs=...)``, optionally with ``indices``
            and ``dataloader`` overrides. Tasks may repeat.
        split (dict, optional): ``dict(mode='contiguous'|'shuffle', seed=0)``
            for the per-phase chunks. Defaults to contiguous.
        val_interval (int, optional): Also validate every ``val_interval``
            iterations inside a phase. Defaults to None (phase ends only).
        save_phase_checkpoint (bool): Save ``phase{k}_{task}.pth`` after each
            phase's evaluation. Defaults to True.
        method (str, optional): Label written into the results file.
        max_nonfinite_steps (int, optional): A step whose loss (or any loss
            term) is NaN/inf is skipped - no parameter, optimizer or BN
            update, gradients zeroed - and logged with the iteration and
            the loss keys; after this many such steps in a row training
            stops with :class:`~mmhad.utils.errors.NonFiniteLossError`.
            None applies every step (no guard). Defaults to 5.
    """

    def __init__(self,
                 runner,
                 dataloader: dict,
                 phases: Sequence[dict],
                 split: Optional[dict] = None,
                 val_interval: Optional[int] = None,
                 save_phase_checkpoint: bool = True,
                 method: Optional[str] = None,
                 max_nonfinite_steps: Optional[int] = DEFAULT_MAX_STEPS
                 ) -> None:
        if not isinstance(dataloader, dict):
            raise TypeError('ContinualTrainLoop builds one dataloader per '
                            'phase and needs train_dataloader as a config '
                            f'dict, got {type(dataloader).__name__}')
        self._runner = runner
        self._dataloader_cfg = copy.deepcopy(dataloader)
        self.val_interval = val_interval
        self.save_phase_checkpoint = save_phase_checkpoint
        self.method = method
        self.guard = NonFiniteGuard(max_nonfinite_steps)
        full = DATASETS.build(copy.deepcopy(self._dataloader_cfg['dataset']))
        self.phases: List[Phase] = plan_phases(
            phases, len(full), self._iters_per_epoch, split)
        self._max_iters = self.phases[-1].end
        self._max_epochs = 1
        self._epoch = 0
        self._iter = 0
        self.stop_training = False
        self.phase: Optional[Phase] = None
        # Until a phase starts, hooks (RuntimeInfoHook...) see the whole set.
        self.dataloader = runner.build_dataloader(
            dict(copy.deepcopy(self._dataloader_cfg), dataset=full),
            seed=runner.seed)
        unknown = {t for p in self.phases for t in p.tasks} - set(
            self.model.tasks)
        if unknown:
            raise KeyError(f'train_cfg.phases name task(s) {sorted(unknown)}'
                           f' without a head; model.decode_heads has '
                           f'{self.model.tasks}')

    # ------------------------------------------------------------ properties
    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def model(self):
        """The segmentor, unwrapped from DDP."""
        return unwrap_model(self.runner.model)

    @property
    def results(self) -> List[dict]:
        """Per-phase evaluation results recorded so far."""
        return list(self.runner.message_hub.get_info(RESULTS_KEY, []))

    # ----------------------------------------------------------------- setup
    def _iters_per_epoch(self, num_images: int, overrides: dict) -> int:
        batch = overrides.get('batch_size', self._dataloader_cfg['batch_size'])
        return epoch_iters(num_images, batch, get_world_size())

    def _start_phase(self, phase: Phase, resumed: bool) -> None:
        runner = self.runner
        self.phase = phase
        learned = {t for p in self.phases[:phase.index + 1] for t in p.tasks}
        self.model.set_tasks(
            active=phase.tasks,
            learned=[t for t in self.model.tasks if t in learned])
        self.dataloader = runner.build_dataloader(
            phase_dataset_cfg(self._dataloader_cfg, phase), seed=runner.seed)
        runner.visualizer.dataset_meta = self.dataloader.dataset.metainfo
        self._drop_stale_train_scalars()
        if not resumed:  # a resumed phase keeps the optimizer it saved
            runner.optim_wrapper = runner.build_optim_wrapper(
                merge_overrides(runner.cfg.optim_wrapper,
                                phase.optim_wrapper))
            if runner.cfg.get('param_scheduler'):
                runner.param_schedulers = runner.build_param_scheduler(
                    runner.cfg.param_scheduler)
        runner.optim_wrapper.initialize_count_status(
            self.model, self._iter - phase.begin, phase.num_iters)
        print_log(
            f'Phase {phase.index} ({phase.name}): iters {phase.begin}-'
            f'{phase.end}, {len(phase.indices)} images, learned tasks '
            f'{self.model.learned_tasks}' + (' [resumed]' if resumed else ''),
            logger='current')
        runner.call_hook('before_train_phase', phase_idx=phase.index,
                         phase=phase, resumed=resumed)

    def _drop_stale_train_scalars(self) -> None:
        """Forget the previous phase's loss scalars, or they keep being
        logged although the phase's model no longer computes them."""
        scalars = self.runner.message_hub.log_scalars
        for key in [k for k in scalars if k.startswith('train/')
                    and k not in ('train/lr', 'train/time',
                                  'train/data_time')]:
            scalars.pop(key)

    # ------------------------------------------------------------------- run
    def run(self):
        """Train every phase not finished yet, then return the model."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        done = {r['phase'] for r in self.results}
        # A resumed run (iter > 0) takes back the RNG state its checkpoint
        # was saved with at the matching point: before the phase-end
        # evaluation (iteration checkpoint at a phase end), before the next
        # phase starts (phase checkpoint), or after the skipped batches
        # (mid-phase, in _train_phase).
        self._rng_pending = self._iter > 0
        self._check_plan()
        for phase in self.phases:
            if self._iter >= phase.end:
                if phase.index not in done:  # stopped after the last iter
                    self._start_phase(phase, resumed=True)
                    self._restore_rng()
                    self._end_phase(phase)
                continue
            if self._iter == phase.begin:
                self._restore_rng()
            resumed = self._iter > phase.begin
            self._start_phase(phase, resumed)
            self._train_phase(phase)
            if self.stop_training:
                break
            self._end_phase(phase)
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def _train_phase(self, phase: Phase) -> None:
        iterator = _InfiniteDataloaderIterator(self.dataloader)
        skipped = self._iter - phase.begin
        if skipped:
            print_log(f'Advance the phase dataloader {skipped} steps to '
                      'skip data already trained on', logger='current',
                      level=logging.WARNING)
            for _ in range(skipped):
                next(iterator)
            # Continue with the random state the interrupted run had here
            # (augmentation in the main process, dropout), not the one the
            # skipped batches left.
            self._restore_rng()
        while self._iter < phase.end and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(iterator))
            if (self.val_interval and self._iter < phase.end
                    and (self._iter - phase.begin) % self.val_interval == 0
                    and self.runner.val_loop is not None):
                self.runner.val_loop.run()

    def _check_plan(self) -> None:
        """Stop a resume whose config plans other phases than the
        checkpoint's run; record the plan in every later checkpoint."""
        hub, current = self.runner.message_hub, plan_record(
            self.phases, self.method)
        saved = hub.get_info(PLAN_KEY)
        if self._iter > 0 and saved is not None:
            difference = plan_difference(saved, current)
            if difference is not None:
                raise PlanMismatchError(
                    'The checkpoint being resumed was trained with another '
                    f'phase plan than the config ({difference}). Resume '
                    'with the config of that run, or start a new work dir.')
        hub.update_info(PLAN_KEY, current)

    def _restore_rng(self) -> None:
        """Once per resumed run: restore the checkpoint's RNG state."""
        state = self.runner.message_hub.get_info(RNG_KEY)
        if getattr(self, '_rng_pending', False) and state is not None:
            set_rng_state(state)
        self._rng_pending = False

    def run_iter(self, data_batch: dict) -> None:
        """One optimisation step, with the usual iteration hooks."""
        self.runner.call_hook(
            'before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        outputs, bad_keys = self.guard.train_step(
            self.runner.model, data_batch, self.runner.optim_wrapper)
        phase = self.phase
        self.guard.update(bad_keys, self._iter,
                          f'phase {phase.index} ({phase.name})')
        for key in bad_keys:  # keep NaN out of the logged averages
            outputs.pop(key, None)
        # Checkpoints written by the hooks below carry the RNG state, so a
        # resumed run continues exactly (see _train_phase).
        self.runner.message_hub.update_info(RNG_KEY, get_rng_state())
        self.runner.call_hook(
            'after_train_iter', batch_idx=self._iter, data_batch=data_batch,
            outputs=outputs)
        self._iter += 1

    def _end_phase(self, phase: Phase) -> None:
        metrics: Dict[str, float] = {}
        if self.runner.val_loop is None:
            print_log('No val_dataloader/val_evaluator: phase results are '
                      'not recorded', logger='current',
                      level=logging.WARNING)
        else:
            metrics = {k: float(v)
                       for k, v in self.runner.val_loop.run().items()}
        results = [r for r in self.results if r['phase'] != phase.index]
        results.append(dict(phase=phase.index, task=phase.name,
                            iter=self._iter, metrics=metrics))
        self.runner.message_hub.update_info(RESULTS_KEY, results)
        self._write_results(results)
        self.runner.call_hook('after_train_phase', phase_idx=phase.index,
                              phase=phase, metrics=metrics)
        if self.save_phase_checkpoint:
            # the state after the evaluation, where a resume continues
            self.runner.message_hub.update_info(RNG_KEY, get_rng_state())
            self.runner.save_checkpoint(
                self.runner.work_dir,
                filename=f'phase{phase.index}_{phase.name}.pth')

    def _write_results(self, results: List[dict]) -> None:
        if not is_main_process():
            return
        payload = dict(
            task_order=[p.name for p in self.phases],
            method=self.method,
            phases=sorted(results, key=lambda r: r['phase']))
        path = osp.join(self.runner.work_dir, RESULTS_FILE)
        atomic_write(path, json.dumps(payload, indent=2))
        print_log('\n' + render_markdown(build_summary({'run': payload})),
                  logger='current')
