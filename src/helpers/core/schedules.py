"""Learning-rate schedules as plain functions of the step (or epoch) counter t = 0, 1, 2, ...

Each ``*_factor(t, ...)`` returns the *multiplier* of the base learning rate at step t, so one definition serves
NumPy and PyTorch alike:

* NumPy: ``opt.defaults["lr"] = base_lr * cosine_factor(t, t_max=100)`` before step t;
* PyTorch: ``torch.optim.lr_scheduler.LambdaLR(opt, as_lambda(cosine_factor, t_max=100))`` — tested to give
  the same learning rates as ``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR`` and ``LinearLR``.

The lecture's 1/t decay α₀/(1 + r·epoch) is ``inverse_time_factor``; with r > 0 its steps satisfy the
Robbins–Monro conditions Σα = ∞, Σα² < ∞. References: Loshchilov & Hutter (2017) SGDR (cosine);
Goyal et al. (2017) linear warm-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

__all__ = [
    "step_factor", "exponential_factor", "inverse_time_factor", "cosine_factor", "warmup_factor",
    "warmup_cosine_factor", "as_lambda", "schedule_values",
]


def _check_t(t, owner):
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"The 't' argument of {owner} must be an int >= 0. Got {t!r} instead.")


def _check_positive(name, value, owner, *, allow_zero=False, upper=None):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)
    if ok and upper is not None:
        ok = value <= upper
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        bound += f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"The '{name}' argument of {owner} must be a number {bound}. Got {value!r} instead.")


def step_factor(t: int, *, step_size: int, gamma: float = 0.1) -> float:
    """γ^⌊t / step_size⌋: divide by 1/γ every ``step_size`` steps (PyTorch's ``StepLR``)."""
    _check_t(t, "step_factor")
    if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
        raise ValueError(f"The 'step_size' argument of step_factor must be an int >= 1. Got {step_size!r} instead.")
    _check_positive("gamma", gamma, "step_factor")
    return gamma ** (t // step_size)


def exponential_factor(t: int, *, gamma: float) -> float:
    """γ^t (PyTorch's ``ExponentialLR``)."""
    _check_t(t, "exponential_factor")
    _check_positive("gamma", gamma, "exponential_factor")
    return gamma**t


def inverse_time_factor(t: int, *, decay_rate: float) -> float:
    """1 / (1 + r·t): the lecture's 1/t decay."""
    _check_t(t, "inverse_time_factor")
    _check_positive("decay_rate", decay_rate, "inverse_time_factor", allow_zero=True)
    return 1.0 / (1.0 + decay_rate * t)


def cosine_factor(t: int, *, t_max: int, min_factor: float = 0.0) -> float:
    """min + (1 − min)·(1 + cos(π·t/T))/2 for t ≤ T, then ``min_factor`` (``CosineAnnealingLR`` with
    eta_min = min_factor·base_lr, in its closed form)."""
    _check_t(t, "cosine_factor")
    if isinstance(t_max, bool) or not isinstance(t_max, int) or t_max < 1:
        raise ValueError(f"The 't_max' argument of cosine_factor must be an int >= 1. Got {t_max!r} instead.")
    _check_positive("min_factor", min_factor, "cosine_factor", allow_zero=True, upper=1.0)
    return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * min(t, t_max) / t_max)) / 2


def warmup_factor(t: int, *, warmup_steps: int, start_factor: float = 0.0) -> float:
    """Linear warm-up from ``start_factor`` to 1 over ``warmup_steps`` steps, then 1 (``LinearLR``)."""
    _check_t(t, "warmup_factor")
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 1:
        raise ValueError(f"The 'warmup_steps' argument of warmup_factor must be an int >= 1. Got {warmup_steps!r}.")
    _check_positive("start_factor", start_factor, "warmup_factor", allow_zero=True, upper=1.0)
    return start_factor + (1 - start_factor) * min(t, warmup_steps) / warmup_steps


def warmup_cosine_factor(t: int, *, warmup_steps: int, t_max: int, min_factor: float = 0.0) -> float:
    """Linear warm-up from 0 for ``warmup_steps`` steps, then cosine decay over the remaining ``t_max − warmup_steps``."""
    if isinstance(t_max, bool) or not isinstance(t_max, int) or not isinstance(warmup_steps, int) or (
            t_max <= warmup_steps):
        raise ValueError(f"The 't_max' argument of warmup_cosine_factor must be an int > warmup_steps "
                         f"({warmup_steps!r}). Got {t_max!r} instead.")
    if t < warmup_steps:
        return warmup_factor(t, warmup_steps=warmup_steps)
    return cosine_factor(t - warmup_steps, t_max=t_max - warmup_steps, min_factor=min_factor)


def as_lambda(factor: Callable[..., float], **hyperparameters) -> Callable[[int], float]:
    """``factor`` with its hyperparameters bound: the ``lr_lambda`` argument of ``torch.optim.lr_scheduler.LambdaLR``."""
    if not callable(factor):
        raise TypeError(f"The 'factor' argument of as_lambda must be callable. Got {type(factor).__name__} instead.")
    return partial(factor, **hyperparameters)


def schedule_values(factor: Callable[..., float], n: int, *, base_lr: float = 1.0, **hyperparameters) -> list[float]:
    """The learning rates base_lr·factor(t) for t = 0 … n−1 (for plots and tables)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"The 'n' argument of schedule_values must be an int >= 0. Got {n!r} instead.")
    return [base_lr * factor(t, **hyperparameters) for t in range(n)]
