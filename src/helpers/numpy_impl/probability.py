"""Chapter 2: the probabilistic view of learning, NumPy reference.

Log-densities of the normal, Laplace, Bernoulli and categorical distributions; entropy,
cross-entropy and Kullback-Leibler divergence of discrete distributions (also densities tabulated
on a grid: with masses p_i = p(x_i)·Δx the Δx cancels inside the log, so Σ p_i ln(p_i/q_i) is the
Riemann sum of ∫ p ln(p/q)); closed forms for normal and Laplace densities; Gaussian kernel
density estimation. All logarithms are natural (nats). The torch twin is
:mod:`helpers.torch_impl.probability`.

References: Cover & Thomas, *Elements of Information Theory*, ch. 2 and 8; Bishop, *Pattern
Recognition and Machine Learning*, §1.6 and §2.5.1; Murphy, *Probabilistic Machine Learning*, §6.2.
"""

from __future__ import annotations

import math

import numpy as np

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
_erf = np.frompyfunc(math.erf, 1, 1)


# ---- densities and mass functions ----------------------------------------------------------------------------
def normal_log_pdf(x, loc, scale):
    """ln N(x; loc, scale²) = -½ ln(2π scale²) - (x - loc)² / (2 scale²), elementwise."""
    check_scales("normal_log_pdf", scale=scale)
    z = (x - loc) / scale
    return -0.5 * _LOG_2PI - np.log(scale) - 0.5 * z * z


def laplace_log_pdf(x, loc, scale):
    """ln Laplace(x; loc, scale) = -ln(2 scale) - |x - loc| / scale, elementwise (variance 2 scale²)."""
    check_scales("laplace_log_pdf", scale=scale)
    return -np.log(2.0 * scale) - np.abs(x - loc) / scale


def bernoulli_log_pmf(x, probs):
    """ln P(x) = x ln p + (1 - x) ln(1 - p) for x in {0, 1}; ``probs`` = P(x = 1)."""
    check_bernoulli_args(x, probs)
    p = np.asarray(probs, dtype=np.float64)
    with np.errstate(divide="ignore"):  # p = 0 or 1 gives ln 0 = -inf for the impossible outcome
        return np.where(x == 1, np.log(p), np.log1p(-p))


def categorical_log_pmf(x, probs):
    """ln P(X = x) = ln probs[x] for integer classes ``x`` (any shape) and ``probs`` (C,)."""
    check_categorical_args(x, probs)
    with np.errstate(divide="ignore"):
        return np.log(probs)[x]


# ---- discrete information measures ---------------------------------------------------------------------------
def entropy(p):
    """H(p) = -Σ p_i ln p_i along the last axis, in nats, with 0 ln 0 = 0."""
    check_probs(p, "p", "entropy")
    safe = np.where(p > 0, p, 1.0)  # ln 1 = 0 puts the 0 ln 0 = 0 convention in place
    return -(p * np.log(safe)).sum(axis=-1)


def cross_entropy(p, q):
    """H(p, q) = -Σ p_i ln q_i along the last axis (inf when some q_i = 0 < p_i)."""
    check_probs(p, "p", "cross_entropy")
    check_probs(q, "q", "cross_entropy")
    with np.errstate(divide="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, q, 1.0)), 0.0)
    return terms.sum(axis=-1)


def kl_divergence(p, q):
    """D_KL(p || q) = Σ p_i ln(p_i / q_i) = H(p, q) - H(p) ≥ 0 along the last axis.

    Terms with p_i = 0 contribute 0 (x ln x → 0); a term with q_i = 0 < p_i makes it +inf. Applied
    to densities on a grid (masses p(x_i)Δx) it approximates the continuous divergence.
    """
    check_kl_divergence_args(p, q)
    with np.errstate(divide="ignore"):
        ratio = np.log(np.where(p > 0, p, 1.0)) - np.log(np.where(p > 0, q, 1.0))
    return (p * ratio).sum(axis=-1)


# ---- closed forms for continuous densities -------------------------------------------------------------------
def normal_entropy(scale):
    """Differential entropy ½ ln(2πe σ²) of N(·, σ²); negative for σ < 1/√(2πe) ≈ 0.242."""
    check_scales("normal_entropy", scale=scale)
    return 0.5 * (_LOG_2PI + 1.0) + np.log(scale)


def laplace_entropy(scale):
    """Differential entropy 1 + ln(2b) of Laplace(·, b)."""
    check_scales("laplace_entropy", scale=scale)
    return 1.0 + np.log(2.0 * scale)


def kl_normal_normal(loc_p, scale_p, loc_q, scale_q):
    """D_KL(N(μ_p, σ_p²) || N(μ_q, σ_q²)) = ln(σ_q/σ_p) + (σ_p² + (μ_p - μ_q)²) / (2σ_q²) - ½."""
    check_scales("kl_normal_normal", scale_p=scale_p, scale_q=scale_q)
    return np.log(scale_q / scale_p) + (scale_p**2 + (loc_p - loc_q) ** 2) / (2.0 * scale_q**2) - 0.5


def kl_normal_laplace(loc_p, scale_p, loc_q, scale_q):
    """D_KL(N(μ, σ²) || Laplace(m, b)) = -½ ln(2πeσ²) + ln(2b) + E|X - m| / b, X ~ N(μ, σ²).

    E|X - m| = σ√(2/π) exp(-δ²/(2σ²)) + δ erf(δ / (σ√2)) with δ = μ - m (the mean of a folded
    normal). For m = μ this is minimal at b = σ√(2/π) ≈ 0.798σ, with value ½ - ln(π/2) ≈ 0.0484.
    """
    check_scales("kl_normal_laplace", scale_p=scale_p, scale_q=scale_q)
    delta = np.asarray(loc_p - loc_q, dtype=np.float64)
    erf = np.asarray(_erf(delta / (scale_p * math.sqrt(2.0))), dtype=np.float64)
    mean_abs = scale_p * math.sqrt(2.0 / math.pi) * np.exp(-(delta**2) / (2.0 * scale_p**2)) + delta * erf
    return -normal_entropy(scale_p) + np.log(2.0 * scale_q) + mean_abs / scale_q


def kl_laplace_normal(loc_p, scale_p, loc_q, scale_q):
    """D_KL(Laplace(m, b) || N(μ, σ²)) = -1 - ln(2b) + ½ ln(2πσ²) + (2b² + (m - μ)²) / (2σ²)."""
    check_scales("kl_laplace_normal", scale_p=scale_p, scale_q=scale_q)
    second_moment = 2.0 * scale_p**2 + (loc_p - loc_q) ** 2  # E[(X - μ)²] for X ~ Laplace(m, b)
    return -laplace_entropy(scale_p) + 0.5 * _LOG_2PI + np.log(scale_q) + second_moment / (2.0 * scale_q**2)


# ---- kernel density estimation -------------------------------------------------------------------------------
def kde(x_query, samples, *, bandwidth: float):
    """Gaussian kernel density estimate p̂(x) = (1/N) Σ_n N(x; x_n, h² I) at each query point.

    ``samples`` (N,) or (N, D), ``x_query`` (M,) or (M, D) -> densities (M,). Small ``bandwidth`` h
    gives spiky estimates (h → 0: the empirical distribution), large h over-smooths.
    """
    x_query, samples = check_kde_args(x_query, samples, bandwidth)  # (M, D) and (N, D)
    d = samples.shape[1]
    sq = ((x_query[:, None, :] - samples[None, :, :]) ** 2).sum(axis=2) / bandwidth**2  # (M, N)
    log_norm = -0.5 * d * _LOG_2PI - d * math.log(bandwidth)
    return np.exp(log_norm - 0.5 * sq).mean(axis=1)
