"""Score constant predictions from training-set statistics on the val set.

The floor every trained model has to beat: the majority class for
segmentation, the mean valid depth, and the mean valid normal direction,
predicted for every validation pixel and scored with ``MultiTaskMetric``.

Usage:
    python tools/analysis_tools/trivial_baseline.py CONFIG [--out FILE]
        [--cfg-options k=v ...]
"""
import argparse
import json
from typing import Dict

import mmhad  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.registry import DATASETS, METRICS  # noqa: E402


def training_statistics(dataset) -> Dict[str, torch.Tensor]:
    """Majority class, mean depth (m) and mean unit normal of valid pixels."""
    counts, depth_sum, depth_n = None, 0.0, 0
    normal_sum = torch.zeros(3, dtype=torch.float64)
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        if 'gt_sem_seg' in sample:
            label = sample.gt_sem_seg.data.flatten()
            label = label[label != 255]
            c = torch.bincount(label, minlength=len(dataset.metainfo[
                'classes']))
            counts = c if counts is None else counts + c
        if 'gt_depth_map' in sample:
            depth = sample.gt_depth_map.data
            depth_sum += float(depth[depth > 0].double().sum())
            depth_n += int((depth > 0).sum())
        if 'gt_normal_map' in sample:
            normal = sample.gt_normal_map.data.flatten(1)
            normal_sum += normal[:, normal.abs().sum(0) > 0].double().sum(1)
    stats = {}
    if counts is not None:
        stats['semantic'] = counts.argmax()
    if depth_n:
        stats['depth'] = torch.tensor(depth_sum / depth_n)
    if normal_sum.abs().sum() > 0:
        stats['normal'] = (normal_sum / normal_sum.norm()).float()
    return stats


def score_constant(dataset, stats: Dict[str, torch.Tensor]) -> dict:
    """MultiTaskMetric of the constant predictions on ``dataset``."""
    metric = METRICS.build(dict(type='MultiTaskMetric'))
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        h, w = sample.ori_shape
        if 'semantic' in stats:
            sample.pred_sem_seg = PixelData(
                data=stats['semantic'].expand(1, h, w).clone())
        if 'depth' in stats:
            sample.pred_depth_map = PixelData(
                data=stats['depth'].expand(1, h, w).clone())
        if 'normal' in stats:
            sample.pred_normal_map = PixelData(
                data=stats['normal'].view(3, 1, 1).expand(3, h, w).clone())
        metric.process({}, [sample.to_dict()])
    return metric.evaluate(len(dataset))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--out', help='write the metrics as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    val_cfg = cfg.val_dataloader.dataset
    train_cfg = dict(cfg.train_dataloader.dataset)
    train_cfg.update(pipeline=val_cfg.pipeline, test_mode=True)
    stats = training_statistics(DATASETS.build(train_cfg))
    metrics = score_constant(DATASETS.build(val_cfg), stats)
    print(json.dumps(metrics, indent=2))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2)
    return metrics


if __name__ == '__main__':
    main()
