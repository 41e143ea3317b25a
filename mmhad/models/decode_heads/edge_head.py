"""Occlusion-edge decode head: DeepLabV3 ASPP body, edge / no-edge logits."""
import copy
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

    Output: (B, 2, H, W) logits of (no edge, edge). The fields are those of
    the task (``'edge'``: ground truth ``gt_edge_map``, 1 x H x W int64,
    255 = ignored; the segmentor writes ``pred_edge_map`` (argmax) and
    ``edge_logits``). Accepts every :class:`ASPPHead` argument and
    ``bottleneck`` (:class:`ASPPBottleneckMixin`).

    Args:
        task (str, optional): A registered class task type with two classes.
            Defaults to None, meaning ``'edge'``.
        num_classes (int): Must be 2. Defaults to 2.
        class_weight (Sequence[float], optional): Cross-entropy weight of
            (no edge, edge) for the default ``loss_decode``. Defaults to
            None, meaning the task's loss (for ``'edge'``:
            :data:`DEFAULT_EDGE_CLASS_WEIGHT`, (1, 5)).
        loss_decode (dict | list[dict], optional): Overrides the task's
            default loss (for ``'edge'``: ``WeightedCrossEntropyLoss(
            class_weight=class_weight, loss_name='loss_edge')``; mmseg's
            ``CrossEntropyLoss`` fails with ``class_weight`` and ignored
            pixels); then ``class_weight`` must not be given.
    """

    task = 'edge'

    def __init__(self,
                 *args,
                 task: Optional[str] = None,
                 num_classes: int = 2,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_decode: Optional[dict] = None,
                 **kwargs) -> None:
        if num_classes != 2:
            raise ValueError(f'{type(self).__name__} predicts edge / no edge:'
                             f' num_classes must be 2, got {num_classes}')
        if loss_decode is None:
            loss_decode = copy.deepcopy(self.task_definition(task).loss)
            if class_weight is not None:
                if len(class_weight) != 2:
                    raise ValueError('class_weight must give (no edge, '
                                     f'edge), got {tuple(class_weight)}')
                loss_decode['class_weight'] = [float(w) for w in class_weight]
        elif class_weight is not None:
            raise ValueError('pass class_weight or loss_decode, not both '
                             '(put class_weight inside loss_decode)')
        super().__init__(
            *args,
            task=task,
            num_classes=num_classes,
            loss_decode=loss_decode,
            **kwargs)
