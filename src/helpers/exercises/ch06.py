"""Checkers for chapter 6 (Training neural networks I: learning rate, recipe, hyperparameters).

Each checker runs the reader's answer against an independent computation and words the first difference as the
mistake that usually causes it; an untouched stub (a body of ``...``, an answer still ``None``) gets "not
attempted yet" instead of a ❌.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from helpers.core import schedules as _schedules

from ._report import as_int_tuple, attempt, call, check_early_stopping_cases, diagnose, not_attempted, report


def check_initial_loss(value, num_classes: int) -> bool | None:
    """The cross-entropy of a classifier that predicts 1/C for every class: ln C."""
    name = "initial loss"
    if value is None:
        return not_attempted(name, "Compute −log p_y for the uniform prediction p_y = 1/C.")
    try:
        v = float(value)
    except (TypeError, ValueError):
        return report(False, name, f"expected a number, got {value!r}.")
    if math.isclose(v, math.log10(num_classes), rel_tol=1e-6):
        return report(False, name, "that is log₁₀: the cross-entropy uses the natural logarithm (math.log).")
    if math.isclose(v, 1 / num_classes, rel_tol=1e-6):
        return report(False, name, "1/C is the probability of the true class; the loss is −log of it.")
    return report(abs(v - math.log(num_classes)) < 1e-6, name, "with p = 1/C for the true class, −log p = log C.")


def check_step_decay(step_decay) -> bool | None:
    """``step_decay(epoch, lr0, t, n)``: the lecture's "α ← α − t·α every n epochs", i.e. α₀·(1 − t)^⌊epoch/n⌋."""
    name = "step decay"
    state, _ = attempt(step_decay, 0, 0.1, 0.5, 10, name=name, convert=float,
                       task="Return the learning rate at this epoch as a number.")
    if not state:
        return state
    rng = np.random.default_rng(6)
    for _ in range(20):
        epoch, n = int(rng.integers(0, 60)), int(rng.integers(1, 12))
        lr0, t = float(rng.uniform(0.01, 1.0)), float(rng.uniform(0.05, 0.9))
        expected = lr0 * _schedules.step_factor(epoch, step_size=n, gamma=1 - t)
        ok, got = call(step_decay, epoch, lr0, t, n, name=name, convert=float)
        if not ok:
            return False
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        where = f"epoch={epoch}, lr0={lr0:.3f}, t={t:.3f}, n={n}: expected {expected:.6g}, got {got:.6g}."
        hint = diagnose(got, [
            (lr0 * (1 - t) ** (epoch / n), "the rate changes only every n epochs: use the whole number of decays, "
                                           "epoch // n."),
            (lr0 * t ** (epoch // n), "t is the fraction *removed* (α − tα); the factor kept is 1 − t, PyTorch's "
                                      "gamma."),
            (lr0 * (1 - t) ** (epoch // n + 1), "at epoch 0 no decay has happened yet: the rate is α₀.")],
            otherwise="how many decays have happened by this epoch?", same=lambda a, b: math.isclose(a, b, rel_tol=1e-9))
        return report(False, name, f"{where} {hint}")
    return report(True, name)


def _rule(val_losses, patience: int, *, tie: bool = False, offset: int = 0) -> tuple[int, int]:
    """The early-stopping rule, or a typical slip of it: a tie counted as an improvement (``tie``), a stop
    ``offset`` epochs late (or early)."""
    best, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best or (tie and loss == best):
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience + offset:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def _describe_early_stopping(losses, patience, expected, got) -> str:
    where = (f"val losses {np.round(losses, 3).tolist()} with patience {patience}: expected (stop, best) = "
             f"{expected}, got {got}.")
    if got == _rule(losses, patience, tie=True):
        return f"{where} A tie is not an improvement: only a strictly lower loss resets the patience."
    if got == (expected[0] - 1, expected[1] - 1) or got == (expected[0], expected[1] - 1):
        return f"{where} Count epochs from 1 (enumerate(val_losses, start=1))."
    if got == _rule(losses, patience, offset=1):
        return f"{where} Stop at the first epoch with epoch − best_epoch = patience, not one later."
    if patience > 1 and got == _rule(losses, patience, offset=-1):
        return f"{where} Stop only when `patience` epochs have passed without improvement, not one earlier."
    return f"{where} Keep the best epoch so far; stop `patience` epochs after it, or at the last epoch."


def check_early_stopping(early_stopping) -> bool | None:
    """``early_stopping(val_losses, patience) -> (stop_epoch, best_epoch)``, epochs counted from 1.

    Training stops after the first epoch that is ``patience`` epochs past the best so far (or at the last epoch);
    the weights kept are those of ``best_epoch``.
    """
    state, _ = attempt(early_stopping, [3.0, 2.0, 2.5], 1, name="early stopping", convert=as_int_tuple,
                       task="Return the pair (stop_epoch, best_epoch), epochs counted from 1.")
    if not state:
        return state
    rng = np.random.default_rng(7)
    cases = [([3.0, 2.0, 1.0, 1.5, 1.6, 0.9], 2), ([1.0, 1.0, 1.0], 1), ([2.0, 1.0], 5)]
    for _ in range(20):
        n = int(rng.integers(3, 30))
        curve = 1 / np.arange(1, n + 1) + 0.02 * np.arange(n) + 0.05 * rng.standard_normal(n)
        cases.append(([float(v) for v in curve], int(rng.integers(1, 6))))
    return check_early_stopping_cases(early_stopping, cases, _describe_early_stopping)


def check_random_trials(n, q: float = 0.02, p: float = 0.9) -> bool | None:
    """The fewest random-search trials that land in the best fraction ``q`` of the space with probability ``p``."""
    name = "number of random trials"
    if n is None:
        return not_attempted(name, "Give the smallest whole number of trials.")
    expected = math.ceil(math.log(1 - p) / math.log(1 - q))
    if n == expected - 1:
        return report(False, name, f"with {n} trials the probability is {1 - (1 - q) ** n:.4f} < {p}: round up.")
    if n == math.ceil(p / q):
        return report(False, name, "probabilities of the trials do not add up: all n miss with probability "
                                   "(1 − q)ⁿ, so solve 1 − (1 − q)ⁿ ≥ p.")
    return report(n == expected, name, f"solve 1 − (1 − q)ⁿ ≥ p for the smallest integer n (got {n!r}).")


def check_fixed_train_step(step) -> bool | None:
    """``step(model, opt, x, y) -> float``: a correct training step. It must follow the same losses as the
    reference step from the same initial weights, and overfit one batch."""
    import torch

    from helpers.labs.training_recipe import overfit_one_batch, train_step
    from helpers.torch_impl.nets import mlp

    name = "training step"
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 64, generator=g), torch.arange(16) % 10
    curves = []
    for fn in (train_step, step):
        net = mlp([64, 32, 10], generator=torch.Generator().manual_seed(1))
        ok, curve = call(partial(overfit_one_batch, steps=60, step=fn), net, x, y, name=name, what="your step")
        if not ok:
            return False
        curves.append(curve)
    ref, mine = curves
    if all(v is None for v in mine):
        return not_attempted(name, "Write the four lines of a training step and return the loss as a float.",
                             why="your step returns None")
    if not all(isinstance(v, float) for v in mine):
        return report(False, name, f"return the loss as a Python float (loss.item()), not a "
                                   f"{type(mine[0]).__name__}: a tensor keeps its graph alive.")
    mine = np.array(mine)
    seen = f" Your losses after 1, 10, 60 steps: {[round(float(mine[i]), 4) for i in (0, 9, 59)]}."
    if np.allclose(ref, mine, rtol=1e-5, atol=1e-6) and mine[-1] < 0.05:
        return report(True, name)
    if not np.all(np.isfinite(mine)) or mine[-1] > 2 * mine[0]:
        return report(False, name, "the loss blows up: are the gradients reset before every backward()?" + seen)
    if np.allclose(mine, mine[0], rtol=1e-6):
        return report(False, name, "the weights never change: zero_grad() must come before backward() (after it, "
                                   "it erases the fresh gradients), and step() after backward()." + seen)
    if mine[-1] > 1.4:
        return report(False, name, "the loss is stuck above ≈ 1.46: pass the raw scores (logits) to "
                                   "cross_entropy, which applies log-softmax itself." + seen)
    return report(False, name, f"expected {[round(float(ref[i]), 4) for i in (0, 9, 59)]}.{seen} zero_grad, logits "
                               "into the loss, backward, step.")
