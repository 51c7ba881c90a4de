"""Checkers for chapter 6 (Training neural networks I: learning rate, recipe, hyperparameters)."""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from helpers import schedules as _schedules

from ._report import call, check_early_stopping_cases, report


def check_initial_loss(value, num_classes: int) -> bool:
    """The cross-entropy of a classifier that predicts 1/C for every class: ln C."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return report(False, "initial loss", f"expected a number, got {value!r}.")
    return report(abs(v - math.log(num_classes)) < 1e-6, "initial loss",
                  "with p = 1/C for the true class, −log p = log C.")


def check_step_decay(step_decay) -> bool:
    """``step_decay(epoch, lr0, t, n)``: the lecture's "α ← α − t·α every n epochs", i.e. α₀·(1 − t)^⌊epoch/n⌋."""
    rng = np.random.default_rng(6)
    for _ in range(20):
        epoch, n = int(rng.integers(0, 60)), int(rng.integers(1, 12))
        lr0, t = float(rng.uniform(0.01, 1.0)), float(rng.uniform(0.05, 0.9))
        expected = lr0 * _schedules.step_factor(epoch, step_size=n, gamma=1 - t)
        ok, got = call(step_decay, epoch, lr0, t, n, name="step decay", convert=float)
        if not ok:
            return False
        if not math.isclose(got, expected, rel_tol=1e-9):
            return report(False, "step decay", f"epoch={epoch}, lr0={lr0:.3f}, t={t:.3f}, n={n}: expected "
                          f"{expected:.6g}, got {got:.6g}. How many decays have happened by this epoch?")
    return report(True, "step decay")


def check_early_stopping(early_stopping) -> bool:
    """``early_stopping(val_losses, patience) -> (stop_epoch, best_epoch)``, epochs counted from 1.

    Training stops after the first epoch that is ``patience`` epochs past the best so far (or at the last epoch);
    the weights kept are those of ``best_epoch``.
    """
    rng = np.random.default_rng(7)
    cases = [([3.0, 2.0, 1.0, 1.5, 1.6, 0.9], 2), ([1.0, 1.0, 1.0], 1), ([2.0, 1.0], 5)]
    for _ in range(20):
        n = int(rng.integers(3, 30))
        curve = 1 / np.arange(1, n + 1) + 0.02 * np.arange(n) + 0.05 * rng.standard_normal(n)
        cases.append(([float(v) for v in curve], int(rng.integers(1, 6))))
    return check_early_stopping_cases(early_stopping, cases, lambda losses, patience, expected, got: (
        f"val losses {np.round(losses, 3).tolist()} with patience {patience}: expected (stop, best) = {expected}, "
        f"got {got}. A tie is not an improvement."))


def check_random_trials(n, q: float = 0.02, p: float = 0.9) -> bool:
    """The fewest random-search trials that land in the best fraction ``q`` of the space with probability ``p``."""
    expected = math.ceil(math.log(1 - p) / math.log(1 - q))
    return report(n == expected, "number of random trials",
                  f"solve 1 − (1 − q)ⁿ ≥ p for the smallest integer n (got {n!r}).")


def check_fixed_train_step(step) -> bool:
    """``step(model, opt, x, y) -> float``: a correct training step. It must follow the same losses as the
    reference step from the same initial weights, and overfit one batch."""
    import torch

    from helpers.torch_impl.nets import mlp
    from helpers.training_recipe import overfit_one_batch, train_step

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 64, generator=g), torch.arange(16) % 10
    losses = []
    for fn in (train_step, step):
        net = mlp([64, 32, 10], generator=torch.Generator().manual_seed(1))
        ok, curve = call(partial(overfit_one_batch, steps=60, step=fn), net, x, y, name="training step",
                         what="your step")
        if not ok:
            return False
        losses.append(curve)
    ok = np.allclose(losses[0], losses[1], rtol=1e-5, atol=1e-6) and losses[1][-1] < 0.05
    return report(ok, "training step", f"your losses after 1, 10, 60 steps: {[round(losses[1][i], 4) for i in (0, 9, 59)]}"
                  f"; expected {[round(losses[0][i], 4) for i in (0, 9, 59)]}. zero_grad, logits into the loss, backward, step.")
