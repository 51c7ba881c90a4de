"""DDPM maths in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.diffusion`.

Same names and conventions: schedules have length T + 1 and are indexed by the time step (entry 0 = clean
data, ``alpha_bars[t] = prod_{s=1}^{t} alpha_s``); ``t`` is an integer tensor (N,), one step per sample.
``alpha_bars`` may be a tensor or an array; it is moved to the dtype and device of the data.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import (
    check_alpha_bars,
    check_array,
    check_array_pair,
    check_choice,
    check_int,
    check_real,
    check_time_steps,
)

__all__ = [
    "diffusion_schedule", "ddpm_posterior_variance", "q_sample", "ddpm_posterior_mean", "ddpm_reverse_mean",
    "eps_prediction_loss", "SCHEDULE_KINDS",
]

SCHEDULE_KINDS = ("linear", "cosine")


def diffusion_schedule(T, *, beta_start=1e-4, beta_end=0.02, kind="linear"):
    """``(betas, alphas, alpha_bars)`` as float64 tensors of shape (T + 1,), indexed by t = 0 .. T."""
    T = check_int(T, "T", "diffusion_schedule", low=1)
    check_choice(kind, "kind", "diffusion_schedule", SCHEDULE_KINDS)
    beta_start = check_real(beta_start, "beta_start", "diffusion_schedule", low=0.0, high=1.0, low_open=True,
                            high_open=True)
    beta_end = check_real(beta_end, "beta_end", "diffusion_schedule", low=0.0, high=1.0, low_open=True,
                          high_open=True)
    zero = torch.zeros(1, dtype=torch.float64)
    if kind == "linear":
        betas = torch.cat([zero, torch.linspace(beta_start, beta_end, T, dtype=torch.float64)])
    else:
        s = 0.008
        f = torch.cos((torch.arange(T + 1, dtype=torch.float64) / T + s) / (1 + s) * math.pi / 2) ** 2
        betas = torch.cat([zero, (1.0 - f[1:] / f[:-1]).clamp(max=0.999)])
    alphas = 1.0 - betas
    return betas, alphas, torch.cumprod(alphas, 0)  # alphas[0] = 1: the product starts at s = 1


def _schedule(alpha_bars, like, func):
    """``alpha_bars`` as a tensor on the data's device and dtype, validated."""
    ab = torch.as_tensor(alpha_bars).to(dtype=like.dtype, device=like.device)
    check_alpha_bars(ab, func, tensor=True)
    return ab


def _step_inputs(x, y, t, alpha_bars, func, *, names, low):
    """Check two same-shaped tensors x, y (N, ...) and steps t (N,) in [low, T]; the schedule and t on x's device."""
    check_array_pair(x, y, names, func, tensor=True, min_ndim=1)
    ab = _schedule(alpha_bars, x, func)
    check_time_steps(t, x, ab, func, low=low, tensor=True)
    return ab, t.to(ab.device)


def _per_sample(c, x):
    return c.reshape((-1,) + (1,) * (x.dim() - 1))  # (N, 1, ..., 1)


def ddpm_posterior_variance(t, *, alpha_bars):
    """``(1 - abar_{t-1}) / (1 - abar_t) * beta_t`` for t (N,) in [1, T] (float64 unless alpha_bars is a
    floating tensor of another dtype)."""
    check_array(t, "t", "ddpm_posterior_variance", tensor=True, kind="int", ndim=1)  # t's device is needed below
    like = alpha_bars if torch.is_tensor(alpha_bars) and alpha_bars.is_floating_point() else torch.zeros(
        0, dtype=torch.float64, device=t.device)
    ab = _schedule(alpha_bars, like, "ddpm_posterior_variance")
    check_time_steps(t, t, ab, "ddpm_posterior_variance", low=1, tensor=True)
    t = t.to(ab.device)
    a, a_prev = ab[t], ab[t - 1]
    return (1.0 - a_prev) / (1.0 - a) * (1.0 - a / a_prev)


def q_sample(x0, t, noise, *, alpha_bars):
    """``sqrt(abar_t) x0 + sqrt(1 - abar_t) noise``, one t per sample."""
    ab, t = _step_inputs(x0, noise, t, alpha_bars, "q_sample", names=("x0", "noise"), low=0)
    a = ab[t]
    return _per_sample(a.sqrt(), x0) * x0 + _per_sample((1.0 - a).sqrt(), x0) * noise


def ddpm_posterior_mean(x0, xt, t, *, alpha_bars):
    """The mean of q(x_{t-1} | x_t, x_0) (Ho et al. 2020, eq. (7))."""
    ab, t = _step_inputs(x0, xt, t, alpha_bars, "ddpm_posterior_mean", names=("x0", "xt"), low=1)
    a, a_prev = ab[t], ab[t - 1]
    alpha = a / a_prev
    c0 = a_prev.sqrt() * (1.0 - alpha) / (1.0 - a)
    ct = alpha.sqrt() * (1.0 - a_prev) / (1.0 - a)
    return _per_sample(c0, x0) * x0 + _per_sample(ct, x0) * xt


def ddpm_reverse_mean(xt, eps, t, *, alpha_bars):
    """``(x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)`` (Ho et al. 2020, eq. (11))."""
    ab, t = _step_inputs(xt, eps, t, alpha_bars, "ddpm_reverse_mean", names=("xt", "eps"), low=1)
    a, a_prev = ab[t], ab[t - 1]
    alpha = a / a_prev
    coef = (1.0 - alpha) / (1.0 - a).sqrt()
    return (xt - _per_sample(coef, xt) * eps) / _per_sample(alpha.sqrt(), xt)


def eps_prediction_loss(eps_pred, eps):
    """``mean (eps_pred - eps)^2`` over every entry."""
    check_array_pair(eps_pred, eps, ("eps_pred", "eps"), "eps_prediction_loss", tensor=True)
    return ((eps_pred - eps) ** 2).mean()
