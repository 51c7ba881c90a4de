"""Chapter 2: densities, entropy, cross-entropy, KL divergence and KDE in PyTorch.

Twin of :mod:`helpers.numpy_impl.probability`: same functions and conventions (nats, 0 ln 0 = 0),
differentiable in every tensor argument, computed on the device and in the dtype of the inputs.
Parameters may be tensors or Python floats.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import (
    check_bernoulli_args,
    check_categorical_args,
    check_kde_args,
    check_kl_divergence_args,
    check_probs,
    check_scales,
)

__all__ = [
    "normal_log_pdf", "laplace_log_pdf", "bernoulli_log_pmf", "categorical_log_pmf",
    "entropy", "cross_entropy", "kl_divergence",
    "normal_entropy", "laplace_entropy", "kl_normal_normal", "kl_normal_laplace", "kl_laplace_normal",
    "kde",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _t(value, like=None):
    """``value`` as a floating tensor (on ``like``'s device and dtype when given)."""
    if isinstance(value, torch.Tensor):
        return value
    if like is not None:
        return torch.as_tensor(value, dtype=like.dtype, device=like.device)
    return torch.as_tensor(value, dtype=torch.float64)


def normal_log_pdf(x, loc, scale):
    """ln N(x; loc, scale²), elementwise."""
    check_scales("normal_log_pdf", scale=scale)
    loc, scale = _t(loc, x), _t(scale, x)
    z = (x - loc) / scale
    return -0.5 * _LOG_2PI - torch.log(scale) - 0.5 * z * z


def laplace_log_pdf(x, loc, scale):
    """ln Laplace(x; loc, scale) = -ln(2 scale) - |x - loc| / scale, elementwise."""
    check_scales("laplace_log_pdf", scale=scale)
    loc, scale = _t(loc, x), _t(scale, x)
    return -torch.log(2.0 * scale) - (x - loc).abs() / scale


def bernoulli_log_pmf(x, probs):
    """ln P(x) = x ln p + (1 - x) ln(1 - p) for x in {0, 1}."""
    check_bernoulli_args(x, probs)
    p = _t(probs, x if x.is_floating_point() else None)
    return torch.where(x == 1, torch.log(p), torch.log1p(-p))


def categorical_log_pmf(x, probs):
    """ln probs[x] for integer classes ``x`` (any shape) and ``probs`` (C,)."""
    check_categorical_args(x, probs, tensor=True)
    return torch.log(probs)[x]


def entropy(p):
    """H(p) = -Σ p_i ln p_i along the last axis, with 0 ln 0 = 0."""
    check_probs(p, "p", "entropy", tensor=True)
    safe = torch.where(p > 0, p, torch.ones_like(p))  # ln 1 = 0, and no nan gradient from ln 0
    return -(p * torch.log(safe)).sum(dim=-1)


def cross_entropy(p, q):
    """H(p, q) = -Σ p_i ln q_i along the last axis (inf when some q_i = 0 < p_i)."""
    check_probs(p, "p", "cross_entropy", tensor=True)
    check_probs(q, "q", "cross_entropy", tensor=True)
    one = torch.ones_like(q)
    terms = torch.where(p > 0, -p * torch.log(torch.where(p > 0, q, one)), torch.zeros_like(p))
    return terms.sum(dim=-1)


def kl_divergence(p, q):
    """D_KL(p || q) = Σ p_i ln(p_i / q_i) along the last axis (terms with p_i = 0 are 0)."""
    check_kl_divergence_args(p, q, tensor=True)
    one = torch.ones_like(p)
    ratio = torch.log(torch.where(p > 0, p, one)) - torch.log(torch.where(p > 0, q, one))
    return (p * ratio).sum(dim=-1)


def normal_entropy(scale):
    """Differential entropy ½ ln(2πe σ²) of N(·, σ²)."""
    check_scales("normal_entropy", scale=scale)
    return 0.5 * (_LOG_2PI + 1.0) + torch.log(_t(scale))


def laplace_entropy(scale):
    """Differential entropy 1 + ln(2b) of Laplace(·, b)."""
    check_scales("laplace_entropy", scale=scale)
    return 1.0 + torch.log(2.0 * _t(scale))


def kl_normal_normal(loc_p, scale_p, loc_q, scale_q):
    """D_KL(N(μ_p, σ_p²) || N(μ_q, σ_q²)) in closed form."""
    check_scales("kl_normal_normal", scale_p=scale_p, scale_q=scale_q)
    loc_p, scale_p, loc_q, scale_q = (_t(v) for v in (loc_p, scale_p, loc_q, scale_q))
    return torch.log(scale_q / scale_p) + (scale_p**2 + (loc_p - loc_q) ** 2) / (2.0 * scale_q**2) - 0.5


def kl_normal_laplace(loc_p, scale_p, loc_q, scale_q):
    """D_KL(N(μ, σ²) || Laplace(m, b)) = -½ ln(2πeσ²) + ln(2b) + E|X - m| / b (folded-normal mean)."""
    check_scales("kl_normal_laplace", scale_p=scale_p, scale_q=scale_q)
    loc_p, scale_p, loc_q, scale_q = (_t(v) for v in (loc_p, scale_p, loc_q, scale_q))
    delta = loc_p - loc_q
    mean_abs = scale_p * math.sqrt(2.0 / math.pi) * torch.exp(-(delta**2) / (2.0 * scale_p**2)) + delta * torch.erf(
        delta / (scale_p * math.sqrt(2.0))
    )
    return -normal_entropy(scale_p) + torch.log(2.0 * scale_q) + mean_abs / scale_q


def kl_laplace_normal(loc_p, scale_p, loc_q, scale_q):
    """D_KL(Laplace(m, b) || N(μ, σ²)) = -1 - ln(2b) + ½ ln(2πσ²) + (2b² + (m - μ)²) / (2σ²)."""
    check_scales("kl_laplace_normal", scale_p=scale_p, scale_q=scale_q)
    loc_p, scale_p, loc_q, scale_q = (_t(v) for v in (loc_p, scale_p, loc_q, scale_q))
    second_moment = 2.0 * scale_p**2 + (loc_p - loc_q) ** 2
    return -laplace_entropy(scale_p) + 0.5 * _LOG_2PI + torch.log(scale_q) + second_moment / (2.0 * scale_q**2)


def kde(x_query, samples, *, bandwidth: float):
    """Gaussian kernel density estimate (1/N) Σ_n N(x; x_n, h² I) at each query point -> (M,)."""
    x_query, samples = check_kde_args(x_query, samples, bandwidth)  # (M, D) and (N, D)
    d = samples.shape[1]
    sq = ((x_query[:, None, :] - samples[None, :, :]) ** 2).sum(dim=2) / bandwidth**2  # (M, N)
    log_norm = -0.5 * d * _LOG_2PI - d * math.log(bandwidth)
    return torch.exp(log_norm - 0.5 * sq).mean(dim=1)
