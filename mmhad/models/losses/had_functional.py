"""The math of HAD (Heterogeneity-Aware Distillation, arXiv 2603.26192).

One old task ``t`` is distilled from the teacher's output ``T`` into the
student's output ``S``, both ``(B, C, H, W)``. ``p`` runs over the valid
pixels ``V`` (``valid``, an optional ``(B, H, W)`` bool mask; ``None`` = all
pixels); ``X^ = X / |X|`` over the channels. Each of the paper's equations
is written here once, next to the function that computes it; the functions'
docstrings give shapes, units, edge cases and the authors' release variants
(options whose first allowed value in :data:`OPTIONS` is the paper's form).

(1) Per-pixel distillation map ``l``, by output type (a task type's
    ``distill``), :func:`pixel_distill_loss`::

        segmentation  l_p = -log softmax(S_p)[y_p],  y_p = argmax_c T_pc
        regression    l_p = (1/C) sum_c |S_pc - T_pc|
        normal        l_p = 1 - <S^_p, T^_p>

(2) Pseudo-label groups of DB-HAD, :func:`db_group_ids`::

        segmentation        g_p = y_p                      (C groups)
        regression, normal  v_p = (1/C) sum_c T_pc  (T^ for normals),
                            v~_p = (v_p - min_V v) / (max_V v - min_V v)
                                   per image (0 if v is constant),
                            g_p = [v~_p > delta]           (2 groups)

(3) DB-HAD: geometric mean of ``l`` within each non-empty group ``g``
    (pixels ``P_g``), averaged over those groups ``G+``, :func:`db_had`::

        m_g  = exp( (1/|P_g|) sum_{p in P_g} log(l_p + eps) )
        L_DB = (1/|G+|) sum_{g in G+} m_g

(4) Sobel gradient magnitude, :func:`sobel_magnitude`::

        G = sqrt((Kx * x)^2 + (Ky * x)^2),
        Kx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],  Ky = Kx^T

(5) SG-HAD edge mask: the Sobel gradient of the loss map, min-max normalised
    per image, above ``k``, :func:`sg_edge_mask`::

        G~ = (G(l) - min G(l)) / (max G(l) - min G(l)),   M_p = [G~_p > k]

(6) SG-HAD: mean loss over the selected pixels, :func:`sg_had`::

        L_SG = sum_p M_p l_p / sum_p M_p

(7) HAD loss of one old task, :func:`had_task_loss`::

        L_t = (w_db L_DB + w_sg L_SG) / (number of enabled terms)

(8) LwF loss of one old task (the baseline, same maps), :func:`masked_mean`::

        L_t = sum_{p in V} l_p / |V|

(9) Total over the old tasks ``O`` with weight lambda,
    :func:`distill_total`::

        L_distill = lambda * (1/|O|) sum_{t in O} L_t

Every function works on a whole batch at once: there is no Python loop over
images, classes, groups or pixels. Loss maps are computed in float32 whatever
the input dtype (AMP-safe), on the device of the inputs. Every string option
is validated by :func:`check_option` against :data:`OPTIONS` (the one table).
"""
from typing import Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ..utils import channel_argmax, unit_vectors

OUTPUT_TYPES = ('segmentation', 'regression', 'normal')

#: Allowed values of every string option of the HAD and LwF losses; the
#: first entry is the paper's form (the default), the others the authors'
#: release or an ablation. Checked by :func:`check_option` (functions and
#: modules alike).
OPTIONS = {
    'output_type': OUTPUT_TYPES,
    'mean': ('geometric', 'arithmetic'),
    'group_weighting': ('uniform', 'release_softmax'),
    'group_reduction': ('mean', 'sum'),
    'regression_split': ('normalized_teacher', 'release_raw_student'),
    'group_by': ('batch', 'image'),
    'sobel_padding': ('replicate', 'zeros'),
    'sg_normalization': ('edge_pixels', 'all_pixels'),
    'normal_loss': ('cosine', 'release_cos3'),
    'normal_sg': ('masked', 'release_unmasked_sum'),
    'task_reduction': ('mean', 'sum'),
}
#: Options that only apply to ``output_type='normal'``: any other output
#: type must keep the paper's value (the first of ``OPTIONS[name]``).
NORMAL_ONLY = ('normal_loss', 'normal_sg')


def check_option(name: str, value: str) -> str:
    """Validate one string option of the HAD losses.

    Args:
        name (str): Option key, a key of :data:`OPTIONS`.
        value (str): Its value.

    Returns:
        str: ``value`` unchanged.

    Raises:
        ValueError: If ``value`` is not one of ``OPTIONS[name]``; the message
            names the key, the value and the allowed values.
    """
    allowed = OPTIONS[name]
    if value not in allowed:
        raise ValueError(f'{name} must be one of {allowed}, got {value!r}')
    return value


def check_options(options: Mapping[str, str]) -> None:
    """Validate the string options of one loss module at once.

    Each value is checked by :func:`check_option`; then the options of
    :data:`NORMAL_ONLY` must keep the paper's value unless
    ``options['output_type']`` is ``'normal'``.

    Args:
        options (Mapping[str, str]): Option key -> value (keys of
            :data:`OPTIONS`), ``output_type`` among them when a
            :data:`NORMAL_ONLY` option is given.

    Raises:
        ValueError: Naming the first invalid key and value.
    """
    for name, value in options.items():
        check_option(name, value)
    output_type = options.get('output_type')
    for name in NORMAL_ONLY:
        if name in options and output_type != 'normal' and \
                options[name] != OPTIONS[name][0]:
            raise ValueError(f'{name}={options[name]!r} only applies to '
                             f'output_type="normal", got {output_type!r}')


def _valid_or_all(loss_map: Tensor, valid_mask: Optional[Tensor]) -> Tensor:
    """Return ``valid_mask`` as (B, H, W) bool (all True if None)."""
    if valid_mask is None:
        return torch.ones_like(loss_map, dtype=torch.bool)
    if valid_mask.dim() == 4 and valid_mask.shape[1] == 1:
        valid_mask = valid_mask[:, 0]
    assert valid_mask.shape == loss_map.shape, (
        f'valid_mask {tuple(valid_mask.shape)} does not match the loss map '
        f'{tuple(loss_map.shape)}')
    return valid_mask.to(device=loss_map.device, dtype=torch.bool)


def pixel_distill_loss(student: Tensor,
                       teacher: Tensor,
                       output_type: str,
                       normal_loss: str = 'cosine') -> Tensor:
    """Per-pixel distillation loss map of one old task, Eq. (1).

    The teacher is detached here, so no gradient reaches it even if it
    requires grad.

    ``normal_loss='cosine'`` is the paper's normal map of Eq. (1).
    ``normal_loss='release_cos3'`` (the authors' release,
    ``utility.weight_fit``): the release's model unit-normalises its normal
    outputs and the loss takes the *channel mean* of the product,
    ``l = 1 - (1/C) sum_c S^_c T^_c = 1 - cos / 3`` for C = 3, so l lies in
    [2/3, 4/3] and its gradient is a third of the paper's.

    Args:
        student (Tensor): Student output, (B, C, H, W): logits for
            ``'segmentation'``, values in the task's unit (e.g. metres) for
            ``'regression'``, 3-vectors (not necessarily unit) for
            ``'normal'``.
        teacher (Tensor): Teacher output of the same shape and meaning.
        output_type (str): ``'segmentation'``, ``'regression'`` or
            ``'normal'``.
        normal_loss (str): ``'cosine'`` (paper) or ``'release_cos3'``;
            only used for normals. Defaults to 'cosine'.

    Returns:
        Tensor: Loss map l, (B, H, W), float32: nats for segmentation, the
        task's unit for regression, dimensionless in [0, 2] for normals
        ([2/3, 4/3] with ``'release_cos3'``).
    """
    check_option('output_type', output_type)
    check_option('normal_loss', normal_loss)
    assert student.shape == teacher.shape, (
        f'student {tuple(student.shape)} and teacher {tuple(teacher.shape)} '
        'shapes differ')
    s = student.float()
    t = teacher.detach().float()
    if output_type == 'segmentation':
        # Eq. (1), segmentation; y = argmax_c T is the pseudo-label
        return F.cross_entropy(s, channel_argmax(t), reduction='none')
    if output_type == 'regression':
        # Eq. (1), regression
        return (s - t).abs().mean(dim=1)
    if output_type == 'normal':  # the last of OUTPUT_TYPES
        prod = unit_vectors(s) * unit_vectors(t)
        if normal_loss == 'release_cos3':
            # release: l = 1 - (1/C) sum_c S^_c T^_c  (= 1 - cos/3)
            return 1.0 - prod.mean(1)
        # Eq. (1), normal
        return 1.0 - prod.sum(1)


def db_group_ids(student: Tensor,
                 teacher: Tensor,
                 output_type: str,
                 valid_mask: Optional[Tensor] = None,
                 delta: float = 0.5,
                 regression_split: str = 'normalized_teacher'
                 ) -> Tuple[Tensor, int]:
    """Group id of every pixel for DB-HAD, Eq. (2).

    * segmentation: the pseudo-label class; ``C`` groups.
    * regression / normal, ``regression_split='normalized_teacher'`` (paper):
      the min and max of ``v`` are taken per image over its valid pixels;
      ties (``v~ = delta``) go to the low group 0. An image whose ``v`` is
      constant over its valid pixels gets ``v~ = 0``: all its pixels fall
      into group 0.
    * regression / normal, ``regression_split='release_raw_student'`` (the
      authors' release): ``v`` = channel mean of the raw (detached) student
      output, not min-max normalised; same tie rule. For normals this is the
      unit-normalised student ``S^`` (the release's model divides its normal
      output by its norm before any loss). The release uses strict ``<`` and
      ``>`` and so drops pixels exactly at ``delta``; we keep them in group 0.

    Args:
        student (Tensor): Student output, (B, C, H, W).
        teacher (Tensor): Teacher output, (B, C, H, W).
        output_type (str): One of ``OUTPUT_TYPES``.
        valid_mask (Tensor, optional): (B, H, W) bool. Only used for the
            per-image min/max. Defaults to None (all valid).
        delta (float): Split point in [0, 1]. Defaults to 0.5.
        regression_split (str): ``'normalized_teacher'`` or
            ``'release_raw_student'``.

    Returns:
        tuple[Tensor, int]: ids (B, H, W) int64 in ``[0, num_groups)`` and
        ``num_groups``.
    """
    check_option('output_type', output_type)
    t = teacher.detach().float()
    if output_type == 'segmentation':
        return channel_argmax(t), t.shape[1]
    check_option('regression_split', regression_split)
    if regression_split == 'release_raw_student':
        s = student.detach().float()
        if output_type == 'normal':
            s = unit_vectors(s)
        # v = (1/C) sum_c S_c  (S^ for normals), not normalised
        v = s.mean(dim=1)
    elif regression_split == 'normalized_teacher':
        if output_type == 'normal':
            t = unit_vectors(t)
        v = t.mean(dim=1)
        valid = _valid_or_all(v, valid_mask)
        inf = torch.finfo(v.dtype).max
        vmin = torch.where(valid, v, inf).amin(dim=(1, 2), keepdim=True)
        vmax = torch.where(valid, v, -inf).amax(dim=(1, 2), keepdim=True)
        rng = vmax - vmin
        # Eq. (2): v~, 0 where v is constant over the image
        v = torch.where(rng > 0, (v - vmin) / rng.clamp(min=1e-12),
                        torch.zeros_like(v))
    return (v > delta).long(), 2


def db_had(loss_map: Tensor,
           group_ids: Tensor,
           num_groups: int,
           valid_mask: Optional[Tensor] = None,
           mean: str = 'geometric',
           eps: float = 1e-6,
           group_weighting: str = 'uniform',
           group_by: str = 'batch',
           group_reduction: str = 'mean',
           empty_group_value: float = 0.0) -> Tensor:
    """Distribution-balanced term L_DB, Eq. (3).

    ``mean='geometric'`` is Eq. (3)'s ``m_g`` (computed in log space);
    ``mean='arithmetic'`` (ablation) takes ``m_g = mean_{p in P_g} l_p``.
    ``eps`` keeps a group that contains an exact zero finite and
    differentiable (a pure geometric mean would be 0 there); a group of
    exact zeros gives ``m_g = eps``, not 0.

    ``group_weighting='uniform'``, ``group_reduction='mean'`` (paper): the
    L_DB of Eq. (3), over the non-empty groups G+.

    ``group_weighting='uniform'``, ``group_reduction='sum'`` (the authors'
    release for depth and normals, ``utility.num_dep_bar`` /
    ``num_norm_bar``, used there with ``mean='arithmetic'``):
    L_DB = sum_g m_g over *all* groups, an empty group counting as
    ``empty_group_value`` (the release: 0 for depth; 1 for normals, whose
    group term it writes as 1 - mean(cos/3) with an empty mean taken as 0).

    ``group_weighting='release_softmax'`` (the authors' release, NOT the
    paper; our reading of its code): ``w = softmax_g(-m_g)`` over *all*
    ``num_groups`` groups, detached, with empty groups entering as
    ``m_g = empty_group_value`` (0 in the release);
    L_DB = (1/num_groups) sum_g w_g m_g (``group_reduction='mean'``, as the
    release's ``nanmean``) or sum_g w_g m_g (``'sum'``). Low-loss groups get
    larger weights, and the value depends on ``num_groups``.

    ``group_by='batch'`` (default) pools a group's pixels over the whole batch
    (as the release does); ``'image'`` forms groups per image, computes L_DB
    per image and averages it over the images with at least one valid pixel.

    Args:
        loss_map (Tensor): l, (B, H, W).
        group_ids (Tensor): (B, H, W) int64 in ``[0, num_groups)``.
        num_groups (int): Number of groups.
        valid_mask (Tensor, optional): (B, H, W) bool. Defaults to None.
        mean (str): ``'geometric'`` or ``'arithmetic'``.
        eps (float): Offset inside the log of the geometric mean.
        group_weighting (str): ``'uniform'`` or ``'release_softmax'``.
        group_by (str): ``'batch'`` or ``'image'``.
        group_reduction (str): ``'mean'`` (paper) or ``'sum'`` (release for
            regression / normals). Defaults to 'mean'.
        empty_group_value (float): m_g of an empty group where one enters
            (``'sum'`` reduction or ``'release_softmax'``). Defaults to 0.

    Returns:
        Tensor: Scalar L_DB in the unit of ``loss_map``; an exact 0 (connected
        to the graph) if there is no valid pixel.
    """
    for name, value in (('mean', mean), ('group_weighting', group_weighting),
                        ('group_by', group_by),
                        ('group_reduction', group_reduction)):
        check_option(name, value)
    valid = _valid_or_all(loss_map, valid_mask)
    lm = loss_map.float()
    if mean == 'geometric':
        # clamp: 1 - cos may round to a tiny negative value
        vals = torch.log(lm.clamp(min=0) + eps)
    else:
        vals = lm
    if group_by == 'batch':
        rows = 1
        ids = group_ids
    else:
        rows = lm.shape[0]
        batch_idx = torch.arange(rows, device=lm.device).view(-1, 1, 1)
        ids = group_ids + batch_idx * num_groups
    ids = ids.reshape(-1)
    n = rows * num_groups
    vals = torch.where(valid, vals, torch.zeros_like(vals)).reshape(-1)
    sums = vals.new_zeros(n).index_add(0, ids, vals)
    counts = vals.new_zeros(n).index_add(0, ids, valid.reshape(-1).float())
    nonempty = (counts > 0).view(rows, num_groups)
    m = (sums / counts.clamp(min=1)).view(rows, num_groups)
    if mean == 'geometric':
        # Eq. (3): m_g
        m = torch.exp(m)
    if group_weighting == 'uniform' and group_reduction == 'mean':
        m = torch.where(nonempty, m, torch.zeros_like(m))
        # Eq. (3): L_DB
        per_row = m.sum(1) / nonempty.sum(1).clamp(min=1)
    else:
        m = torch.where(nonempty, m, torch.full_like(m, empty_group_value))
        if group_weighting == 'release_softmax':
            # release: w = softmax_g(-m), detached; terms w_g m_g
            m = torch.softmax(-m.detach(), dim=1) * m
        # 'sum': L_DB = sum_g m_g;  'mean' (softmax): (1/G) sum_g w_g m_g
        per_row = m.sum(1)
        if group_reduction == 'mean':
            per_row = per_row / num_groups
    has_px = nonempty.any(1)
    # mean over the rows (batch, or images) that have a valid pixel
    return (per_row * has_px).sum() / has_px.sum().clamp(min=1)


def sobel_magnitude(x: Tensor, padding: str = 'replicate') -> Tensor:
    """Sobel gradient magnitude of a batch of 1-channel images, Eq. (4).

    ``*`` is the cross-correlation of ``F.conv2d``. A step of height h gives
    ``G = 4h`` on the two pixels either side of it.

    Args:
        x (Tensor): (B, H, W).
        padding (str): ``'replicate'`` (default: the image border is not an
            edge) or ``'zeros'`` (as the release's ``conv2d(padding=1)``, which
            makes the border of a non-zero map an edge).

    Returns:
        Tensor: G, (B, H, W), float32, unit of ``x``.
    """
    kx = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]],
                      device=x.device)
    weight = torch.stack([kx, kx.t()]).unsqueeze(1)  # (2, 1, 3, 3)
    check_option('sobel_padding', padding)
    if padding == 'replicate':
        xp = F.pad(x.float().unsqueeze(1), (1, 1, 1, 1), mode='replicate')
    else:
        xp = F.pad(x.float().unsqueeze(1), (1, 1, 1, 1))
    g = F.conv2d(xp, weight)
    return g.pow(2).sum(dim=1).sqrt()


def sg_edge_mask(loss_map: Tensor,
                 valid_mask: Optional[Tensor] = None,
                 k: float = 0.9,
                 padding: str = 'replicate') -> Tensor:
    """Edge mask M of SG-HAD, Eq. (5) (no gradient).

    ``G`` is the Sobel magnitude (Eq. (4)) of ``l.detach()`` per image;
    invalid pixels are set to 0 in the Sobel input and, so that the
    resulting artificial step is never selected, only *eligible* pixels
    (valid and with a fully valid 3x3 neighbourhood; outside the image
    counts as valid) can be edges. The min and max of Eq. (5) are taken per
    image over its eligible pixels; an image whose ``G`` is constant there
    has no edges.

    Args:
        loss_map (Tensor): l, (B, H, W).
        valid_mask (Tensor, optional): (B, H, W) bool. Defaults to None.
        k (float): Threshold in [0, 1]. Defaults to 0.9.
        padding (str): Sobel padding, see :func:`sobel_magnitude`.

    Returns:
        Tensor: M, (B, H, W) bool.
    """
    valid = _valid_or_all(loss_map, valid_mask)
    lm = torch.where(valid, loss_map.detach().float(),
                     torch.zeros((), device=loss_map.device))
    g = sobel_magnitude(lm, padding)
    touches_invalid = F.max_pool2d((~valid).float().unsqueeze(1), 3, 1,
                                   padding=1)[:, 0] > 0
    eligible = valid & ~touches_invalid
    inf = torch.finfo(g.dtype).max
    gmin = torch.where(eligible, g, inf).amin(dim=(1, 2), keepdim=True)
    gmax = torch.where(eligible, g, -inf).amax(dim=(1, 2), keepdim=True)
    rng = gmax - gmin
    # Eq. (5): G~ and M
    g_norm = (g - gmin) / rng.clamp(min=1e-12)
    return eligible & (rng > 0) & (g_norm > k)


def sg_had(loss_map: Tensor,
           valid_mask: Optional[Tensor] = None,
           k: float = 0.9,
           padding: str = 'replicate',
           normalization: str = 'edge_pixels') -> Tensor:
    """Salience-guided term L_SG, Eq. (6).

    ``normalization='edge_pixels'`` (paper): Eq. (6) over the batch (M from
    :func:`sg_edge_mask`, non-differentiable); an exact 0 connected to the
    graph when no pixel is selected (never NaN).

    ``normalization='all_pixels'`` (the authors' release for segmentation,
    ``utility.weight_fit``: ``(loss * sober_mask).mean()``):
    L_SG = sum_p M_p l_p / (B H W), the mean of M l over *all* pixels of the
    batch, valid or not; it shrinks with the share of edge pixels.

    Args:
        loss_map (Tensor): l, (B, H, W).
        valid_mask (Tensor, optional): (B, H, W) bool. Defaults to None.
        k (float): Edge threshold in [0, 1]. Defaults to 0.9.
        padding (str): Sobel padding, see :func:`sobel_magnitude`.
        normalization (str): ``'edge_pixels'`` or ``'all_pixels'``.
            Defaults to 'edge_pixels'.

    Returns:
        Tensor: Scalar L_SG in the unit of ``loss_map``.
    """
    check_option('sg_normalization', normalization)
    mask = sg_edge_mask(loss_map, valid_mask, k, padding)
    lm = loss_map.float()
    selected = torch.where(mask, lm, torch.zeros_like(lm)).sum()
    if normalization == 'all_pixels':
        # release: L_SG = (1/(B H W)) sum_p M_p l_p
        return selected / lm.numel()
    # Eq. (6), the denominator at least 1
    return selected / mask.sum().clamp(min=1)


def release_normal_sg(loss_map: Tensor,
                      student: Tensor,
                      teacher: Tensor,
                      valid_mask: Optional[Tensor] = None,
                      k: float = 0.9,
                      padding: str = 'zeros') -> Tensor:
    """The release's SG term of surface normals (NOT the paper's).

    Our reading of ``utility.weight_fit`` (normals branch): with
    ``P_pc = S^_pc T^_pc`` (unit-normalised outputs, valid pixels only) and
    the edge mask M of the loss map (:func:`sg_edge_mask`), the release
    computes ``1 - sum(P) / count_nonzero(P * M)``: the *unmasked* sum of
    the products over all valid pixels and channels, divided by the number
    of (pixel, channel) entries that are non-zero *and* on an edge:

    ``L_SG = 1 - sum_{p valid, c} P_pc / |{(p, c): M_p, p valid, P_pc != 0}|``

    and ``L_SG = 1`` (a constant, connected to the graph) when that count is
    0. With |M| edge pixels and no zero product, the denominator is
    ``C |M|``, so the term is ``1 - (sum_p cos_p) / (3 |M|)``: it pulls on
    every pixel, not only edges, and can be far below 0.

    Args:
        loss_map (Tensor): l, (B, H, W), the map the edge mask is taken from
            (the release: ``1 - cos/3``).
        student (Tensor): Student normals, (B, C, H, W), any norm.
        teacher (Tensor): Teacher normals, (B, C, H, W); detached here.
        valid_mask (Tensor, optional): (B, H, W) bool. Defaults to None.
        k (float): Edge threshold in [0, 1]. Defaults to 0.9.
        padding (str): Sobel padding. Defaults to 'zeros' (release).

    Returns:
        Tensor: Scalar L_SG, dimensionless.
    """
    valid = _valid_or_all(loss_map, valid_mask)
    mask = sg_edge_mask(loss_map, valid, k, padding)
    prod = unit_vectors(student.float()) * unit_vectors(
        teacher.detach().float())
    prod = torch.where(valid.unsqueeze(1), prod, torch.zeros_like(prod))
    # N = |{(p, c): M_p and P_pc != 0}|
    count = ((prod != 0) & mask.unsqueeze(1)).sum()
    # L_SG = 1 - sum_{p, c} P_pc / N   (1 if N = 0)
    return torch.where(count > 0, 1.0 - prod.sum() / count.clamp(min=1),
                       prod.sum() * 0 + 1.0)


def masked_mean(loss_map: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
    """Plain mean of l over the valid pixels: the LwF loss, Eq. (8).

    Args:
        loss_map (Tensor): l, (B, H, W).
        valid_mask (Tensor, optional): (B, H, W) bool. Defaults to None.

    Returns:
        Tensor: Scalar; an exact 0 connected to the graph if nothing is valid.
    """
    valid = _valid_or_all(loss_map, valid_mask)
    lm = loss_map.float()
    # Eq. (8), the denominator at least 1
    total = torch.where(valid, lm, torch.zeros_like(lm)).sum()
    return total / valid.sum().clamp(min=1)


def had_task_loss(terms: Sequence[Tensor]) -> Tensor:
    """HAD loss of one old task, Eq. (7).

    Args:
        terms (Sequence[Tensor]): The enabled weighted terms, e.g.
            ``[w_db * L_DB, w_sg * L_SG]``, scalars; at least one.

    Returns:
        Tensor: Scalar L_t, the mean of ``terms``.
    """
    # Eq. (7)
    return sum(terms) / len(terms)


def distill_total(per_task: Tensor,
                  loss_weight: float,
                  task_reduction: str = 'mean') -> Tensor:
    """Total distillation loss over the old tasks, Eq. (9).

    ``task_reduction='sum'`` (the authors' release, ``methods/had.py``:
    ``new_loss += _loss`` over the old tasks, then ``args.new * new_loss``)
    gives ``lambda * sum_t L_t``: in phase 3 (two old tasks) twice the mean.

    Args:
        per_task (Tensor): (|O|,) the old tasks' L_t.
        loss_weight (float): lambda.
        task_reduction (str): ``'mean'`` (paper) or ``'sum'`` (release).
            Defaults to 'mean'.

    Returns:
        Tensor: Scalar L_distill.
    """
    if check_option('task_reduction', task_reduction) == 'sum':
        return loss_weight * per_task.sum()
    # Eq. (9)
    return loss_weight * per_task.mean()
