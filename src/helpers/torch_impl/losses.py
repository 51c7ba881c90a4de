"""Loss functions in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.losses`.

Same names (without ``_forward``), arguments and conventions as the NumPy references; written from tensor
operations rather than the ``torch.nn.functional`` losses they are tested against; device- and
dtype-agnostic. Targets are treated as data (no gradient is needed for them).
"""

from __future__ import annotations

import torch

from ..core._validation import check_class_scores, check_loss_pair, check_overlap_args, check_real

__all__ = [
    "l1_loss", "mse_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "softmax_cross_entropy", "multiclass_hinge_loss", "dice_loss", "jaccard_loss",
]



def _reduce(losses, reduction):
    return losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses


def l1_loss(x, y, *, reduction="mean"):
    check_loss_pair(x, y, "l1_loss", reduction, tensor=True)
    return _reduce((x - y).abs(), reduction)


def mse_loss(x, y, *, reduction="mean"):
    check_loss_pair(x, y, "mse_loss", reduction, tensor=True)
    return _reduce((x - y) ** 2, reduction)


def huber_loss(x, y, *, reduction="mean", delta=1.0):
    check_loss_pair(x, y, "huber_loss", reduction, tensor=True)
    delta = check_real(delta, "delta", "huber_loss", low=0.0, low_open=True)
    r = x - y
    a = r.abs()
    return _reduce(torch.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)), reduction)


def binary_cross_entropy(p, y, *, reduction="mean"):
    """BCE from probabilities; each log is clamped at -100 like ``F.binary_cross_entropy``."""
    check_loss_pair(p, y, "binary_cross_entropy", reduction, xname="p", tensor=True)
    if p.numel() and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"The 'p' argument of binary_cross_entropy must hold probabilities in [0, 1]. "
                         f"Got values in [{p.min().item():.4g}, {p.max().item():.4g}] instead.")
    losses = -(y * torch.log(p).clamp(min=-100) + (1 - y) * torch.log1p(-p).clamp(min=-100))
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    """Stable BCE from logits: ``max(z, 0) - z y + log(1 + exp(-|z|))``."""
    check_loss_pair(z, y, "binary_cross_entropy_with_logits", reduction, xname="z", tensor=True)
    return _reduce(z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs())), reduction)


def softmax_cross_entropy(scores, y, *, reduction="mean"):
    """``logsumexp(s) - s_y`` per example, with the maximum subtracted before exponentiating."""
    check_class_scores(scores, y, "softmax_cross_entropy", reduction, tensor=True)
    shifted = scores - scores.amax(dim=1, keepdim=True).detach()  # a constant shift: no gradient needed
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))  # (N, C, ...)
    return _reduce(-log_probs.gather(1, y.unsqueeze(1)).squeeze(1), reduction)  # (N, ...)


def multiclass_hinge_loss(scores, y, *, reduction="mean", margin=1.0):
    """``sum_{j != y} max(0, s_j - s_y + margin)`` per example (no division by C, unlike PyTorch's)."""
    check_class_scores(scores, y, "multiclass_hinge_loss", reduction, spatial=False, tensor=True)
    margin = check_real(margin, "margin", "multiclass_hinge_loss")
    correct = scores.gather(1, y.unsqueeze(1))  # (N, 1)
    is_target = torch.arange(scores.shape[1], device=scores.device) == y.unsqueeze(1)  # (N, C)
    margins = torch.where(is_target, torch.zeros_like(scores), (scores - correct + margin).clamp(min=0))
    return _reduce(margins.sum(dim=1), reduction)


def _overlap_sums(p, y, func, reduction, eps):
    eps = check_overlap_args(p, y, func, reduction, eps, tensor=True)
    dims = tuple(range(2, p.ndim))  # the pixels of each example and class
    if not dims:  # careful: torch's sum(dim=()) would sum over everything
        return p * y, p + y, eps
    return (p * y).sum(dim=dims), p.sum(dim=dims) + y.sum(dim=dims), eps  # (N, C) each


def dice_loss(p, y, *, reduction="mean", eps=1.0):
    """Soft Dice loss per example: ``1 - mean_c (2 sum(p y) + eps) / (sum p + sum y + eps)``, p, y ``(N, C, ...)``."""
    inter, total, eps = _overlap_sums(p, y, "dice_loss", reduction, eps)
    return _reduce(1 - ((2 * inter + eps) / (total + eps)).mean(dim=1), reduction)


def jaccard_loss(p, y, *, reduction="mean", eps=1.0):
    """Soft Jaccard loss per example: ``1 - mean_c (sum(p y) + eps) / (sum p + sum y - sum(p y) + eps)``."""
    inter, total, eps = _overlap_sums(p, y, "jaccard_loss", reduction, eps)
    return _reduce(1 - ((inter + eps) / (total - inter + eps)).mean(dim=1), reduction)
