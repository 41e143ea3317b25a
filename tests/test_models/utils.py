"""Tiny multi-task models and batches for model tests (CPU, no download)."""
from contextlib import contextmanager
from typing import Iterator, List

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

SIX_TASKS = ('semantic', 'depth', 'normal', 'edge', 'albedo', 'shading')


def tiny_model_cfg(tasks=('semantic', 'depth', 'normal'), num_classes=4,
                   **kwargs) -> dict:
    """A ResNet-18-D8 + ASPP model small enough for unit tests."""
    head = dict(in_channels=512, channels=16, dilations=(1, 2),
                dropout_ratio=0.0, norm_cfg=dict(type='BN'))
    heads = dict(
        semantic=dict(type='ASPPHead', num_classes=num_classes,
                      loss_decode=dict(type='CrossEntropyLoss',
                                       loss_name='loss_ce'), **head),
        depth=dict(type='DepthASPPHead', **head),
        normal=dict(type='NormalASPPHead', **head),
        edge=dict(type='EdgeASPPHead', **head),
        albedo=dict(type='RegressionASPPHead', task='albedo', **head),
        shading=dict(type='RegressionASPPHead', task='shading', **head))
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='MultiTaskDataPreProcessor', mean=[0., 0., 0.],
            std=[255., 255., 255.], size_divisor=8),
        backbone=dict(
            type='ResNetV1c', depth=18, out_indices=(3, ),
            dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
            norm_cfg=dict(type='BN'), contract_dilation=True),
        decode_heads={t: heads[t] for t in tasks})
    cfg.update(kwargs)
    return cfg


def make_batch(n: int = 2, height: int = 16, width: int = 24,
               num_classes: int = 4, tasks=('semantic', 'depth', 'normal'),
               seed: int = 0) -> dict:
    """A data batch as the dataloader yields it (before preprocessing)."""
    g = torch.Generator().manual_seed(seed)
    samples: List[SegDataSample] = []
    for _ in range(n):
        meta = dict(img_shape=(height, width), ori_shape=(height, width))
        s = SegDataSample(metainfo=meta)
        if 'semantic' in tasks:
            s.gt_sem_seg = PixelData(
                data=torch.randint(0, num_classes, (1, height, width),
                                   generator=g))
        if 'depth' in tasks:
            s.gt_depth_map = PixelData(
                data=torch.rand(1, height, width, generator=g) * 4 + 0.5)
        if 'normal' in tasks:
            v = torch.randn(3, height, width, generator=g)
            s.gt_normal_map = PixelData(data=v / v.norm(dim=0))
        if 'edge' in tasks:
            edge = (torch.rand(1, height, width, generator=g) < 0.2).long()
            edge[:, 0, :2] = 255  # ignored
            s.gt_edge_map = PixelData(data=edge)
        if 'albedo' in tasks:
            s.gt_albedo_map = PixelData(
                data=torch.rand(3, height, width, generator=g) * 0.9 + 0.05)
        if 'shading' in tasks:
            s.gt_shading_map = PixelData(
                data=torch.rand(1, height, width, generator=g) * 1.3 + 0.25)
        samples.append(s)
    inputs = [torch.rand(3, height, width, generator=g) * 255
              for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)




def register_toy_flow():
    """Register (``force=True``) and return ``'toy_flow'``: a 2-channel
    flow-like regression defined only by the tests (identity activation,
    masked L1 ``loss_flow``) whose x component flips sign under a
    horizontal flip (y under a vertical one)."""
    from mmhad.tasks import LOWER, Measure, RegressionTask, register_task

    @register_task(force=True)
    class ToyFlowTask(RegressionTask):
        name = 'toy_flow'
        kind = 'multi'
        channels = 2
        unit = 'px'
        flip_negate = dict(horizontal=(0, ), vertical=(1, ))
        metrics = dict(epe=Measure(LOWER, 'px'))
        activation = 'identity'
        loss = dict(type='MaskedL1Loss', valid_rule='nonzero',
                    loss_name='loss_flow')

    return ToyFlowTask


def register_toy_saliency():
    """Register (``force=True``) and return ``'toy_saliency'``: a binary
    map (salient / not, 255 = ignored) defined only by the tests,
    cross-entropy ``loss_saliency``."""
    from mmhad.tasks import HIGHER, ClassTask, Measure, register_task

    @register_task(force=True)
    class ToySaliencyTask(ClassTask):
        name = 'toy_saliency'
        kind = 'binary'
        unit = 'class id'
        metrics = dict(F1=Measure(HIGHER, '%'))
        loss = dict(type='CrossEntropyLoss', loss_name='loss_saliency')

    return ToySaliencyTask


@contextmanager
def toy_task_types() -> Iterator[None]:
    """Register ``'toy_flow'`` and ``'toy_saliency'`` (see
    :func:`register_toy_flow`, :func:`register_toy_saliency`) and
    unregister them on exit, so later tests see only the built-in types."""
    from mmhad.tasks import unregister_task

    register_toy_flow()
    register_toy_saliency()
    try:
        yield
    finally:
        unregister_task('toy_flow')
        unregister_task('toy_saliency')
