"""Test-only probes for distributed runs, loaded via ``custom_imports``.

``tests/test_tools/test_train_test_tools.py`` adds them to a run with
``--cfg-options``:

- :class:`RankStateDumpHook` (as an extra ``default_hooks`` entry): every
  rank saves its own model state at the end of training, so the test can
  compare the ranks with each other and with the checkpoint rank 0 wrote;
- :class:`CountingMultiTaskMetric` (as ``val_evaluator.type``): adds to the
  metrics how many per-sample results were gathered from all ranks and their
  depth valid-pixel total, so the test can check that distributed validation
  scored every sample exactly once.
"""
import os
import os.path as osp
from typing import Dict, List

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS, METRICS

from mmhad.evaluation.metrics import MultiTaskMetric


@HOOKS.register_module()
class RankStateDumpHook(Hook):
    """Save ``{out_dir}/rank{rank}.pth``: this rank's model state and the
    tasks it has learned, after training.

    Args:
        out_dir (str): Directory shared by the ranks.
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = {k: v.detach().cpu().clone()
                 for k, v in model.state_dict().items()}
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(
            dict(state_dict=state, learned_tasks=model.learned_tasks,
                 world_rank=get_rank()),
            osp.join(self.out_dir, f'rank{get_rank()}.pth'))


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
            r['depth'][2] for r in results if 'depth' in r)
        return metrics
