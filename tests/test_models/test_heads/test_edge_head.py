import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmhad.models.decode_heads import EdgeASPPHead
from mmhad.models.decode_heads.edge_head import DEFAULT_EDGE_CLASS_WEIGHT

HEAD = dict(in_channels=8, channels=4, dilations=(1, 2), dropout_ratio=0.0,
            norm_cfg=dict(type='BN'))


def sample(edge):
    s = SegDataSample()
    s.gt_edge_map = PixelData(data=torch.tensor(edge).long()[None])
    return s


def test_fields_classes_and_default_loss():
    head = MODELS.build(dict(type='EdgeASPPHead', **HEAD))
    assert isinstance(head, EdgeASPPHead)
    assert (head.gt_field, head.pred_field, head.logits_field) == (
        'gt_edge_map', 'pred_edge_map', 'edge_logits')
    assert head.num_classes == head.out_channels == 2
    assert type(head.loss_decode).__name__ == 'WeightedCrossEntropyLoss'
    assert head.loss_decode.loss_name == 'loss_edge'
    assert head.loss_decode.class_weight == list(DEFAULT_EDGE_CLASS_WEIGHT)
    assert DEFAULT_EDGE_CLASS_WEIGHT == (1.0, 5.0)


def test_loss_reads_gt_edge_map_weighted_and_ignores_255():
    head = MODELS.build(
        dict(type='EdgeASPPHead', class_weight=(1.0, 3.0), **HEAD))
    logits = torch.tensor([[[[2.0, 0.0, 1.0]], [[0.0, 1.0, 1.0]]]])
    labels = [[0, 1, 255]]  # H x W
    loss = head.loss_by_feat(logits, [sample(labels)])['loss_edge']
    # CE of pixel 0 (class 0, weight 1) and pixel 1 (class 1, weight 3);
    # the ignored pixel 2 is left out of the sum and of the weights
    ce0 = -F.log_softmax(torch.tensor([2.0, 0.0]), 0)[0]
    ce1 = -F.log_softmax(torch.tensor([0.0, 1.0]), 0)[1]
    assert loss.item() == pytest.approx(((ce0 + 3 * ce1) / 4).item())


def test_missing_edges_and_bad_arguments():
    head = MODELS.build(dict(type='EdgeASPPHead', **HEAD))
    feats = [torch.randn(2, 8, 3, 4)]
    with pytest.raises(KeyError, match='gt_edge_map'):
        head.loss(feats, [SegDataSample()] * 2, {})
    with pytest.raises(ValueError, match='num_classes must be 2'):
        MODELS.build(dict(type='EdgeASPPHead', num_classes=3, **HEAD))
    with pytest.raises(ValueError, match='not both'):
        MODELS.build(dict(type='EdgeASPPHead', class_weight=(1, 2),
                          loss_decode=dict(type='CrossEntropyLoss'), **HEAD))
    with pytest.raises(ValueError, match='no edge, edge'):
        MODELS.build(dict(type='EdgeASPPHead', class_weight=(1, 2, 3),
                          **HEAD))


def test_predict_gives_two_class_logits():
    head = MODELS.build(dict(type='EdgeASPPHead', **HEAD))
    metas = [dict(img_shape=(6, 8), pad_shape=(6, 8))] * 2
    logits = head.predict([torch.randn(2, 8, 3, 4)], metas, {})
    assert logits.shape == (2, 2, 6, 8)
