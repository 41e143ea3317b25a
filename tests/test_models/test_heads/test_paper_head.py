"""The paper's architecture: DeepLabV3 tail on every ASPP head, 7x7 stem.

The HAD release (``model/aspp.py``) fuses the five ASPP branches with a 1x1
projection (5 x 256 -> 256, BN, ReLU), ``Dropout(0.5)``, a 3x3 conv 256 (BN,
ReLU) and a 1x1 classifier; its backbone is a torchvision ResNet dilated to
output stride 8.
"""
import copy
import json
from pathlib import Path
from typing import Dict

import pytest
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.config import Config
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from mmhad.compat import _sync_bn_to_bn
from mmhad.datasets.synthetic_scenes import generate_dataset
from mmhad.models.decode_heads import (ASPPBottleneckMixin, SemanticASPPHead,
                                       build_deeplabv3_bottleneck)
from tests.test_tools.test_train_test_tools import tiny_options
from tests.test_tools.utils import load_tool

CONFIGS = Path(__file__).resolve().parents[3] / 'configs'
MODELS_DIR = CONFIGS / '_base_' / 'models'
#: The paper's head: 512 backbone channels, 256 per branch, rates 12/24/36.
PAPER = dict(in_channels=512, channels=256, dilations=(1, 12, 24, 36),
             dropout_ratio=0.5, bottleneck='deeplabv3',
             norm_cfg=dict(type='BN'))
#: type (``type:task`` for the generic regression head) -> output channels
#: of every ASPP-based head.
HEADS: Dict[str, int] = {
    'SemanticASPPHead': 13, 'DepthASPPHead': 1, 'NormalASPPHead': 3,
    'RegressionASPPHead:albedo': 3, 'RegressionASPPHead:shading': 1,
    'EdgeASPPHead': 2}


def build_head(head_type: str, **kwargs) -> nn.Module:
    type_, _, task = head_type.partition(':')
    cfg = dict(type=type_, **kwargs)
    if task:
        cfg['task'] = task
    if head_type == 'SemanticASPPHead':
        cfg.setdefault('num_classes', HEADS[head_type])
    return MODELS.build(cfg)


def features(batch: int = 2, channels: int = 512, size=(8, 8)) -> list:
    """Backbone output list: one (batch, channels, h, w) map."""
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(batch, channels, *size, generator=gen)]


def assert_conv_bn_relu(module: nn.Module, cin: int, cout: int,
                        kernel: int) -> None:
    assert isinstance(module, ConvModule)
    conv = module.conv
    assert (conv.in_channels, conv.out_channels) == (cin, cout)
    assert conv.kernel_size == (kernel, kernel) and conv.bias is None
    assert conv.padding == ((kernel - 1) // 2, ) * 2
    assert isinstance(module.bn, nn.BatchNorm2d)
    assert isinstance(module.activate, nn.ReLU)


@pytest.mark.parametrize('head_type', sorted(HEADS))
def test_paper_tail_layers(head_type):
    head = build_head(head_type, **PAPER)
    assert isinstance(head, (ASPPBottleneckMixin, ASPPHead))
    assert head.bottleneck_type == 'deeplabv3'
    # ASPP is mmseg's: image pooling + 1x1 + three 3x3 at 12/24/36, 256 each
    assert_conv_bn_relu(head.image_pool[1], 512, 256, 1)
    assert [m.conv.dilation[0] for m in head.aspp_modules] == [1, 12, 24, 36]
    assert [m.conv.kernel_size[0] for m in head.aspp_modules] == [1, 3, 3, 3]
    # tail: 1x1 projection 1280 -> 256, Dropout(0.5), 3x3 conv 256
    tail = head.bottleneck
    assert isinstance(tail, nn.Sequential) and len(tail) == 3
    assert_conv_bn_relu(tail[0], 5 * 256, 256, 1)
    assert type(tail[1]) is nn.Dropout and tail[1].p == 0.5
    assert_conv_bn_relu(tail[2], 256, 256, 3)
    # no second dropout before the 1x1 classifier
    assert head.dropout is None
    cls = head.conv_seg
    assert (cls.in_channels, cls.out_channels) == (256, HEADS[head_type])
    assert cls.kernel_size == (1, 1) and cls.bias is not None


@pytest.mark.parametrize('head_type', sorted(HEADS))
def test_paper_tail_forward_shape(head_type):
    head = build_head(head_type, **PAPER).eval()
    with torch.no_grad():
        out = head(features(batch=2, size=(8, 10)))
    assert out.shape == (2, HEADS[head_type], 8, 10)


@pytest.mark.parametrize('head_type, channels', [
    ('SemanticASPPHead', 13), ('DepthASPPHead', 1), ('NormalASPPHead', 3)])
def test_paper_head_predicts_at_input_size(head_type, channels):
    head = build_head(head_type, **PAPER).eval()
    metas = [dict(img_shape=(64, 80), pad_shape=(64, 80))] * 2
    with torch.no_grad():
        pred = head.predict(features(size=(8, 10)), metas, {})
    assert pred.shape == (2, channels, 64, 80)
    if head_type == 'NormalASPPHead':
        assert torch.allclose(pred.norm(dim=1), torch.ones(2, 64, 80),
                              atol=1e-5)
    if head_type == 'DepthASPPHead':
        assert (pred >= 0).all()


def test_dropout_is_active_in_train_mode_only():
    head = build_head('DepthASPPHead', **PAPER)
    x = features(batch=2)
    head.train()
    torch.manual_seed(0)
    first = head(x)
    torch.manual_seed(1)
    assert not torch.allclose(first, head(x))
    head.eval()
    assert torch.equal(head(x), head(x))


def test_zero_dropout_leaves_it_out():
    tail = build_deeplabv3_bottleneck(40, 8, 0.0, norm_cfg=dict(type='BN'),
                                      act_cfg=dict(type='ReLU'))
    assert len(tail) == 2
    assert [m.conv.kernel_size for m in tail] == [(1, 1), (3, 3)]
    assert tail(torch.randn(2, 40, 3, 4)).shape == (2, 8, 3, 4)
    with pytest.raises(ValueError, match='dropout_ratio'):
        build_deeplabv3_bottleneck(40, 8, 1.0)


def test_unknown_bottleneck_is_refused():
    with pytest.raises(ValueError, match='bottleneck must be one of'):
        build_head('DepthASPPHead', **dict(PAPER, bottleneck='deeplabv3+'))


SMALL = dict(in_channels=16, channels=8, dilations=(1, 2, 3),
             dropout_ratio=0.1, norm_cfg=dict(type='BN'))


def test_default_semantic_head_is_mmseg_aspp_head():
    """Same modules, same initial weights, same outputs as ``ASPPHead``."""
    torch.manual_seed(0)
    ours = SemanticASPPHead(num_classes=5, **SMALL)
    torch.manual_seed(0)
    mmseg = ASPPHead(num_classes=5, **SMALL)
    assert ours.bottleneck_type == 'mmseg'
    assert str(ours) == 'Semantic' + str(mmseg)  # the same module tree
    ref = mmseg.state_dict()
    got = ours.state_dict()
    assert list(got) == list(ref)
    assert all(torch.equal(got[k], ref[k]) for k in ref)
    x = features(channels=16, size=(5, 6))
    assert torch.equal(ours.eval()(x), mmseg.eval()(x))


@pytest.mark.parametrize('head_type', sorted(set(HEADS) -
                                             {'SemanticASPPHead'}))
def test_default_task_heads_keep_mmseg_bottleneck(head_type):
    head = build_head(head_type, **SMALL)
    mmseg = ASPPHead(num_classes=HEADS[head_type], **SMALL)
    assert head.bottleneck_type == 'mmseg'
    assert_conv_bn_relu(head.bottleneck, 4 * 8, 8, 3)
    assert type(head.dropout) is nn.Dropout2d and head.dropout.p == 0.1
    shapes = {k: v.shape for k, v in head.state_dict().items()}
    assert shapes == {k: v.shape for k, v in mmseg.state_dict().items()}


def model_cfg(name: str) -> dict:
    """Model config of a ``_base_/models`` file, built offline with BN."""
    cfg = copy.deepcopy(
        Config.fromfile(str(MODELS_DIR / name)).model.to_dict())
    cfg['backbone']['init_cfg'] = None  # no torchvision download
    _sync_bn_to_bn(cfg)
    return cfg


@pytest.mark.parametrize('name, depth, checkpoint', [
    ('mt_deeplabv3-paper_r18-d8.py', 18, 'torchvision://resnet18'),
    ('mt_deeplabv3-paper_r50-d8.py', 50, 'torchvision://resnet50'),
])
def test_paper_configs_name_torchvision_weights(name, depth, checkpoint):
    backbone = Config.fromfile(str(MODELS_DIR / name)).model.backbone
    assert backbone.type == 'ResNet' and backbone.depth == depth
    assert backbone.init_cfg == dict(type='Pretrained',
                                     checkpoint=checkpoint)


@pytest.mark.parametrize('name, channels', [
    ('mt_deeplabv3-paper_r18-d8_synthetic.py', 512),
    ('mt_deeplabv3-paper_r50-d8.py', 2048),
])
def test_backbone_has_7x7_stem_and_output_stride_8(name, channels):
    backbone = MODELS.build(model_cfg(name)['backbone'])
    backbone.eval()  # mmseg's ResNet.train returns None
    assert not backbone.deep_stem and not hasattr(backbone, 'stem')
    conv1 = backbone.conv1
    assert (conv1.in_channels, conv1.kernel_size, conv1.stride) == \
        (3, (7, 7), (2, 2))
    assert isinstance(backbone.maxpool, nn.MaxPool2d)
    # layer3 / layer4: stride 1, dilation 2 / 4 (first block half)
    for stage, dilation in (('layer3', 2), ('layer4', 4)):
        layer = getattr(backbone, stage)
        dilated = [m for m in layer.modules()
                   if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
        assert all(m.stride == (1, 1) for m in layer.modules()
                   if isinstance(m, nn.Conv2d))
        assert dilated[0].dilation == (dilation // 2, ) * 2
        assert max(m.dilation[0] for m in dilated) == dilation
    with torch.no_grad():
        (out, ) = backbone(torch.zeros(1, 3, 64, 64))
    assert out.shape == (1, channels, 8, 8)


def test_synthetic_paper_model_builds_paper_heads():
    model = MODELS.build(model_cfg('mt_deeplabv3-paper_r18-d8_synthetic.py'))
    assert list(model.tasks) == ['semantic', 'depth', 'normal']
    assert type(model.decode_heads['semantic']) is SemanticASPPHead
    for task, out in (('semantic', 6), ('depth', 1), ('normal', 3)):
        head = model.decode_heads[task]
        assert head.bottleneck_type == 'deeplabv3', task
        assert head.bottleneck[0].conv.in_channels == 5 * 64
        assert type(head.bottleneck[1]) is nn.Dropout
        assert head.bottleneck[1].p == 0.5 and head.dropout is None
        assert head.conv_seg.out_channels == out
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(1, 3, 64, 64))
        outs = {t: h(feats) for t, h in model.decode_heads.items()}
    assert {t: tuple(o.shape) for t, o in outs.items()} == dict(
        semantic=(1, 6, 8, 8), depth=(1, 1, 8, 8), normal=(1, 3, 8, 8))


def test_had_with_paper_architecture_trains_three_phases(tmp_path):
    """Three 1-iteration phases (teacher + HAD loss) on thin stages."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        root = str(tmp_path / 'scenes')
        generate_dataset(root, num_train=6, num_val=2, height=32, width=48,
                         seed=0)
        config = CONFIGS / 'had' / 'had_r18-d8-paper-arch_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
        runner = load_tool('train.py').main([
            str(config), '--work-dir', str(tmp_path / 'work'),
            '--cfg-options', *tiny_options(root, phase_iters=(1, 1, 1))
        ])
    finally:
        torch.set_num_threads(threads)
    assert runner.model.backbone.conv1.kernel_size == (7, 7)
    head = runner.model.decode_heads['normal']
    assert head.bottleneck_type == 'deeplabv3'
    phases = json.loads((tmp_path / 'work' /
                         'continual_results.json').read_text())['phases']
    assert [p['task'] for p in phases] == ['semantic', 'depth', 'normal']
