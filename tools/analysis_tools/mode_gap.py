"""How far a model's train-mode outputs are from its eval-mode outputs.

Distillation compares a train-mode student with an eval-mode teacher. With
the same weights the two already differ, through batch-norm batch
statistics and dropout; this tool measures that gap for every learned task
of a checkpoint on a batch of validation images:

* ``train``: the whole model in train mode (BN batch statistics, dropout);
* ``dropout``: BN with running statistics, dropout on (heads in train mode);
* ``bn``: backbone BN with batch statistics, heads in eval mode.

Regression tasks report the mean absolute change of the output (task unit),
normals the mean angle change (degrees), classification tasks the share of
pixels whose arg-max class changes (%). Running statistics are restored.

Usage:
    python tools/analysis_tools/mode_gap.py CONFIG CHECKPOINT \
        [--num-images 8] [--seed 0] [--tasks semantic depth]
        [--cfg-options k=v ...]
"""
import argparse
import copy
from typing import Dict

import mmhad  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402
from torch.nn.modules.batchnorm import _BatchNorm  # noqa: E402

from mmhad.models.decode_heads import (  # noqa: E402
    DenseRegressionHeadMixin, NormalASPPHead)
from mmhad.models.utils import channel_argmax, channel_cosine  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--num-images', type=int, default=8)
    p.add_argument('--seed', type=int, default=0, help='dropout seed')
    p.add_argument('--tasks', nargs='+', default=None,
                   help="tasks to compare (default: the checkpoint's "
                   'learned tasks)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def outputs(model, inputs, metas, mode: str) -> Dict[str, torch.Tensor]:
    """Outputs of the learned tasks with the model in ``mode``."""
    model.eval()
    if mode == 'train':
        model.train()
    elif mode == 'dropout':
        for head in model.decode_heads.values():
            head.train()
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                m.eval()
    elif mode == 'bn':
        model.backbone.train()
    with torch.no_grad():
        feats = model.extract_feat(inputs)
        return {t: model.decode_heads[t].predict_by_feat(
            model.decode_heads[t].forward(feats), metas)
            for t in model.learned_tasks}


def gap(head, ref: torch.Tensor, out: torch.Tensor) -> float:
    """Mean change from ``ref`` to ``out`` (B, C, H, W) in the head's terms:
    degrees for normals, % of pixels changing class for classification
    heads, mean absolute difference for other regressions."""
    if isinstance(head, NormalASPPHead):
        cos = channel_cosine(ref, out).clamp(-1, 1)
        return float(torch.rad2deg(torch.acos(cos)).mean())
    if isinstance(head, DenseRegressionHeadMixin):
        return float((ref - out).abs().mean())
    return 100.0 * float((channel_argmax(ref) != channel_argmax(out))
                         .float().mean())


def main(argv=None) -> Dict[str, Dict[str, float]]:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    if args.tasks:
        model.set_tasks(learned=args.tasks)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    n = min(args.num_images, len(dataset))
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(n)]), training=False)
    inputs = batch['inputs']
    metas = [s.metainfo for s in batch['data_samples']]
    saved = copy.deepcopy(model.state_dict())
    ref = outputs(model, inputs, metas, 'eval')
    table: Dict[str, Dict[str, float]] = {}
    for mode in ('train', 'dropout', 'bn'):
        torch.manual_seed(args.seed)
        out = outputs(model, inputs, metas, mode)
        model.load_state_dict(saved)  # undo running-statistics updates
        table[mode] = {t: gap(model.decode_heads[t], ref[t], out[t])
                       for t in model.learned_tasks}
    tasks = model.learned_tasks
    print(f'Gap to eval mode on {n} val images '
          '(regression: mean |change|; normal: degrees; classes: % changed)')
    print('| mode | ' + ' | '.join(tasks) + ' |')
    print('|---' * (len(tasks) + 1) + '|')
    for mode, row in table.items():
        print(f'| {mode} | ' + ' | '.join(f'{row[t]:.3f}' for t in tasks) +
              ' |')
    return table


if __name__ == '__main__':
    main()
