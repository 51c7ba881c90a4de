"""Checkers for chapter 4 (Optimization and backpropagation).

The reference answers come from ``torch.autograd`` or closed formulas, never from the reader's code. Each
checker words the first difference as the mistake that usually causes it; an untouched stub (a body of
``...``, an answer still ``None``) gets "not attempted yet" instead of a ❌.
"""

from __future__ import annotations

import numpy as np
import torch

from ._report import attempt, not_attempted, report


def _pair_of_arrays(result):
    a, b = result
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def _arrays(result):
    return tuple(np.asarray(g, dtype=np.float64) for g in result)


def check_add_mul_gradients(dx, dy, dz, *, x=-3.0, y=4.0, z=2.0) -> bool | None:
    """The gradients of ``f = (x + y) * z`` at the given point (defaults x=-3, y=4, z=2)."""
    name = "(x + y) z gradients"
    if dx is None or dy is None or dz is None:
        return not_attempted(name, "Give the three numbers df/dx, df/dy, df/dz.")
    want = {"df/dx": z, "df/dy": z, "df/dz": x + y}
    got = {"df/dx": dx, "df/dy": dy, "df/dz": dz}
    wrong = [f"{k} should be {v:g}, you have {float(got[k]):g}" for k, v in want.items() if not np.isclose(got[k], v)]
    return report(not wrong, name, "; ".join(wrong) + ". The + gate copies the upstream gradient to both inputs; "
                  "the * gate multiplies it by the *other* input.")


def check_sigmoid_neuron_gradient(grad) -> bool | None:
    """``grad(w, x)`` must return ``(dw, dx)`` for ``f = sigmoid(w[0] x[0] + ... + w[n-1] x[n-1] + w[n])``."""
    name = "sigmoid neuron"
    rng = np.random.default_rng(7)
    for n in (2, 5):
        w, x = rng.standard_normal(n + 1), rng.standard_normal(n)
        state, got = attempt(grad, w.copy(), x.copy(), name=name, convert=_pair_of_arrays,
                             task="Return the pair (dw, dx): dw has the shape of w (bias last), dx that of x.")
        if not state:
            return state
        dw, dx = got
        wt, xt = torch.tensor(w, requires_grad=True), torch.tensor(x, requires_grad=True)
        torch.sigmoid((wt[:-1] * xt).sum() + wt[-1]).backward()
        if dw.shape != w.shape or dx.shape != x.shape:
            return report(False, name, f"expected shapes {w.shape} and {x.shape}, got {dw.shape} and {dx.shape}.")
        if np.allclose(dw, np.append(x, 1.0)) or np.allclose(dx, w[:-1]):
            return report(False, name, "that is the gradient of the pre-activation a; multiply by the sigmoid's "
                                       "local derivative sigma'(a) = sigma(a) (1 - sigma(a)).")
        if not (np.allclose(dw, wt.grad.numpy()) and np.allclose(dx, xt.grad.numpy())):
            return report(False, name, f"expected dw={np.round(wt.grad.numpy(), 4).tolist()}, "
                                       f"dx={np.round(xt.grad.numpy(), 4).tolist()}; dw_i = x_i sigma'(a), "
                                       "dw_n = sigma'(a) (the bias), dx_i = w_i sigma'(a).")
    return report(True, name)


def check_affine_backward(backward) -> bool | None:
    """``backward(dout, x, w)`` must return ``(dx, dw, db)`` for ``out = x @ w.T + b`` (w is (out, in))."""
    name = "affine backward"
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    state, got = attempt(backward, dout.copy(), x.copy(), w.copy(), name=name, convert=_arrays,
                         task="Return (dx, dw, db), each with the shape of its input.")
    if not state:
        return state
    if len(got) != 3:
        return report(False, name, f"return three arrays (dx, dw, db); got {len(got)}.")
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    (xt @ wt.T + bt).backward(torch.tensor(dout))
    for grad_name, g, want in zip(("dx", "dw", "db"), got, (xt.grad, wt.grad, bt.grad)):
        if g.shape != tuple(want.shape):
            hint = " (sum dout over the batch axis)" if grad_name == "db" else " (let the shapes choose the product)"
            return report(False, name, f"{grad_name} must have shape {tuple(want.shape)}, the shape of its input; "
                                       f"got {g.shape}{hint}.")
        if not np.allclose(g, want.numpy()):
            return report(False, name, f"{grad_name} is wrong; dx = dout @ w, dw = dout.T @ x, "
                                       "db = dout summed over the batch.")
    return report(True, name)


def check_weight_decay(weight_decay, *, lam=5e-4) -> bool | None:
    """The ``weight_decay`` of ``torch.optim.SGD`` that equals adding ``lam * ||w||^2`` to the loss."""
    name = "weight decay"
    if weight_decay is None:
        return not_attempted(name, "Give the number to pass as SGD(..., weight_decay=...).")
    if np.isclose(weight_decay, lam):
        return report(False, name, f"{weight_decay:g} is λ itself; differentiate λ||w||²: the gradient is 2λw, "
                                   "and SGD adds weight_decay * w.")
    if np.isclose(weight_decay, lam / 2):
        return report(False, name, "that would match a penalty λ/2·||w||² only if λ were halved; here the penalty "
                                   "is λ||w||², whose gradient is 2λw.")
    return report(bool(np.isclose(weight_decay, 2 * lam)), name, "SGD adds weight_decay * w to the gradient: "
                  "match it with the gradient of the penalty.")


def check_numerical_gradient(numerical_gradient) -> bool | None:
    """``numerical_gradient(f, x, h)``: the centred-difference gradient of a scalar ``f`` at ``x``, leaving
    ``x`` as it was."""
    name = "numerical gradient"
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 2))
    f = lambda v: float(np.sum(np.sin(v) * v**2))  # noqa: E731 - a one-line test function
    want = np.cos(x) * x**2 + 2 * x * np.sin(x)
    mine = x.copy()
    state, got = attempt(numerical_gradient, f, mine, 1e-5, name=name, convert=lambda r: np.asarray(r, float),
                         shape=x.shape, task="Return an array of the shape of x: (f(x + h e_i) - f(x - h e_i)) / 2h "
                                             "per entry.")
    if not state:
        return state
    if not np.array_equal(mine, x):
        return report(False, name, "your function changed x: put every entry back to its old value after "
                                   "evaluating f at x ± h (or work on a copy).")
    err = float(np.max(np.abs(got - want)) / (np.max(np.abs(got)) + np.max(np.abs(want))))
    if 1e-7 < err < 1e-3:
        return report(False, name, f"relative error {err:.1e}: use the centred difference "
                                   "(f(x+h) - f(x-h)) / 2h, not a one-sided one.")
    if abs(err - 1 / 3) < 0.01:
        return report(False, name, "your values are twice too large: divide by 2h, not h.")
    return report(err <= 1e-7, name, f"relative error {err:.1e} to the exact gradient.")


def check_silu_backward(silu_backward) -> bool | None:
    """``silu_backward(dout, x)``: the gradient of ``y = x * sigmoid(x)`` (SiLU, a layer the chapter did not
    show), i.e. ``dout * (s + x s (1 - s))`` with ``s = sigmoid(x)``; compared with ``torch.nn.functional.silu``."""
    name = "SiLU backward"
    rng = np.random.default_rng(10)
    x, dout = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))
    state, got = attempt(silu_backward, dout.copy(), x.copy(), name=name, convert=lambda r: np.asarray(r, float),
                         shape=x.shape, shape_meaning="dx has the shape of x",
                         task="Return dx, the shape of x: dout times the local derivative of x·sigma(x).")
    if not state:
        return state
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.silu(xt).backward(torch.tensor(dout))
    want = xt.grad.numpy()
    s = 1 / (1 + np.exp(-x))
    if np.allclose(got, dout * s) or np.allclose(got, dout * x * s * (1 - s)):
        return report(False, name, "x appears twice in x·sigma(x): use the product rule, "
                                   "d/dx [x sigma(x)] = sigma(x) + x sigma'(x).")
    if np.allclose(got, s + x * s * (1 - s)):
        return report(False, name, "that is the local derivative alone: multiply it by the upstream gradient dout.")
    return report(bool(np.allclose(got, want)), name, "compare with dout * (s + x s (1 - s)), s = sigma(x).")
