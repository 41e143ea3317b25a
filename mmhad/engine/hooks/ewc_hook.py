"""Elastic Weight Consolidation (Kirkpatrick et al., PNAS 2017) baseline."""
import itertools
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.dataset import DefaultSampler
from mmengine.dist import all_reduce
from mmseg.registry import HOOKS
from torch import Tensor
from torch.utils.data import DataLoader

from .continual_hook import ContinualHook

CHECKPOINT_KEY = 'mmhad_ewc'
PENALTY_NAME = 'ewc'  # logged as ``loss_ewc``


def select_params(model: nn.Module,
                  prefixes: Sequence[str]) -> Dict[str, nn.Parameter]:
    """Trainable parameters whose name is ``prefix`` or ``prefix.*``.

    Args:
        model (nn.Module): The (unwrapped) model.
        prefixes (Sequence[str]): Module-name prefixes, e.g.
            ``('backbone', 'neck')``.

    Returns:
        dict[str, nn.Parameter]: Name -> parameter, in model order.
    """
    return {
        name: p
        for name, p in model.named_parameters()
        if p.requires_grad and any(name == pre or name.startswith(pre + '.')
                                   for pre in prefixes)
    }


def diagonal_fisher(params: Dict[str, nn.Parameter],
                    losses: Iterable[Tensor]) -> Dict[str, Tensor]:
    """Empirical diagonal Fisher: mean over ``losses`` of squared gradients.

    Gradients are taken with :func:`torch.autograd.grad`, so ``.grad`` of the
    parameters (and DDP's gradient hooks) are left untouched. A parameter a
    loss does not reach contributes a zero gradient for that loss.

    Args:
        params (dict[str, nn.Parameter]): Parameters to estimate F for.
        losses (Iterable[Tensor]): Scalar losses, one per draw (a batch or a
            sample), each with a graph to ``params``; consumed lazily.

    Returns:
        dict[str, Tensor]: Name -> F, same shape as the parameter, detached.
    """
    names, tensors = list(params), list(params.values())
    fisher = {n: torch.zeros_like(p) for n, p in params.items()}
    num = 0
    for loss in losses:
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
        for name, grad in zip(names, grads):
            if grad is not None:
                fisher[name] += grad.detach().pow(2)
        num += 1
    if num == 0:
        raise ValueError('diagonal_fisher: no loss to estimate F from')
    # F_i = 1/N sum_n (dL_n / d theta_i)^2
    return {n: f / num for n, f in fisher.items()}


def ewc_penalty(params: Dict[str, Tensor], fisher: Dict[str, Tensor],
                anchor: Dict[str, Tensor], ewc_lambda: float) -> Tensor:
    """The EWC quadratic penalty over the parameters named in ``fisher``.

    Args:
        params (dict[str, Tensor]): Current parameters theta (any shapes).
        fisher (dict[str, Tensor]): F, same names and shapes.
        anchor (dict[str, Tensor]): theta*, same names and shapes.
        ewc_lambda (float): lambda.

    Returns:
        Tensor: Scalar () penalty, differentiable w.r.t. ``params``.
    """
    total = sum(
        (fisher[n] * (params[n] - anchor[n]).pow(2)).sum() for n in fisher)
    # L_EWC = lambda / 2 * sum_i F_i (theta_i - theta*_i)^2
    return 0.5 * ewc_lambda * total


def _to(tensors: Dict[str, Tensor], device) -> Dict[str, Tensor]:
    """Detached copies of ``tensors`` on ``device``."""
    return {n: t.detach().to(device) for n, t in tensors.items()}


class EWCPenalty:
    """``penalty(model) -> Tensor`` for
    :meth:`MultiTaskEncoderDecoder.set_penalty`; see :func:`ewc_penalty`.

    Parameters are looked up by name in the model it is called with, so the
    same object serves the model however it is wrapped or moved.

    Args:
        fisher (dict[str, Tensor]): F per parameter name.
        anchor (dict[str, Tensor]): theta* per parameter name.
        ewc_lambda (float): lambda.
    """

    def __init__(self, fisher: Dict[str, Tensor], anchor: Dict[str, Tensor],
                 ewc_lambda: float) -> None:
        self.fisher = fisher
        self.anchor = anchor
        self.ewc_lambda = ewc_lambda

    def __call__(self, model: nn.Module) -> Tensor:
        return ewc_penalty(
            dict(model.named_parameters()), self.fisher, self.anchor,
            self.ewc_lambda)


@HOOKS.register_module()
class EWCHook(ContinualHook):
    """Elastic Weight Consolidation across the phases of
    :class:`ContinualTrainLoop`.

    At the end of phase k (``after_train_phase``) the diagonal Fisher
    information F_k of the shared parameters (``params``: backbone and neck
    by default; task heads are never regularised - an old head gets no
    gradient from a new task anyway) is estimated on the phase's own
    training images with the loss of the phase's task(s), and the parameters
    are saved as the anchor theta*. From phase k+1 on every training step
    adds (via ``model.set_penalty('ewc', ...)``, logged as ``loss_ewc``)

        L_EWC = lambda / 2 * sum_i F_i (theta_i - theta*_i)^2.

    Fisher estimate:

    - *empirical*: the squared gradient of the supervised loss on the
      ground-truth labels (the true Fisher would sample labels from the
      model's predictive distribution, which the depth / normal losses do not
      define). The model is in ``eval()`` while F is estimated (BN running
      statistics used and left untouched, no dropout) and only the phase
      task heads' own losses enter - no distillation term, no penalty.
    - ``per_sample=False`` (default): one squared gradient per *batch*,
      F_i = mean_b (dL_b/dtheta_i)^2 with L_b the batch-mean loss. Cheap but
      biased: for gradients dominated by per-sample noise it is about
      1/batch_size times the textbook per-sample estimate (its mean
      gradient part is not scaled down), so lambda must be tuned together
      with this choice. ``per_sample=True`` is the textbook form,
      F_i = mean_n (dL_n/dtheta_i)^2 over single images: the same FLOPs in
      ``batch_size`` times more, smaller backward passes.
    - Under DDP every rank estimates F on its shard of ``num_batches``
      batches and F is all-reduced (mean), so all ranks hold the same F.

    Several past phases: the exact multi-phase EWC penalty
    sum_k lambda/2 F_k (theta - theta*_k)^2 keeps one anchor per phase. Here,
    as in most implementations, one anchor is kept - theta* = the parameters
    after the *latest* phase - and the Fishers are summed:
    F = gamma * F_old + F_k. ``online=False`` keeps gamma = 1 (plain sum);
    ``online=True`` is online EWC (Schwarz et al., ICML 2018, "Progress &
    Compress") with decay ``gamma`` < 1 of older importance estimates.

    F and theta* (CPU tensors keyed by parameter name) and the list of
    consolidated phases are saved in every checkpoint under ``'mmhad_ewc'``
    and restored on ``--resume`` (onto the model's device), so a run resumed
    in the middle of phase k has the same penalty.

    Args:
        ewc_lambda (float): lambda, the penalty weight. Its scale depends on
            the Fisher magnitude (loss scale, ``per_sample``).
        num_batches (int, optional): Batches of the phase's dataloader the
            Fisher is estimated on. None: one pass over the phase's images
            (``len(dataloader)``). Defaults to None.
        params (str | Sequence[str]): Module-name prefixes of the regularised
            parameters. Defaults to ``('backbone', 'neck')``.
        fisher (str): Fisher estimate; only ``'empirical'``.
        per_sample (bool): Per-image instead of per-batch squared gradients.
            Defaults to False.
        online (bool): Online EWC: decay older Fishers by ``gamma``.
            Defaults to False.
        gamma (float): Decay in (0, 1] of older Fishers with ``online=True``.
            Defaults to 1.0.
    """

    priority = 'NORMAL'

    def __init__(self,
                 ewc_lambda: float,
                 num_batches: Optional[int] = None,
                 params: Union[str, Sequence[str]] = ('backbone', 'neck'),
                 fisher: str = 'empirical',
                 per_sample: bool = False,
                 online: bool = False,
                 gamma: float = 1.0) -> None:
        if ewc_lambda < 0:
            raise ValueError(f'ewc_lambda must be >= 0, got {ewc_lambda}')
        if num_batches is not None and num_batches < 1:
            raise ValueError(f'num_batches must be >= 1, got {num_batches}')
        if fisher != 'empirical':
            raise ValueError("fisher: only 'empirical' is supported, got "
                             f'{fisher!r}')
        if not 0 < gamma <= 1:
            raise ValueError(f'gamma must be in (0, 1], got {gamma}')
        if not online and gamma != 1:
            raise ValueError('gamma < 1 decays old Fishers: set online=True')
        self.ewc_lambda = float(ewc_lambda)
        self.num_batches = num_batches
        self.params = (params, ) if isinstance(params, str) else tuple(params)
        self.per_sample = per_sample
        self.gamma = float(gamma) if online else 1.0
        self.fisher: Dict[str, Tensor] = {}
        self.anchor: Dict[str, Tensor] = {}
        self.phases: List[int] = []  # consolidated phase indices

    # --------------------------------------------------------------- helpers
    def _shared_params(self, model: nn.Module) -> Dict[str, nn.Parameter]:
        params = select_params(model, self.params)
        if not params:
            raise ValueError(f'EWCHook: no trainable parameter under '
                             f'{list(self.params)}')
        return params

    def _apply(self, model: nn.Module) -> None:
        """Register (or with no Fisher yet, remove) the penalty."""
        model.set_penalty(
            PENALTY_NAME,
            EWCPenalty(self.fisher, self.anchor, self.ewc_lambda)
            if self.fisher else None)

    def _reset(self, model: nn.Module) -> None:
        self.fisher, self.anchor, self.phases = {}, {}, []
        self._apply(model)

    @staticmethod
    def _fisher_loader(dataloader) -> Iterable[dict]:
        """A finite, unshuffled loader over ``dataloader``'s images.

        The phase dataloader itself cannot be iterated again: the generator
        of its ``InfiniteSampler`` is shared by all its iterators and is
        closed once the training iterator is collected. A new loader (same
        dataset, batch size and collate function; ``DefaultSampler`` shards
        the images over ranks, every rank getting the same number) also
        leaves the training data stream untouched. Plain iterables (lists
        of batches) are used as they are.
        """
        if not isinstance(dataloader, DataLoader):
            return dataloader
        return DataLoader(
            dataloader.dataset,
            batch_size=dataloader.batch_size,
            sampler=DefaultSampler(dataloader.dataset, shuffle=False),
            num_workers=dataloader.num_workers,
            collate_fn=dataloader.collate_fn,
            pin_memory=dataloader.pin_memory,
            worker_init_fn=dataloader.worker_init_fn)

    @staticmethod
    def _batches(loader: Iterable[dict], num: int) -> Iterator[dict]:
        """``num`` batches of ``loader``, passing over it again if needed."""

        def cycle():
            while True:
                empty = True
                for batch in loader:
                    empty = False
                    yield batch
                if empty:
                    raise ValueError('EWCHook: the phase dataloader is empty')

        return itertools.islice(cycle(), num)

    def _losses(self, model: nn.Module, batches: Iterable[dict],
                tasks: Sequence[str]) -> Iterator[Tensor]:
        """Supervised loss of ``tasks`` per batch (or per image).

        The model's :meth:`~ContinualModel.supervised_loss`: only the task
        heads' loss terms (keys containing ``'loss'``) enter, no
        distillation and no penalty.

        Yields:
            Tensor: Scalar () loss with a graph to the parameters.
        """
        for batch in batches:
            data = model.data_preprocessor(batch, True)
            inputs, samples = data['inputs'], data['data_samples']
            step = 1 if self.per_sample else inputs.shape[0]
            for i in range(0, inputs.shape[0], step):
                losses = model.supervised_loss(inputs[i:i + step],
                                               samples[i:i + step], tasks)
                terms = []
                for key, value in losses.items():
                    if 'loss' not in key.partition('.')[2]:  # acc_seg & co.
                        continue
                    terms.extend(
                        [value] if isinstance(value, Tensor) else value)
                yield sum(terms)

    def estimate_fisher(self, model: nn.Module, dataloader,
                        tasks: Sequence[str]) -> Dict[str, Tensor]:
        """F of the shared parameters for ``tasks`` on ``dataloader``.

        Args:
            model (nn.Module): The unwrapped :class:`MultiTaskEncoderDecoder`.
            dataloader (DataLoader): Phase dataloader (may be infinite).
            tasks (Sequence[str]): Tasks whose supervised loss is used.

        Returns:
            dict[str, Tensor]: Name -> F (same shape as the parameter),
            identical on every rank.
        """
        loader = self._fisher_loader(dataloader)
        num = self.num_batches or len(loader)
        params = self._shared_params(model)
        was_training = model.training
        model.eval()
        try:
            with torch.enable_grad():
                fisher = diagonal_fisher(
                    params,
                    self._losses(model, self._batches(loader, num), tasks))
        finally:
            model.train(was_training)
        for value in fisher.values():
            all_reduce(value, op='mean')
        return fisher

    # ----------------------------------------------------------------- hooks
    def before_train_phase(self, runner, phase_idx: int, phase,
                           resumed: bool) -> None:
        model = self.model(runner)
        if phase_idx == 0 and not resumed:
            self._reset(model)  # a fresh run: nothing consolidated yet
        elif phase_idx > 0 and not self.fisher:
            runner.logger.warning(
                f'EWCHook: phase {phase_idx} starts without a Fisher from '
                'earlier phases; training it without the EWC penalty')

    def after_train_phase(self, runner, phase_idx: int, phase,
                          metrics: dict) -> None:
        model = self.model(runner)
        if phase_idx in self.phases:
            runner.logger.warning(f'EWCHook: phase {phase_idx} is already '
                                  'consolidated; its Fisher is not re-added')
            return
        fisher = self.estimate_fisher(model, runner.train_loop.dataloader,
                                      phase.tasks)
        # F <- gamma * F_old + F_k  (gamma = 1: sum over phases)
        self.fisher = {
            n: self.gamma * self.fisher[n] + f if n in self.fisher else f
            for n, f in fisher.items()
        }
        # theta* <- theta at the end of the latest phase
        self.anchor = {
            n: p.detach().clone()
            for n, p in self._shared_params(model).items()
        }
        self.phases.append(phase_idx)
        self._apply(model)
        values = torch.cat([f.flatten() for f in self.fisher.values()])
        runner.logger.info(
            f'EWCHook: consolidated phase {phase_idx} ({phase.name}) over '
            f'{values.numel()} parameters of {list(self.params)}: Fisher '
            f'mean {values.mean().item():.3e}, max {values.max().item():.3e}'
            f', lambda {self.ewc_lambda:g}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.fisher:
            return
        checkpoint[CHECKPOINT_KEY] = dict(
            fisher=_to(self.fisher, 'cpu'),
            anchor=_to(self.anchor, 'cpu'),
            phases=list(self.phases))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Called before the weights are loaded: only names, shapes and the
        # device of the model are used here, never its values.
        model = self.model(runner)
        state: Optional[dict] = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            self._reset(model)
            return
        params = dict(model.named_parameters())
        for name, value in state['fisher'].items():
            if name not in params or params[name].shape != value.shape:
                raise KeyError(
                    f'EWCHook: the checkpoint\'s Fisher of "{name}" '
                    f'{tuple(value.shape)} does not fit the model')
        device = next(iter(params.values())).device
        self.fisher = _to(state['fisher'], device)
        self.anchor = _to(state['anchor'], device)
        self.phases = list(state['phases'])
        self._apply(model)
        runner.logger.info('EWCHook: restored Fisher and anchor of phases '
                           f'{self.phases} from the checkpoint')
