import torch
import torch.nn.functional as F

from mmhad.models.utils import channel_argmax, channel_cosine, unit_vectors


def test_channel_argmax_matches_argmax_first_index_on_ties():
    torch.manual_seed(0)
    scores = torch.randint(0, 3, (2, 7, 5, 6)).float()  # many ties
    assert torch.equal(channel_argmax(scores), scores.argmax(1))
    tied = torch.zeros(1, 4, 1, 1)
    tied[0, 1] = tied[0, 3] = 2.0
    assert channel_argmax(tied).item() == 1
    chw = torch.randn(5, 4, 3)
    assert torch.equal(channel_argmax(chw, dim=0), chw.argmax(0))


def test_unit_vectors_matches_normalize_and_is_safe_at_zero():
    x = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]).t().reshape(
        1, 3, 1, 2).contiguous().requires_grad_()
    u = unit_vectors(x)
    # (3, 4, 0) / 5 and the zero vector stays zero
    assert torch.allclose(u[0, :, 0, 0], torch.tensor([0.6, 0.8, 0.0]))
    assert torch.equal(u[0, :, 0, 1], torch.zeros(3))
    u.sum().backward()
    ref = x.detach().clone().requires_grad_()
    F.normalize(ref, dim=1).sum().backward()
    # finite (x / eps near 0), as F.normalize's
    assert torch.isfinite(x.grad).all()
    assert torch.allclose(x.grad, ref.grad)

    torch.manual_seed(0)
    a = torch.randn(2, 3, 4, 5, requires_grad=True)
    b = a.detach().clone().requires_grad_()
    w = torch.randn(2, 3, 4, 5)
    (unit_vectors(a) * w).sum().backward()
    (F.normalize(b, dim=1) * w).sum().backward()
    assert torch.allclose(unit_vectors(a), F.normalize(a, dim=1), atol=1e-6)
    assert torch.allclose(a.grad, b.grad, atol=1e-5)
    # eps: vectors shorter than eps are divided by eps
    small = torch.full((1, 3, 1, 1), 1e-7)
    assert torch.allclose(unit_vectors(small, eps=1e-6), small / 1e-6)


def test_channel_cosine_matches_cosine_similarity():
    a = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    b = torch.tensor([1.0, 1.0, 0.0]).view(1, 3, 1, 1)
    assert torch.allclose(channel_cosine(a, b), torch.tensor(0.5 ** 0.5))
    assert torch.allclose(channel_cosine(a, -2 * a), torch.tensor(-1.0))
    torch.manual_seed(1)
    x, y = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    x[0, :, 0, 0] = 0  # zero vector: cosine 0, as F.cosine_similarity
    assert torch.allclose(channel_cosine(x, y),
                          F.cosine_similarity(x, y, dim=1, eps=1e-8),
                          atol=1e-6)
