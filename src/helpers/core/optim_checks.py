"""Hyperparameter checks shared by the NumPy and PyTorch optimizers (framework-free: one rule, one message).

Messages follow torch.optim ("Invalid learning rate: ...") and the package's "The 'x' argument of Owner must be ..."
form. ``allow_array_lr`` lets the NumPy optimizers take an array of learning rates (several runs at once).
"""

from __future__ import annotations

import numpy as np


def check_number(name: str, owner: str, value, low: float, high: float | None = None, *, open_low: bool = False):
    """``value`` must be a real number >= ``low`` (> with ``open_low``) and < ``high`` when given."""
    bad = not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, bool)
    if not bad:
        value = float(value)
        bad = (value <= low if open_low else value < low) or (high is not None and value >= high)
    if bad:
        sign = ">" if open_low else ">="
        upper = f" and < {high}" if high is not None else ""
        raise ValueError(f"The '{name}' argument of {owner} must be a number {sign} {low}{upper}. Got {value!r} instead.")


def check_lr(lr, owner: str, *, allow_array: bool = False) -> None:
    """``lr`` must be finite and > 0 (with ``allow_array``, every entry of an array)."""
    if isinstance(lr, bool) or (not allow_array and not isinstance(lr, (int, float, np.floating, np.integer))):
        ok = False
    else:
        try:
            arr = np.asarray(lr, dtype=float)
            ok = bool(np.all(np.isfinite(arr)) and np.all(arr > 0))
        except (TypeError, ValueError):
            ok = False
    if not ok:
        raise ValueError(f"Invalid learning rate: {lr!r}. The 'lr' argument of {owner} must be > 0.")


def check_damping(damping, owner: str) -> None:
    if isinstance(damping, bool) or not isinstance(damping, (int, float)) or damping < 0:
        raise ValueError(f"The 'damping' argument of {owner} must be a number >= 0. Got {damping!r} instead.")


def check_factor(factor, owner: str) -> None:
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 1:
        raise ValueError(f"The 'factor' argument of {owner} must be a number > 1. Got {factor!r}.")


def check_sgd(lr, momentum, dampening, weight_decay, nesterov, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "SGD", allow_array=allow_array_lr)
    check_number("momentum", "SGD", momentum, 0.0)
    check_number("dampening", "SGD", dampening, 0.0)
    check_number("weight_decay", "SGD", weight_decay, 0.0)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening.")


def check_momentum(lr, momentum, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "Momentum", allow_array=allow_array_lr)
    check_number("momentum", "Momentum", momentum, 0.0, 1.0)


def check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps, *, allow_array_lr: bool = False):
    check_lr(lr, "Adagrad", allow_array=allow_array_lr)
    check_number("lr_decay", "Adagrad", lr_decay, 0.0)
    check_number("weight_decay", "Adagrad", weight_decay, 0.0)
    check_number("initial_accumulator_value", "Adagrad", initial_accumulator_value, 0.0)
    check_number("eps", "Adagrad", eps, 0.0)


def check_rmsprop(lr, alpha, eps, weight_decay, momentum, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "RMSprop", allow_array=allow_array_lr)
    check_number("alpha", "RMSprop", alpha, 0.0, 1.0)
    check_number("eps", "RMSprop", eps, 0.0)
    check_number("weight_decay", "RMSprop", weight_decay, 0.0)
    check_number("momentum", "RMSprop", momentum, 0.0)


def check_adam(owner: str, lr, betas, eps, weight_decay, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, owner, allow_array=allow_array_lr)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"The 'betas' argument of {owner} must be a pair (beta1, beta2). Got {betas!r} instead.")
    check_number("betas[0]", owner, betas[0], 0.0, 1.0)
    check_number("betas[1]", owner, betas[1], 0.0, 1.0)
    check_number("eps", owner, eps, 0.0)
    check_number("weight_decay", owner, weight_decay, 0.0)
