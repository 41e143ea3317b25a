"""The tail of an ASPP head: mmseg's bottleneck or the paper's DeepLabV3 one.

mmseg's :class:`~mmseg.models.decode_heads.ASPPHead` fuses the five ASPP
branches (image pooling, 1x1, three dilated 3x3; ``channels`` each) with one
3x3 ``ConvModule`` from ``5 * channels`` to ``channels`` and applies its
``dropout_ratio`` (``Dropout2d``) right before ``conv_seg``. The HAD paper and
its release (``model/aspp.py``, torchvision's ``DeepLabHead``) fuse them as::

    concat (5c) -> 1x1 conv c + BN + ReLU -> Dropout(0.5)
                -> 3x3 conv c + BN + ReLU -> 1x1 conv to the task's channels

:class:`ASPPBottleneckMixin` gives every ASPP-based head a ``bottleneck``
keyword choosing between the two, implemented once: mmhad's task heads
(:class:`DepthASPPHead`, :class:`NormalASPPHead`...) mix it in, and
:class:`SemanticASPPHead` is mmseg's ``ASPPHead`` plus the keyword for
segmentation. ASPP itself (image pooling and the dilated branches) is mmseg's,
unchanged; only ``self.bottleneck`` and the place of the dropout differ.

A keyword rather than one head class per (task, tail) pair keeps the task
heads' behaviour (activation, loss, ground-truth field) and the decoder
architecture independent choices of a config; the default ``'mmseg'`` builds
exactly mmseg's modules (same state-dict keys, same forward), so existing
configs and checkpoints are unaffected.
"""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

#: Accepted values of the ``bottleneck`` keyword.
ASPP_BOTTLENECKS = ('mmseg', 'deeplabv3')


def build_deeplabv3_bottleneck(in_channels: int,
                               channels: int,
                               dropout_ratio: float,
                               conv_cfg: Optional[dict] = None,
                               norm_cfg: Optional[dict] = None,
                               act_cfg: Optional[dict] = None
                               ) -> nn.Sequential:
    """DeepLabV3's fusion of the ASPP branches, as in the HAD release.

    Input (B, ``in_channels``, h, w), the concatenated branches; output
    (B, ``channels``, h, w), the features ``conv_seg`` classifies.

    Layers: ``0`` 1x1 ``ConvModule`` ``in_channels -> channels`` (conv without
    bias, norm, activation), ``1`` ``nn.Dropout(dropout_ratio)`` (element-wise,
    as torchvision's ``ASPP.project``; left out when ``dropout_ratio`` is 0),
    then a 3x3 ``ConvModule`` ``channels -> channels`` (padding 1).

    Args:
        in_channels (int): Channels of the concatenated ASPP branches,
            ``(len(dilations) + 1) * channels``.
        channels (int): Channels of the projection and of the 3x3 conv.
        dropout_ratio (float): Dropout probability after the projection
            (the paper: 0.5), in ``[0, 1)``.
        conv_cfg (dict, optional): Conv layer config. Defaults to None.
        norm_cfg (dict, optional): Norm layer config. Defaults to None.
        act_cfg (dict, optional): Activation config. Defaults to None (no
            activation); heads pass their ``act_cfg`` (ReLU).

    Returns:
        nn.Sequential: The bottleneck.
    """
    if not 0 <= dropout_ratio < 1:
        raise ValueError(f'dropout_ratio must be in [0, 1), got '
                         f'{dropout_ratio}')
    common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
    layers = [ConvModule(in_channels, channels, 1, **common)]
    if dropout_ratio > 0:
        layers.append(nn.Dropout(dropout_ratio))
    layers.append(ConvModule(channels, channels, 3, padding=1, **common))
    return nn.Sequential(*layers)


class ASPPBottleneckMixin:
    """``bottleneck`` keyword for an :class:`ASPPHead` (sub)class.

    Mix it in before ``ASPPHead`` (``class H(ASPPBottleneckMixin, ASPPHead)``,
    after mmhad's task mixins). ``'mmseg'`` (default) keeps ``ASPPHead``'s
    tail; ``'deeplabv3'`` replaces ``self.bottleneck`` by
    :func:`build_deeplabv3_bottleneck` and moves the head's one dropout
    there: ``dropout_ratio`` becomes the rate of the ``nn.Dropout`` after the
    1x1 projection, and ``conv_seg`` gets no dropout (``self.dropout`` is
    None). Shapes are unchanged: ``forward`` maps the backbone's
    (B, in_channels, h, w) to (B, out_channels, h, w).

    Args:
        bottleneck (str): ``'mmseg'`` or ``'deeplabv3'``. Defaults to
            ``'mmseg'``.
    """

    def __init__(self, *args, bottleneck: str = 'mmseg', **kwargs) -> None:
        if bottleneck not in ASPP_BOTTLENECKS:
            raise ValueError(f'bottleneck must be one of {ASPP_BOTTLENECKS}, '
                             f'got {bottleneck!r}')
        super().__init__(*args, **kwargs)
        self.bottleneck_type = bottleneck
        if bottleneck == 'deeplabv3':
            self.bottleneck = build_deeplabv3_bottleneck(
                (len(self.dilations) + 1) * self.channels,
                self.channels,
                self.dropout_ratio,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg)
            self.dropout = None  # the dropout sits after the projection


@MODELS.register_module()
class SemanticASPPHead(ASPPBottleneckMixin, ASPPHead):
    """mmseg's :class:`ASPPHead` for segmentation with a ``bottleneck`` choice.

    Input: the backbone's feature list; output (B, num_classes, h, w) logits.
    With the default ``bottleneck='mmseg'`` it is ``ASPPHead``; the paper's
    head is ``bottleneck='deeplabv3', dropout_ratio=0.5``
    (see :class:`ASPPBottleneckMixin`). Accepts every ``ASPPHead`` argument.
    """
