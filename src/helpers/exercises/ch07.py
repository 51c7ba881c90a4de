"""Checkers for chapter 7 (outputs, losses, activations, initialisation).

Each checker runs the reader's answer, compares it with an independent computation (PyTorch's built-ins,
finite differences, the package's reference) and says what is wrong and why. An untouched stub (a function
whose body is ``...``, an answer still ``None``) gets "not attempted yet" instead of a verdict.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.numpy_impl import losses as _losses

from ._report import as_float, attempt, diagnose, not_attempted, report


def check_cross_entropy(cross_entropy) -> bool | None:
    """``cross_entropy(scores, labels)``: the mean of ``-ln softmax(scores)[label]`` over the rows of (N, C)
    scores, finite even for scores of size 1e4 (like ``F.cross_entropy`` on logits)."""
    name = "cross-entropy from logits"
    task = "Compute log-softmax as s - max(s) - ln(sum(exp(s - max(s)))) per row, then average -log p of the labels."
    rng = np.random.default_rng(71)
    cases = [(rng.normal(size=(5, 4)), rng.integers(0, 4, 5)),
             (np.array([[1.8, -2.7, 3.1, 0.5], [0.0, 0.0, 0.0, 0.0]]), np.array([2, 1])),
             (np.array([[1000.0, 1001.0, 999.0]]), np.array([2])),
             (np.array([[-1e4, 0.0, 1e4], [3.0, 1.0, 2.0]]), np.array([0, 1]))]
    for scores, labels in cases:
        with np.errstate(all="ignore"):
            state, got = attempt(cross_entropy, scores.copy(), labels.copy(), name=name, task=task, convert=float)
        if not state:
            return state
        expected = float(_losses.softmax_cross_entropy_forward(scores, labels)[0])
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        per_example = _losses.softmax_cross_entropy_forward(scores, labels, reduction="none")[0]
        if not math.isfinite(got):
            hint = ("the result is not finite: ln of a probability that rounded to 0 is -inf. Never take the log "
                    "of softmax's output; use the log-softmax formula, where nothing is exponentiated and logged back.")
        else:
            hint = diagnose(got, [
                (-expected, "the sign is wrong: the loss is -ln p_y, a positive number."),
                (float(per_example.sum()), "that is the sum over the examples; take the mean (F.cross_entropy's "
                                           "default reduction).")],
                otherwise="compare with -ln(softmax(s)[y]) on a small example by hand.",
                same=lambda a, b: math.isclose(a, b, rel_tol=1e-9))
        return report(False, name, f"for scores {np.round(scores[0], 1).tolist()}... and labels {labels.tolist()} "
                                   f"expected {expected:.6g}, got {got:.6g}: {hint}")
    return report(True, name)


def check_softplus(softplus_forward, softplus_backward) -> bool | None:
    """``softplus_forward(x)`` = ln(1 + e^x) elementwise without overflow for |x| up to 1e4, and
    ``softplus_backward(dout, x)`` = dout times its derivative, checked against ``F.softplus``, autograd and
    centred finite differences."""
    import torch
    import torch.nn.functional as F

    from helpers.core.testing import numerical_gradient

    name = "softplus forward and backward"
    task = ("Write ln(1 + e^x) so that only exp of a non-positive number is taken, derive d/dx, and return "
            "dout times it.")
    x = np.array([-1e4, -800.0, -30.0, -2.0, -0.3, 0.0, 0.4, 2.5, 30.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        state, out = attempt(softplus_forward, x.copy(), name=name, task=task, convert=as_float,
                             what="softplus_forward")
    if not state:
        return state
    expected = np.logaddexp(0.0, x)  # ln(e^0 + e^x), computed stably by NumPy
    if out.shape != x.shape:
        return report(False, name, f"softplus_forward must return an array of the input's shape {x.shape}; "
                                   f"got {out.shape}.")
    if not np.allclose(out, expected, rtol=1e-12, atol=1e-300):
        bad = int(np.argmax(~np.isclose(out, expected, rtol=1e-12, atol=1e-300)))
        return report(False, name, f"softplus_forward({x[bad]:g}) = {float(out[bad]):.6g}, expected "
                                   f"{expected[bad]:.6g}. Use softplus(x) = max(x, 0) + ln(1 + e^(-|x|)) "
                                   "(np.log1p keeps the small term accurate).")
    rng = np.random.default_rng(72)
    xs, dout = rng.normal(0, 3, size=(4, 5)), rng.normal(size=(4, 5))
    state, grad = attempt(softplus_backward, dout.copy(), xs.copy(), name=name, task=task, convert=as_float,
                          what="softplus_backward")
    if not state:
        return state
    xt = torch.from_numpy(xs).requires_grad_(True)
    F.softplus(xt, threshold=1e9).backward(torch.from_numpy(dout))
    want = xt.grad.numpy()
    numeric = numerical_gradient(lambda v: np.logaddexp(0.0, v), xs, dout)
    if grad.shape != xs.shape or not np.allclose(grad, want, rtol=1e-10, atol=1e-12):
        if grad.shape == xs.shape and np.allclose(grad, want / dout, rtol=1e-10):
            hint = "you returned the derivative alone: the backward pass multiplies it by the upstream dout."
        elif grad.shape == xs.shape and np.allclose(grad, dout * (1 - want / dout), rtol=1e-8):
            hint = "that is sigmoid(-x): the slope of ln(1 + e^x) goes to 1 for large x, not to 0."
        else:
            hint = "d/dx ln(1 + e^x) = e^x / (1 + e^x): a function this chapter has already made stable."
        return report(False, name, f"the gradient differs from autograd's (max |difference| "
                                   f"{np.abs(grad - want).max():.2g}): {hint}")
    assert np.allclose(numeric, want, rtol=1e-6, atol=1e-8)  # the oracle agrees with finite differences
    return report(True, name)


def check_leaky_relu_init(init_std) -> bool | None:
    """``init_std(fan_in, negative_slope)``: the std of a Gaussian weight that keeps the forward signal's second
    moment through a leaky ReLU layer (He et al.: Var(w) = 2 / ((1 + a^2) n))."""
    import torch

    name = "leaky-ReLU initialisation"
    task = "Compute E[leaky_relu(s)^2] for a symmetric s with variance v, then solve n Var(w) E[...]/v = 1."
    for fan_in in (64, 784, 3):
        for slope in (0.0, 0.01, 0.2, 1.0):
            state, value = attempt(init_std, fan_in, slope, name=name, task=task, convert=float)
            if not state:
                return state
            expected = torch.nn.init.calculate_gain("leaky_relu", slope) / math.sqrt(fan_in)
            if math.isclose(value, expected, rel_tol=1e-9):
                continue
            if math.isclose(value, expected**2, rel_tol=1e-9):
                hint = "that is the variance; return its square root."
            elif math.isclose(value, math.sqrt(2.0 / ((1.0 + slope) * fan_in)), rel_tol=1e-9):
                hint = "the negative half contributes a^2 Var(s)/2 (the slope is squared), not a Var(s)/2."
            elif math.isclose(value, math.sqrt(2.0 / fan_in), rel_tol=1e-9):
                hint = "that is He's ReLU value for every slope; a slope of 1 is the identity and needs 1/n."
            else:
                hint = "check the slopes 0 (He, 2/n) and 1 (a linear layer, 1/n) first."
            return report(False, name, f"init_std({fan_in}, {slope}) = {value:.5g}, expected {expected:.5g}: {hint}")
    return report(True, name)


def check_dead_fraction(answer, pre_activations) -> bool | None:
    """The fraction of ReLU units (columns) that output 0 for every example (row) of ``pre_activations``."""
    name = "dead ReLUs"
    if answer is None:
        return not_attempted(name, "Set dead_fraction to a number computed from z2.")
    z = np.asarray(pre_activations)
    expected = float(np.mean(np.all(z <= 0, axis=0)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, name, f"expected a number, got {answer!r}.")
    if abs(value - expected) < 1e-12:
        return report(True, name)
    if abs(value - float(np.mean(z <= 0))) < 1e-12:
        hint = "that is the fraction of zero *outputs*; a unit is dead when its pre-activation is <= 0 for all examples."
    elif abs(value - float(np.mean(np.all(z <= 0, axis=1)))) < 1e-12:
        hint = "you took all() along the units (a row); a unit is a column: use axis=0."
    elif abs(value - 100 * expected) < 1e-9:
        hint = "give a fraction in [0, 1], not a percentage."
    else:
        hint = "a unit is dead when its pre-activation is <= 0 for *all* examples (a column)."
    return report(False, name, hint)
