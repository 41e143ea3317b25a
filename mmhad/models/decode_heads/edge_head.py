"""Occlusion-edge decode head: DeepLabV3 ASPP body, edge / no-edge logits."""
from typing import Optional, Sequence

from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .aspp_bottleneck import ASPPBottleneckMixin
from .dense_classification_head import DenseClassificationHeadMixin

#: Weight of (no edge, edge) in the default cross-entropy. Edges cover about
#: 4 % of the synthetic scenes' pixels (meta.json ``edge_pixels``); 5 is about
#: the square root of the class-frequency ratio (0.96 / 0.04 = 24).
DEFAULT_EDGE_CLASS_WEIGHT = (1.0, 5.0)


@MODELS.register_module()
class EdgeASPPHead(DenseClassificationHeadMixin, ASPPBottleneckMixin,
                   ASPPHead):
    """ASPP head classifying every pixel as occlusion edge or not.

    Output: (B, 2, H, W) logits of (no edge, edge). Ground truth:
    ``gt_edge_map`` (1 x H x W int64, 255 = ignored); the segmentor writes
    ``pred_edge_map`` (argmax) and ``edge_logits``. Accepts every
    :class:`ASPPHead` argument and ``bottleneck``
    (:class:`ASPPBottleneckMixin`).

    Args:
        num_classes (int): Must be 2. Defaults to 2.
        class_weight (Sequence[float], optional): Cross-entropy weight of
            (no edge, edge) for the default ``loss_decode``. Defaults to
            None, meaning :data:`DEFAULT_EDGE_CLASS_WEIGHT` (1, 5).
        loss_decode (dict | list[dict], optional): Overrides the default
            ``WeightedCrossEntropyLoss(class_weight=class_weight,
            loss_name='loss_edge')`` (mmseg's ``CrossEntropyLoss`` fails
            with ``class_weight`` and ignored pixels); then ``class_weight``
            must not be given.
    """

    gt_field = 'gt_edge_map'
    pred_field = 'pred_edge_map'
    logits_field = 'edge_logits'

    def __init__(self,
                 *args,
                 num_classes: int = 2,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_decode: Optional[dict] = None,
                 **kwargs) -> None:
        if num_classes != 2:
            raise ValueError(f'{type(self).__name__} predicts edge / no edge:'
                             f' num_classes must be 2, got {num_classes}')
        if loss_decode is None:
            weight = DEFAULT_EDGE_CLASS_WEIGHT if class_weight is None \
                else class_weight
            if len(weight) != 2:
                raise ValueError('class_weight must give (no edge, edge), '
                                 f'got {tuple(weight)}')
            loss_decode = dict(
                type='WeightedCrossEntropyLoss',
                use_sigmoid=False,
                class_weight=[float(w) for w in weight],
                avg_non_ignore=True,  # mean over labelled pixels only
                loss_weight=1.0,
                loss_name='loss_edge')
        elif class_weight is not None:
            raise ValueError('pass class_weight or loss_decode, not both '
                             '(put class_weight inside loss_decode)')
        super().__init__(
            *args, num_classes=num_classes, loss_decode=loss_decode, **kwargs)
