"""Checkers for chapter 4 (Optimization and backpropagation).

The reference answers come from ``torch.autograd`` or closed formulas, never from the reader's code.
"""

from __future__ import annotations

import numpy as np
import torch

from ._report import call, report


def check_add_mul_gradients(dx, dy, dz, *, x=-3.0, y=4.0, z=2.0) -> bool:
    """The gradients of ``f = (x + y) * z`` at the given point (defaults x=-3, y=4, z=2)."""
    want = {"df/dx": z, "df/dy": z, "df/dz": x + y}
    got = {"df/dx": dx, "df/dy": dy, "df/dz": dz}
    wrong = [f"{k} should be {v:g}, you have {float(got[k]):g}" for k, v in want.items() if not np.isclose(got[k], v)]
    return report(not wrong, "(x + y) z gradients", "; ".join(wrong) + ". The + gate copies the upstream gradient "
                  "to both inputs; the * gate multiplies it by the *other* input.")


def check_sigmoid_neuron_gradient(grad) -> bool:
    """``grad(w, x)`` must return ``(dw, dx)`` for ``f = sigmoid(w[0] x[0] + ... + w[n-1] x[n-1] + w[n])``."""
    rng = np.random.default_rng(7)
    for n in (2, 5):
        w, x = rng.standard_normal(n + 1), rng.standard_normal(n)
        ok, got = call(grad, w.copy(), x.copy(), name="sigmoid neuron")
        if not ok:
            return False
        wt, xt = torch.tensor(w, requires_grad=True), torch.tensor(x, requires_grad=True)
        torch.sigmoid((wt[:-1] * xt).sum() + wt[-1]).backward()
        try:
            dw, dx = (np.asarray(g, dtype=np.float64) for g in got)
        except (TypeError, ValueError):
            return report(False, "sigmoid neuron", "return a pair (dw, dx) of arrays.")
        if dw.shape != w.shape or dx.shape != x.shape:
            return report(False, "sigmoid neuron", f"expected shapes {w.shape} and {x.shape}, got {dw.shape} "
                                                   f"and {dx.shape}.")
        if not (np.allclose(dw, wt.grad.numpy()) and np.allclose(dx, xt.grad.numpy())):
            return report(False, "sigmoid neuron", f"expected dw={np.round(wt.grad.numpy(), 4).tolist()}, "
                                                   f"dx={np.round(xt.grad.numpy(), 4).tolist()}; remember "
                                                   "sigma'(a) = sigma(a) (1 - sigma(a)).")
    return report(True, "sigmoid neuron")


def check_affine_backward(backward) -> bool:
    """``backward(dout, x, w)`` must return ``(dx, dw, db)`` for ``out = x @ w.T + b`` (w is (out, in))."""
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    ok, got = call(backward, dout.copy(), x.copy(), w.copy(), name="affine backward")
    if not ok:
        return False
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    (xt @ wt.T + bt).backward(torch.tensor(dout))
    names = ("dx", "dw", "db")
    for name, g, want in zip(names, got, (xt.grad, wt.grad, bt.grad)):
        g = np.asarray(g, dtype=np.float64)
        if g.shape != tuple(want.shape):
            return report(False, "affine backward", f"{name} must have shape {tuple(want.shape)} (the shape of "
                                                    f"its input), got {g.shape}.")
        if not np.allclose(g, want.numpy()):
            return report(False, "affine backward", f"{name} is wrong; dx = dout @ w, dw = dout.T @ x, "
                                                    "db = dout summed over the batch.")
    return report(True, "affine backward")


def check_weight_decay(weight_decay, *, lam=5e-4) -> bool:
    """The ``weight_decay`` of ``torch.optim.SGD`` that equals adding ``lam * ||w||^2`` to the loss."""
    if np.isclose(weight_decay, lam):
        return report(False, "weight decay", f"{weight_decay:g} is λ itself; differentiate λ||w||²: "
                                             "the gradient is 2λw, and SGD adds weight_decay * w.")
    return report(bool(np.isclose(weight_decay, 2 * lam)), "weight decay", f"expected {2 * lam:g}.")


def check_numerical_gradient(numerical_gradient) -> bool:
    """``numerical_gradient(f, x, h)`` must return the centred-difference gradient of a scalar ``f`` at ``x``."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 2))
    f = lambda v: float(np.sum(np.sin(v) * v**2))  # noqa: E731 - a one-line test function
    want = np.cos(x) * x**2 + 2 * x * np.sin(x)
    ok, got = call(numerical_gradient, f, x.copy(), 1e-5, name="numerical gradient")
    if not ok:
        return False
    got = np.asarray(got, dtype=np.float64)
    if got.shape != x.shape:
        return report(False, "numerical gradient", f"expected shape {x.shape}, got {got.shape}.")
    err = float(np.max(np.abs(got - want)) / (np.max(np.abs(got)) + np.max(np.abs(want))))
    if 1e-7 < err < 1e-3:
        return report(False, "numerical gradient", f"relative error {err:.1e}: use the centred difference "
                                                   "(f(x+h) - f(x-h)) / 2h, not a one-sided one.")
    return report(err <= 1e-7, "numerical gradient", f"relative error {err:.1e} to the exact gradient.")
