"""Chapter 12: denoising diffusion (DDPM) maths, NumPy reference.

The forward process adds Gaussian noise in T steps, ``q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t I)``
with ``alpha_t = 1 - beta_t``. Composing the steps gives the closed form

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),   abar_t = prod_{s=1}^{t} alpha_s,

(the product starts at s = 1, the first noising step; seed 000 writes s = 0). Arrays returned by
:func:`diffusion_schedule` have length T + 1 and are indexed by the time step itself: ``alpha_bars[t]`` is
``abar_t``, and entry 0 describes the clean data (``beta_0 = 0``, ``abar_0 = 1``, the empty product).

Functions that need the schedule take ``alpha_bars`` (everything else follows from it:
``alpha_t = abar_t / abar_{t-1}``) and integer time steps ``t`` of shape (N,), one per sample.

References: Ho, Jain, Abbeel, *Denoising Diffusion Probabilistic Models* (2020), eqs. (4), (6), (7), (11), (14);
Nichol & Dhariwal, *Improved DDPM* (2021) for the cosine schedule. Torch twin:
:mod:`helpers.torch_impl.diffusion`.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import (
    check_alpha_bars,
    check_array_pair,
    check_choice,
    check_int,
    check_real,
    check_time_steps,
)

__all__ = [
    "diffusion_schedule", "ddpm_posterior_variance",
    "q_sample_forward", "q_sample_backward",
    "ddpm_posterior_mean_forward", "ddpm_posterior_mean_backward",
    "ddpm_reverse_mean_forward", "ddpm_reverse_mean_backward",
    "eps_prediction_loss_forward", "eps_prediction_loss_backward",
    "SCHEDULE_KINDS",
]

SCHEDULE_KINDS = ("linear", "cosine")


def diffusion_schedule(T, *, beta_start=1e-4, beta_end=0.02, kind="linear"):
    """``(betas, alphas, alpha_bars)``, each of shape (T + 1,) and indexed by t = 0 .. T (entry 0: no noise).

    ``"linear"``: beta_t evenly spaced from ``beta_start`` to ``beta_end`` (Ho et al. use 1e-4 .. 0.02 for
    T = 1000; short chains need larger betas). ``"cosine"``: ``abar_t = f(t) / f(0)`` with
    ``f(t) = cos^2(((t/T + s) / (1 + s)) pi / 2)``, s = 0.008, and beta_t clipped at 0.999 (the betas
    arguments are then unused).
    """
    T = check_int(T, "T", "diffusion_schedule", low=1)
    check_choice(kind, "kind", "diffusion_schedule", SCHEDULE_KINDS)
    beta_start = check_real(beta_start, "beta_start", "diffusion_schedule", low=0.0, high=1.0, low_open=True,
                            high_open=True)
    beta_end = check_real(beta_end, "beta_end", "diffusion_schedule", low=0.0, high=1.0, low_open=True,
                          high_open=True)
    if kind == "linear":
        betas = np.concatenate([[0.0], np.linspace(beta_start, beta_end, T)])
    else:
        s = 0.008
        f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
        betas = np.concatenate([[0.0], np.minimum(1.0 - f[1:] / f[:-1], 0.999)])
    alphas = 1.0 - betas
    alpha_bars = np.cumprod(alphas)  # alphas[0] = 1, so alpha_bars[t] = prod_{s=1}^{t} alpha_s
    return betas, alphas, alpha_bars


def _check_step_inputs(x, y, t, alpha_bars, func, *, names, low):
    """Check two same-shaped arrays x, y (N, ...) named ``names``, the schedule, and steps t (N,) in [low, T]."""
    check_array_pair(x, y, names, func, min_ndim=1)
    check_alpha_bars(alpha_bars, func)
    check_time_steps(t, x, alpha_bars, func, low=low)


def _per_sample(c, x):
    """Reshape one coefficient per sample (N,) to broadcast against x (N, ...)."""
    return c.reshape((-1,) + (1,) * (x.ndim - 1))  # (N, 1, ..., 1)


def ddpm_posterior_variance(t, *, alpha_bars):
    """``beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t``, the variance of q(x_{t-1} | x_t, x_0).

    ``t`` (N,) holds time steps in [1, T]; returns (N,). It is 0 at t = 1 (x_0 is then known exactly).
    """
    check_alpha_bars(alpha_bars, "ddpm_posterior_variance")
    check_time_steps(t, t, alpha_bars, "ddpm_posterior_variance", low=1)
    ab, ab_prev = alpha_bars[t], alpha_bars[t - 1]
    beta = 1.0 - ab / ab_prev
    return (1.0 - ab_prev) / (1.0 - ab) * beta


def q_sample_forward(x0, t, noise, *, alpha_bars):
    """Sample ``x_t ~ q(x_t | x_0)`` in one shot: ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise``.

    ``x0`` and ``noise`` (N, ...) share a shape; ``t`` (N,) is an integer array with values in [0, T].
    """
    _check_step_inputs(x0, noise, t, alpha_bars, "q_sample_forward", names=("x0", "noise"), low=0)
    a = _per_sample(np.sqrt(alpha_bars[t]), x0)
    b = _per_sample(np.sqrt(1.0 - alpha_bars[t]), x0)
    return a * x0 + b * noise, (a, b)


def q_sample_backward(dout, cache):
    """Returns ``(dx0, dnoise)``; ``t`` is an integer input and gets none."""
    a, b = cache
    return dout * a, dout * b


def ddpm_posterior_mean_forward(x0, xt, t, *, alpha_bars):
    """The mean of ``q(x_{t-1} | x_t, x_0)``:
    ``sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t``.

    ``x0, xt`` (N, ...); ``t`` (N,) in [1, T]. Ho et al. (2020), eq. (7).
    """
    _check_step_inputs(x0, xt, t, alpha_bars, "ddpm_posterior_mean_forward", names=("x0", "xt"), low=1)
    ab, ab_prev = alpha_bars[t], alpha_bars[t - 1]
    alpha = ab / ab_prev
    c0 = _per_sample(np.sqrt(ab_prev) * (1.0 - alpha) / (1.0 - ab), x0)
    ct = _per_sample(np.sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab), x0)
    return c0 * x0 + ct * xt, (c0, ct)


def ddpm_posterior_mean_backward(dout, cache):
    """Returns ``(dx0, dxt)``."""
    c0, ct = cache
    return dout * c0, dout * ct


def ddpm_reverse_mean_forward(xt, eps, t, *, alpha_bars):
    """The reverse-step mean with an eps prediction: ``(x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)``.

    Substituting ``x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)`` into the posterior mean gives this
    (Ho et al. 2020, eq. (11)); a sampler then adds ``sqrt(beta_tilde_t) z`` with fresh noise z for t > 1.
    """
    _check_step_inputs(xt, eps, t, alpha_bars, "ddpm_reverse_mean_forward", names=("xt", "eps"), low=1)
    ab, ab_prev = alpha_bars[t], alpha_bars[t - 1]
    alpha = ab / ab_prev
    ct = _per_sample(1.0 / np.sqrt(alpha), xt)
    ce = _per_sample(-(1.0 - alpha) / (np.sqrt(1.0 - ab) * np.sqrt(alpha)), xt)
    return ct * xt + ce * eps, (ct, ce)


def ddpm_reverse_mean_backward(dout, cache):
    """Returns ``(dxt, deps)``."""
    ct, ce = cache
    return dout * ct, dout * ce


def eps_prediction_loss_forward(eps_pred, eps):
    """The simplified DDPM objective ``mean ||eps - eps_theta(x_t, t)||^2`` (Ho et al. 2020, eq. (14)),
    averaged over every entry like ``F.mse_loss``; ``eps`` is the noise that made x_t (a constant)."""
    check_array_pair(eps_pred, eps, ("eps_pred", "eps"), "eps_prediction_loss_forward")
    r = eps_pred - eps
    return np.mean(r * r), (r,)


def eps_prediction_loss_backward(dout, cache):
    """Returns ``(deps_pred,)``."""
    (r,) = cache
    return (2.0 * dout * r / max(r.size, 1),)
