"""Test-only probes for distributed runs, loaded via ``custom_imports``.

``tests/test_tools/test_train_test_tools.py`` adds them to a run with
``--cfg-options``:

- :class:`RankStateDumpHook` (as an extra ``default_hooks`` entry): every
  rank saves its own model state (and its teacher's, if any) at the end of
  training and the loss names of every iteration, so the test can compare
  the ranks with each other and with the checkpoint rank 0 wrote;
- :class:`CountingMultiTaskMetric` (as ``val_evaluator.type``): adds to the
  metrics how many per-sample results were gathered from all ranks and their
  depth valid-pixel total, so the test can check that distributed validation
  scored every sample exactly once.
"""
import os
import os.path as osp
from typing import Dict, List, Optional

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS, METRICS

from mmhad.evaluation.metrics import MultiTaskMetric


@HOOKS.register_module()
class RankStateDumpHook(Hook):
    """Save ``{out_dir}/rank{rank}.pth`` after training: this rank's model
    and teacher states, learned tasks and the loss names of each iteration.

    Args:
        out_dir (str): Directory shared by the ranks.
    """

    priority = 'LOWEST'  # after every other after_train

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.loss_keys: Dict[int, List[str]] = {}

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        self.loss_keys[runner.iter] = sorted(outputs or {})

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        teacher = getattr(model, 'teacher', None)
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(
            dict(
                state_dict=_cpu_state(model),
                teacher_state_dict=(_cpu_state(teacher)
                                    if teacher is not None else None),
                learned_tasks=model.learned_tasks,
                loss_keys=self.loss_keys,
                rank=get_rank()),
            osp.join(self.out_dir, f'rank{get_rank()}.pth'))


def _cpu_state(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


@METRICS.register_module()
class CountingMultiTaskMetric(MultiTaskMetric):
    """:class:`MultiTaskMetric` that also reports what it was given.

    Extra keys: ``probe/num_results`` (entries gathered from all ranks) and
    ``probe/depth_valid_pixels`` (sum of the depth valid-pixel counts of the
    samples whose depth was scored).
    """

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        metrics['probe/num_results'] = len(results)
        metrics['probe/depth_valid_pixels'] = sum(
            _depth_base_stats(r['depth'])[2] for r in results if 'depth' in r)
        return metrics


def _depth_base_stats(stats) -> tuple:
    """``(abs sum, rel sum, count)`` of a depth entry: the entry itself, or
    its first item when the scorer pairs it with region statistics."""
    return stats[0] if isinstance(stats[1], dict) else stats
