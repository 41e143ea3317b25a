"""Keep the BatchNorm running statistics of all ranks identical."""
from typing import List, Optional

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from torch import Tensor

from mmhad.utils.model import unwrap_model


def local_norm_stats(model: nn.Module) -> List[Tensor]:
    """Running means and variances that each rank updates on its own.

    These are the floating-point running statistics of every normalisation
    layer that tracks them (``BatchNorm*``, ``InstanceNorm*`` with
    ``track_running_stats``), except ``SyncBatchNorm``, whose statistics are
    already computed over all ranks.
    """
    stats = []
    for module in model.modules():
        if (not isinstance(module, nn.modules.batchnorm._NormBase)
                or isinstance(module, nn.SyncBatchNorm)
                or not module.track_running_stats):
            continue
        for stat in (module.running_mean, module.running_var):
            if stat is not None and stat.is_floating_point():
                stats.append(stat)
    return stats


@HOOKS.register_module()
class SyncNormStatsHook(Hook):
    """Average the BatchNorm running statistics over ranks during training.

    DDP averages gradients, so parameters stay identical on every rank, but
    a plain ``BN`` layer (``SyncBN`` has no CPU kernel, and the synthetic
    configs use ``BN``) updates its running mean / variance from the rank's
    own batches and DDP does not synchronise them
    (``broadcast_buffers=False``). Without this hook each rank validates
    its share of the images with its own statistics, the checkpoint holds
    rank 0's, and each rank's continual-learning teacher differs.

    The running statistics are an exponential moving average, which is
    linear: averaging them over ranks every ``interval`` iterations gives
    the same values (up to rounding) as averaging once at the end. The default
    (``interval=1``) therefore changes nothing but the moment the ranks
    agree: after every iteration, so every validation, checkpoint and
    teacher snapshot sees one model. The cost is one all-reduce of the
    statistics (about ten thousand numbers for ResNet-18 and its heads). It
    does nothing when not distributed and skips ``SyncBatchNorm`` layers.

    ``tools/train.py`` and ``tools/test.py`` add it to every distributed run
    (:func:`mmhad.utils.cli.build_runner`).

    Args:
        interval (int): Synchronise every ``interval`` training iterations
            (and always before validation and after training).
            Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'  # before CheckpointHook / LoggerHook

    def __init__(self, interval: int = 1) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval

    @staticmethod
    def sync(runner) -> None:
        """Average the running statistics of ``runner.model`` over ranks.

        The sum is taken in float64, so statistics that are already equal
        on every rank (e.g. of heads a phase does not train) stay exactly
        the same for any number of ranks.
        """
        world_size = get_world_size()
        if world_size == 1:
            return
        stats = local_norm_stats(unwrap_model(runner.model))
        if not stats:
            return
        flat = torch.cat([s.detach().reshape(-1).double() for s in stats])
        all_reduce(flat, op='sum')
        flat /= world_size
        for stat, mean in zip(stats, flat.split([s.numel() for s in stats])):
            stat.copy_(mean.view_as(stat))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self.sync(runner)

    def before_val_epoch(self, runner) -> None:
        self.sync(runner)

    def after_train(self, runner) -> None:
        self.sync(runner)
