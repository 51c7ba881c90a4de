"""Checkers for chapter 8 (augmentation, regularisation, normalisation)."""

from __future__ import annotations

import numpy as np

from helpers.numpy_impl import norm as _norm

from ._report import as_float, call, check_early_stopping_cases, report


def check_early_stopping(early_stopping) -> bool:
    """``early_stopping(val_losses, patience) -> (stop_epoch, best_epoch)``, epochs counted from 1: stop after
    ``patience`` epochs without a new best validation loss, and restore the best epoch."""
    cases = [([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.9], 3), ([1.0, 0.9, 0.8], 2), ([0.5, 0.6, 0.4, 0.45, 0.46], 2),
             ([1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88, 0.89], 1)]
    return check_early_stopping_cases(early_stopping, cases, lambda losses, patience, expected, got: (
        f"for {losses} with patience {patience} expected (stop, best) = {expected}, got {got}."))


def check_batch_norm_train(batch_norm) -> bool:
    """``batch_norm(x, gamma, beta, eps) -> out``: training-mode batch norm of x (N, D), biased variance."""
    rng = np.random.default_rng(80)
    for n in (2, 5, 32):
        x, gamma, beta = rng.normal(3.0, 2.0, (n, 4)), rng.normal(1, 0.3, 4), rng.normal(size=4)
        expected, _ = _norm.batch_norm_forward(x, gamma, beta, np.zeros(4), np.ones(4), training=True, eps=1e-5)
        ok, got = call(batch_norm, x.copy(), gamma.copy(), beta.copy(), 1e-5, name="batch norm (training)",
                       convert=as_float)
        if not ok:
            return False
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-8, atol=1e-10):
            hint = "normalise each column (axis 0), with the biased variance (divide by N) inside the square root."
            return report(False, "batch norm (training)", f"with N = {n} the outputs differ. {hint}")
    return report(True, "batch norm (training)")


def check_running_stats(update) -> bool:
    """``update(running_mean, running_var, x, momentum) -> (mean, var)``: PyTorch's rule for a batch x (N, D)."""
    rng = np.random.default_rng(81)
    rm, rv = np.zeros(3), np.ones(3)
    mine = (rm.copy(), rv.copy())
    for _ in range(4):
        x = rng.normal(2.0, 1.5, (6, 3))
        rm, rv = _norm.batch_norm_running_stats(x, rm, rv, momentum=0.1)
        ok, mine = call(update, mine[0].copy(), mine[1].copy(), x.copy(), 0.1, name="running statistics",
                        convert=lambda pair: tuple(as_float(v) for v in pair))
        if not ok:
            return False
        if not (np.allclose(mine[0], rm, rtol=1e-10) and np.allclose(mine[1], rv, rtol=1e-10)):
            return report(False, "running statistics", "PyTorch: new = (1 - momentum)·old + momentum·batch, and the "
                          "batch variance here is the unbiased one (divide by N - 1).")
    return report(True, "running statistics")


def check_norm_axes(answer: dict) -> bool:
    """``{"batch": axes, "layer": axes, "instance": axes}``: the axes of an (N, C, H, W) array each one averages."""
    expected = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}
    try:
        got = {k: tuple(sorted(int(a) for a in answer[k])) for k in expected}
    except Exception as err:  # noqa: BLE001
        return report(False, "normalisation axes", f"expected a dict with keys {list(expected)}: {err!r}")
    wrong = [k for k in expected if got[k] != expected[k]]
    return report(not wrong, "normalisation axes", f"look again at {', '.join(wrong)} (axis 0 = N, 1 = C, 2, 3 = H, W).")
