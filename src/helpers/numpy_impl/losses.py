"""Loss functions with hand-written gradients (NumPy, float64).

``<loss>_forward(prediction, target, **hp) -> (loss, cache)`` and
``<loss>_backward(dout, cache) -> (dpred,)``.
Targets (regression targets, 0/1 or soft labels, class indices) are data, not parameters: the backward pass
returns the gradient with respect to the prediction only. ``reduction`` is "mean" (default), "sum" or
"none", as in ``torch.nn.functional``. The PyTorch twins live in :mod:`helpers.torch_impl.losses`.

The lecture notes vs these functions: cross-entropy is ``-sum y log p`` (with the minus sign), and the
gradient of the squared error ``(x - y)^2`` is ``2 (x - y)`` (with the factor 2).

References: Goodfellow, Bengio, Courville, *Deep Learning* (2016), sections 5.5, 6.2; Huber 1964;
Milletari et al. 2016 (V-Net, Dice loss); CS231n notes on the multiclass SVM loss.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_class_scores, check_loss_pair, check_overlap_args, check_real

__all__ = [
    "l1_loss_forward", "l1_loss_backward", "mse_loss_forward", "mse_loss_backward",
    "huber_loss_forward", "huber_loss_backward",
    "binary_cross_entropy_forward", "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits_forward", "binary_cross_entropy_with_logits_backward",
    "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
    "multiclass_hinge_loss_forward", "multiclass_hinge_loss_backward",
    "dice_loss_forward", "dice_loss_backward", "jaccard_loss_forward", "jaccard_loss_backward",
]



def _reduce(losses, reduction):
    return losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses


def _unreduce(dout, shape, reduction):
    """Gradient of the reduction: spread ``dout`` back to the per-element losses of ``shape``."""
    dout = np.asarray(dout, dtype=np.float64)
    if reduction == "none":
        return dout
    n = int(np.prod(shape))
    return np.broadcast_to(dout / n if reduction == "mean" else dout, shape)


def l1_loss_forward(x, y, *, reduction="mean"):
    """Mean absolute error ``|x - y|``. (Its minimiser over a constant is the median, not the mean.)"""
    check_loss_pair(x, y, "l1_loss_forward", reduction)
    return _reduce(np.abs(x - y), reduction), (x - y, reduction)


def l1_loss_backward(dout, cache):
    r, reduction = cache
    return (np.sign(r) * _unreduce(dout, r.shape, reduction),)  # sign(0) = 0, as in PyTorch


def mse_loss_forward(x, y, *, reduction="mean"):
    """Mean squared error ``(x - y)^2``."""
    check_loss_pair(x, y, "mse_loss_forward", reduction)
    r = x - y
    return _reduce(r * r, reduction), (r, reduction)


def mse_loss_backward(dout, cache):
    r, reduction = cache
    return (2.0 * r * _unreduce(dout, r.shape, reduction),)  # the factor 2 the notes drop


def huber_loss_forward(x, y, *, reduction="mean", delta=1.0):
    """Huber loss: ``r^2 / 2`` for ``|r| <= delta``, ``delta (|r| - delta/2)`` beyond (``r = x - y``)."""
    check_loss_pair(x, y, "huber_loss_forward", reduction)
    delta = check_real(delta, "delta", "huber_loss_forward", low=0.0, low_open=True)
    r = x - y
    a = np.abs(r)
    losses = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return _reduce(losses, reduction), (r, delta, reduction)


def huber_loss_backward(dout, cache):
    r, delta, reduction = cache
    return (np.clip(r, -delta, delta) * _unreduce(dout, r.shape, reduction),)


def binary_cross_entropy_forward(p, y, *, reduction="mean"):
    """BCE ``-(y log p + (1 - y) log(1 - p))`` from probabilities ``p`` in [0, 1].

    As in ``F.binary_cross_entropy`` each log is clamped at -100, so ``p = 0`` or ``1`` gives a finite loss.
    Prefer :func:`binary_cross_entropy_with_logits_forward` when you have logits: it is more accurate.
    """
    check_loss_pair(p, y, "binary_cross_entropy_forward", reduction, xname="p")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"The 'p' argument of binary_cross_entropy_forward must hold probabilities "
                         f"in [0, 1]. "
                         f"Got values in [{p.min():.4g}, {p.max():.4g}] instead.")
    with np.errstate(divide="ignore"):
        losses = -(y * np.maximum(np.log(p), -100.0) + (1 - y) * np.maximum(np.log1p(-p), -100.0))
    return _reduce(losses, reduction), (p, y, reduction)


def binary_cross_entropy_backward(dout, cache):
    p, y, reduction = cache
    # PyTorch's guard against dividing by zero at p = 0 or 1
    return ((p - y) / np.maximum(p * (1 - p), 1e-12) * _unreduce(dout, p.shape, reduction),)


def binary_cross_entropy_with_logits_forward(z, y, *, reduction="mean"):
    """BCE of ``sigmoid(z)`` computed from the logits ``z``, stably for any ``|z|``.

    ``-(y log s + (1-y) log(1-s))`` with ``s = sigmoid(z)`` simplifies to
    ``max(z, 0) - z y + log(1 + e^{-|z|})``.
    """
    check_loss_pair(z, y, "binary_cross_entropy_with_logits_forward", reduction, xname="z")
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(losses, reduction), (z, y, reduction)


def binary_cross_entropy_with_logits_backward(dout, cache):
    z, y, reduction = cache
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))  # stable sigmoid
    return ((s - y) * _unreduce(dout, z.shape, reduction),)


def softmax_cross_entropy_forward(scores, y, *, reduction="mean"):
    """Cross-entropy of softmax(scores) against integer labels, like ``F.cross_entropy``.

    Uses ``-log softmax(s)_y = logsumexp(s) - s_y`` with the maximum subtracted first (never overflows).
    Shapes: scores ``(N, C)`` or ``(N, C, d1, ...)``, y ``(N,)`` or ``(N, d1, ...)``, values in ``[0, C)``.
    """
    check_class_scores(scores, y, "softmax_cross_entropy_forward", reduction)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_z  # (N, C, ...)
    losses = -np.take_along_axis(log_probs, y[:, None], axis=1)[:, 0]  # (N, ...)
    return _reduce(losses, reduction), (log_probs, y, reduction)


def softmax_cross_entropy_backward(dout, cache):
    """``softmax(s) - onehot(y)``, per example, times the upstream gradient."""
    log_probs, y, reduction = cache
    dscores = np.exp(log_probs)
    np.put_along_axis(dscores, y[:, None], np.take_along_axis(dscores, y[:, None], axis=1) - 1.0, axis=1)
    g = _unreduce(dout, y.shape, reduction)
    return (dscores * g[:, None],)


def multiclass_hinge_loss_forward(scores, y, *, reduction="mean", margin=1.0):
    """Multiclass SVM loss ``sum_{j != y} max(0, s_j - s_y + margin)`` per example (Weston-Watkins/CS231n).

    PyTorch's ``F.multi_margin_loss`` divides this sum by the number of classes C; we do not.
    Shapes: scores ``(N, C)``, y ``(N,)``.
    """
    check_class_scores(scores, y, "multiclass_hinge_loss_forward", reduction, spatial=False)
    margin = check_real(margin, "margin", "multiclass_hinge_loss_forward")
    rows = np.arange(scores.shape[0])
    margins = np.maximum(0.0, scores - scores[rows, y][:, None] + margin)  # (N, C)
    margins[rows, y] = 0.0  # the correct class does not compete with itself
    return _reduce(margins.sum(axis=1), reduction), (margins > 0, y, reduction)


def multiclass_hinge_loss_backward(dout, cache):
    active, y, reduction = cache
    rows = np.arange(active.shape[0])
    dscores = active.astype(np.float64)  # +1 for every class that violates the margin ...
    dscores[rows, y] = -active.sum(axis=1)  # ... and -1 per violation for the correct class
    return (dscores * _unreduce(dout, y.shape, reduction)[:, None],)


def _overlap_sums(p, y, func, reduction, eps):
    """Per example and class: the soft intersection sum(p y) and the total sum(p) + sum(y) over pixels."""
    eps = check_overlap_args(p, y, func, reduction, eps)
    axes = tuple(range(2, p.ndim))  # the pixels (or voxels) of each example and class
    return (p * y).sum(axis=axes), p.sum(axis=axes) + y.sum(axis=axes), eps  # (N, C) each


def _per_pixel(v, ndim):
    """Broadcast a per-(example, class) array (N, C) over the pixel axes."""
    return v.reshape(v.shape + (1,) * (ndim - 2))


def dice_loss_forward(p, y, *, reduction="mean", eps=1.0):
    """Soft Dice loss ``1 - mean_c (2 sum(p y) + eps) / (sum p + sum y + eps)`` per example (Milletari et al.).

    ``p``: predicted class probabilities (softmax or sigmoid outputs), ``y``: one-hot (or soft) masks,
    both ``(N, C, ...)``; sums run over the pixels, the Dice scores of the C classes are averaged (the
    soft loss of the lecture notes). Binary segmentation: ``C = 1``. ``eps`` keeps empty masks defined.
    PyTorch has no built-in Dice loss.
    """
    inter, total, eps = _overlap_sums(p, y, "dice_loss_forward", reduction, eps)
    dice = (2 * inter + eps) / (total + eps)  # (N, C)
    return _reduce(1.0 - dice.mean(axis=1), reduction), (y, inter, total, eps, reduction)


def dice_loss_backward(dout, cache):
    y, inter, total, eps, reduction = cache
    num, den = _per_pixel(2 * inter + eps, y.ndim), _per_pixel(total + eps, y.ndim)
    ddice = (2 * y * den - num) / den**2  # quotient rule; d(inter)/dp = y, d(total)/dp = 1
    g = _unreduce(dout, inter.shape[:1], reduction) / inter.shape[1]  # (N,): the class mean
    return (-ddice * _per_pixel(g[:, None], y.ndim),)


def jaccard_loss_forward(p, y, *, reduction="mean", eps=1.0):
    """Soft Jaccard (IoU) loss ``1 - mean_c (sum(p y) + eps) / (sum p + sum y - sum(p y) + eps)`` per example.

    Shapes and conventions as :func:`dice_loss_forward`. Per class and without smoothing, the Jaccard
    index ``J`` and the Dice coefficient ``D`` are linked by ``J = D / (2 - D)``.
    """
    inter, total, eps = _overlap_sums(p, y, "jaccard_loss_forward", reduction, eps)
    union = total - inter
    jacc = (inter + eps) / (union + eps)  # (N, C)
    return _reduce(1.0 - jacc.mean(axis=1), reduction), (y, inter, union, eps, reduction)


def jaccard_loss_backward(dout, cache):
    y, inter, union, eps, reduction = cache
    num, den = _per_pixel(inter + eps, y.ndim), _per_pixel(union + eps, y.ndim)
    dj = (y * den - num * (1 - y)) / den**2  # d(inter)/dp = y, d(union)/dp = 1 - y
    g = _unreduce(dout, inter.shape[:1], reduction) / inter.shape[1]
    return (-dj * _per_pixel(g[:, None], y.ndim),)
