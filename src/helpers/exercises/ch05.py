"""Checkers for chapter 5 (Scaling optimization: SGD and beyond)."""

from __future__ import annotations

import numpy as np

from helpers.numpy_impl import optim as _optim

from ._report import report


def check_momentum_step(momentum_step) -> bool:
    """``momentum_step(theta, v, grad, lr, beta) -> (theta_new, v_new)`` in the lecture's velocity form
    v ← β·v − α·∇L,  θ ← θ + v."""
    rng = np.random.default_rng(5)
    for _ in range(5):
        theta, v, g = rng.standard_normal((3, 4))
        lr, beta = float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.0, 0.99))
        expected = _optim.momentum_velocity_step(theta, g, v, lr=lr, momentum=beta)
        try:
            got = momentum_step(theta.copy(), v.copy(), g.copy(), lr, beta)
            ok = all(np.allclose(a, b, rtol=1e-10, atol=1e-12) for a, b in zip(got, expected))
        except Exception as err:  # noqa: BLE001 - the reader's code may raise anything
            return report(False, "momentum step", f"your function raised {type(err).__name__}: {err}")
        if not ok:
            return report(False, "momentum step", f"with lr={lr:.3f}, beta={beta:.3f} expected θ={np.round(expected[0], 4)}"
                          f" and v={np.round(expected[1], 4)}; update v first, then θ ← θ + v.")
    return report(True, "momentum step")


def check_divergence_threshold(answer, eigenvalues) -> bool:
    """The largest learning rate for which gradient descent converges on f = ½ zᵀAz with A's ``eigenvalues``."""
    lam_max = float(np.max(eigenvalues))
    expected = 2.0 / lam_max
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, "divergence threshold", f"expected a number, got {answer!r}.")
    return report(abs(value - expected) <= 0.01 * expected, "divergence threshold",
                  "GD multiplies the component along eigenvector i by (1 − αλᵢ) each step: which λ fails first?")


def check_adam_step(adam_step) -> bool:
    """``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)`` with bias correction 1 − βᵗ."""
    rng = np.random.default_rng(6)
    theta, m, v = rng.standard_normal(3), np.zeros(3), np.zeros(3)
    mine = (theta.copy(), m.copy(), v.copy())
    for t in range(1, 6):
        g = rng.standard_normal(3)
        theta, m, v = _optim.adam_step(theta, g, m, v, step=t, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
        try:
            mine = adam_step(mine[0], g.copy(), mine[1], mine[2], t, 0.1, 0.9, 0.999, 1e-8)
        except Exception as err:  # noqa: BLE001
            return report(False, "Adam step", f"your function raised {type(err).__name__}: {err}")
        if not np.allclose(mine[0], theta, rtol=1e-8, atol=1e-10):
            hint = "at t = 1 the step should be ≈ lr·sign(g): divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ (t, not 1)."
            return report(False, "Adam step", f"step t = {t} differs. {hint}")
    return report(True, "Adam step")


def check_optimal_momentum(lr, beta, eigenvalues) -> bool:
    """Polyak's optimal heavy-ball parameters α* = 4/(√λ₁+√λₙ)², β* = ((√κ−1)/(√κ+1))²."""
    lo, hi = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    lr_star = 4 / (np.sqrt(lo) + np.sqrt(hi)) ** 2
    beta_star = ((np.sqrt(hi / lo) - 1) / (np.sqrt(hi / lo) + 1)) ** 2
    ok = abs(float(lr) - lr_star) <= 0.01 * lr_star and abs(float(beta) - beta_star) <= 0.01
    return report(ok, "optimal momentum", "both extreme eigen-directions must contract at the same rate √β.")
