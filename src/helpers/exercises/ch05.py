"""Checkers for chapter 5 (Scaling optimization: SGD and beyond).

The references are the package's optimizer steps (tested step by step against ``torch.optim``) and the closed
forms of the quadratic theory. Each checker words the first difference as the mistake that usually causes it;
an untouched stub (a body of ``...``, an answer still ``None``) gets "not attempted yet" instead of a ❌.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.numpy_impl import optim as _optim

from ._report import attempt, not_attempted, report


def _arrays(result):
    return tuple(np.asarray(a, dtype=np.float64) for a in result)


def _close(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=1e-10, atol=1e-12))


def check_momentum_step(momentum_step) -> bool | None:
    """``momentum_step(theta, v, grad, lr, beta) -> (theta_new, v_new)`` in the lecture's velocity form
    v ← β·v − α·∇L,  θ ← θ + v."""
    name = "momentum step"
    rng = np.random.default_rng(5)
    for _ in range(5):
        theta, v, g = rng.standard_normal((3, 4))
        lr, beta = float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.1, 0.99))
        state, got = attempt(momentum_step, theta.copy(), v.copy(), g.copy(), lr, beta, name=name, convert=_arrays,
                             task="Return the pair (theta_new, v_new).")
        if not state:
            return state
        if len(got) != 2:
            return report(False, name, f"return the pair (theta_new, v_new); got {len(got)} values.")
        expected = _optim.momentum_velocity_step(theta, g, v, lr=lr, momentum=beta)
        if _close(got[0], expected[0]) and _close(got[1], expected[1]):
            continue
        if _close(got[1], expected[1]) and _close(got[0], theta + v):
            return report(False, name, "θ moved by the old velocity: update v first, then θ ← θ + v_new.")
        if _close(got[1], beta * v + lr * g):
            return report(False, name, "the velocity points uphill: in the velocity form v ← β·v − α·∇L (minus).")
        return report(False, name, f"with lr={lr:.3f}, beta={beta:.3f} expected θ={np.round(expected[0], 4)} "
                                   f"and v={np.round(expected[1], 4)}.")
    return report(True, name)


def check_divergence_threshold(answer, eigenvalues) -> bool | None:
    """The largest learning rate for which gradient descent converges on f = ½ zᵀAz with A's ``eigenvalues``."""
    name = "divergence threshold"
    if answer is None:
        return not_attempted(name, "Give the largest stable learning rate as a number.")
    lam = np.asarray(eigenvalues, dtype=float)
    expected = 2.0 / lam.max()
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, name, f"expected a number, got {answer!r}.")
    if math.isclose(value, 2.0 / lam.min(), rel_tol=0.01):
        return report(False, name, "that is the limit of the *flattest* direction; the steepest one (largest λ) "
                                   "fails first.")
    if math.isclose(value, 1.0 / lam.max(), rel_tol=0.01):
        return report(False, name, "at α = 1/λ the steepest direction is solved in one step; it still converges "
                                   "as long as |1 − αλ| < 1, i.e. up to αλ = 2.")
    return report(abs(value - expected) <= 0.01 * expected, name,
                  "GD multiplies the component along eigenvector i by (1 − αλᵢ) each step: which λ fails first?")


def check_adam_step(adam_step) -> bool | None:
    """``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)`` with bias correction 1 − βᵗ."""
    name = "Adam step"
    rng = np.random.default_rng(6)
    theta, m, v = rng.standard_normal(3), np.zeros(3), np.zeros(3)
    mine = (theta.copy(), m.copy(), v.copy())
    for t in range(1, 6):
        g = rng.standard_normal(3)
        new = _optim.adam_step(theta, g, m, v, step=t, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
        state, got = attempt(adam_step, mine[0].copy(), g.copy(), mine[1].copy(), mine[2].copy(), t, 0.1, 0.9,
                             0.999, 1e-8, name=name, convert=_arrays, task="Return the triple (theta, m, v).")
        if not state:
            return state
        if len(got) != 3:
            return report(False, name, f"return the triple (theta, m, v); got {len(got)} values.")
        if not np.allclose(got[0], new[0], rtol=1e-8, atol=1e-10):
            step = got[0] - mine[0]
            if t == 1 and np.allclose(np.abs(step), 0.1 * 0.1 / np.sqrt(0.001), rtol=1e-3):
                hint = "your first step is ≈ 3.2·lr: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ (bias correction)."
            elif t > 1:
                hint = "the first step was right, a later one is not: the exponent of β in the correction is " \
                       "the step counter t, not 1 (and m, v carry over from step to step)."
            else:
                hint = "at t = 1 the step should be ≈ lr·sign(g): divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ, " \
                       "and add ε after the square root."
            return report(False, name, f"step t = {t} differs. {hint}")
        theta, m, v = new
        mine = got
    return report(True, name)


def check_optimal_momentum(lr, beta, eigenvalues) -> bool | None:
    """Polyak's optimal heavy-ball parameters α* = 4/(√λ₁+√λₙ)², β* = ((√κ−1)/(√κ+1))²."""
    name = "optimal momentum"
    if lr is None or beta is None:
        return not_attempted(name, "Give both numbers, the learning rate α* and the momentum β*.")
    lo, hi = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    root = math.sqrt(hi / lo)
    lr_star = 4 / (math.sqrt(lo) + math.sqrt(hi)) ** 2
    beta_star = ((root - 1) / (root + 1)) ** 2
    lr, beta = float(lr), float(beta)
    if math.isclose(lr, 2 / (lo + hi), rel_tol=0.01):
        return report(False, name, "2/(λ₁ + λₙ) is gradient descent's best rate; with momentum it is "
                                   "4/(√λ₁ + √λₙ)².")
    if math.isclose(beta, (root - 1) / (root + 1), rel_tol=0.01):
        return report(False, name, "(√κ − 1)/(√κ + 1) is the *rate* the heavy ball reaches; β* is its square.")
    ok = abs(lr - lr_star) <= 0.01 * lr_star and abs(beta - beta_star) <= 0.01
    return report(ok, name, "both extreme eigen-directions must contract at the same rate √β.")
