"""Gradient checking for readers and tests: relative errors and centred finite differences.

* :func:`rel_error` compares two arrays relative to their size.
* :func:`numerical_gradient` differentiates a NumPy function of one array by centred differences.
* :func:`gradient_check` compares hand-written (NumPy) or autograd (torch) gradients with centred
  differences and returns the largest relative error with a verdict.

Verdicts, following the rule of thumb of the CS231n notes on gradient checks (float64, h = 1e-6):

==============  =========================================================================
max rel. error  verdict
==============  =========================================================================
< 1e-7          ``"great"``: what a correct gradient of a smooth function gives
< 1e-4          ``"ok"``: fine for functions with kinks (ReLU, max, hinge); too big otherwise
< 1e-2          ``"suspicious"``: probably a bug (or an input sitting on a kink)
>= 1e-2         ``"wrong"``: the gradient is wrong
==============  =========================================================================

Always check in float64: float32 rounding alone produces errors around 1e-3 to 1e-2.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field

import numpy as np

from helpers.core._validation import check_finite_difference_args

__all__ = ["rel_error", "numerical_gradient", "gradient_check", "GradientCheck", "THRESHOLDS"]

#: (upper bound, verdict), checked in order
THRESHOLDS: tuple[tuple[float, str], ...] = ((1e-7, "great"), (1e-4, "ok"), (1e-2, "suspicious"),
                                            (float("inf"), "wrong"))


def _as_numpy(a) -> np.ndarray:
    if hasattr(a, "detach"):  # a torch tensor, on any device
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def rel_error(a, b) -> float:
    """``max|a - b| / (max|a| + max|b|)``: the largest difference relative to the size of the arrays.

    0 for equal arrays (also both zero), 1 for ``b = -a``. Unlike an entrywise relative error it does
    not blow up on entries that are both almost zero. Accepts arrays, tensors and scalars.
    """
    a, b = _as_numpy(a), _as_numpy(b)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of the same shape. Got {a.shape} and {b.shape} instead.")
    diff = float(np.max(np.abs(a - b), initial=0.0))
    scale = float(np.max(np.abs(a), initial=0.0) + np.max(np.abs(b), initial=0.0))
    return diff / scale if scale > 0 else 0.0


def numerical_gradient(f, x, dout=None, *, h: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of ``sum(dout * f(x))`` with respect to the array ``x``.

    ``f`` takes one float64 NumPy array and returns an array (or a scalar); ``dout`` has the shape of
    ``f(x)`` (ones by default). Costs two evaluations of ``f`` per entry of ``x``; ``x`` is not modified.
    Each entry: ``(L(x + h e_i) - L(x - h e_i)) / 2h``, error O(h^2) plus rounding O(eps * |L| / h).
    """
    check_finite_difference_args(x, h, "numerical_gradient")
    x = x.copy()
    flat = x.reshape(-1)  # a view: writing to flat perturbs x
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + h
        plus = _project(f(x), dout)
        flat[i] = old - h
        minus = _project(f(x), dout)
        flat[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad.reshape(x.shape)


def _project(out, dout) -> float:
    """The scalar ``<dout, out>`` (``sum(out)`` without dout); tuples of outputs are summed."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    douts = dout if isinstance(dout, (tuple, list)) else (dout,) * len(outs)
    return float(sum(np.sum(_as_numpy(o) * (1.0 if d is None else _as_numpy(d)))
                     for o, d in zip(outs, douts, strict=True)))


@dataclass
class GradientCheck:
    """The result of :func:`gradient_check`: relative error per checked input and the overall verdict."""

    errors: dict[str, float] = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    @property
    def verdict(self) -> str:
        return next(v for bound, v in THRESHOLDS if self.max_error < bound)

    @property
    def passed(self) -> bool:
        """True for "great" and "ok"; for a smooth function demand ``verdict == "great"`` yourself."""
        return self.verdict in ("great", "ok")

    def __str__(self) -> str:
        lines = [f"  {name}: relative error {err:.2e}" for name, err in self.errors.items()]
        head = f"gradient check: {self.verdict} (max relative error {self.max_error:.2e})"
        return "\n".join([head, *lines])


def _names(f, n):
    """Parameter names of the first ``n`` positional arguments of ``f`` (fallback: input0, input1 ...)."""
    fallback = [f"input{i}" for i in range(n)]
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return fallback
    positional = []
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append(p.name)
    return positional[:n] if len(positional) >= n else fallback


def _random_like(outs, rng):
    return tuple(rng.standard_normal(np.shape(o)) for o in outs)


def gradient_check(f, *inputs, backward=None, dout=None, wrt=None, h: float = 1e-6, rng=None, **hp):
    """Compare analytic gradients with centred finite differences; returns a :class:`GradientCheck`.

    NumPy: ``gradient_check(hn.relu_forward, x, backward=hn.relu_backward)`` — ``f(*inputs, **hp)``
    returns ``(out, cache)`` and ``backward(dout, cache)`` one gradient per checked input.
    Torch: ``gradient_check(module_or_function, x)`` — gradients come from autograd; a module is copied
    to float64 and its parameters are checked too (the original is left alone). The function must be
    deterministic: call ``module.eval()`` first if it uses dropout.

    The upstream gradient ``dout`` is random (seeded by ``rng``, default seed 0) rather than ones: with
    ones, some wrong gradients (e.g. of softmax, whose outputs sum to 1) would pass. ``wrt`` lists the
    positions of the inputs to check (default: the float inputs; for NumPy, as many as ``backward``
    returns). Relative errors are measured with :func:`rel_error`.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    if inputs and all(isinstance(a, np.ndarray) for a in inputs):
        if backward is None:
            raise TypeError("gradient_check of NumPy inputs needs the 'backward' function "
                            "(f must be a '<op>_forward' returning (out, cache)).")
        return _check_numpy(f, inputs, backward, dout, wrt, h, rng, hp)
    return _check_torch(f, inputs, dout, wrt, h, rng, hp)


def _check_numpy(f, inputs, backward, dout, wrt, h, rng, hp):
    inputs = tuple(np.asarray(a) for a in inputs)
    out, cache = f(*inputs, **hp)
    single = not isinstance(out, (tuple, list))
    outs = (out,) if single else tuple(out)
    douts = _random_like(outs, rng) if dout is None else ((dout,) if single else tuple(dout))
    grads = backward(douts[0] if single else douts, cache)
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    floats = [i for i, a in enumerate(inputs) if np.issubdtype(a.dtype, np.floating)]
    wrt = list(floats[: len(grads)] if wrt is None else wrt)
    if len(wrt) != len(grads):
        raise ValueError(f"backward returned {len(grads)} gradients but wrt has {len(wrt)} entries: {wrt}.")
    names = _names(f, len(inputs))
    result = GradientCheck()
    for i, analytic in zip(wrt, grads, strict=True):
        def f_i(x, i=i):
            args = list(inputs)
            args[i] = x
            return f(*args, **hp)[0]
        numeric = numerical_gradient(f_i, inputs[i].astype(np.float64), douts[0] if single else douts, h=h)
        result.errors[names[i]] = rel_error(analytic, numeric)
    return result


def _check_torch(f, inputs, dout, wrt, h, rng, hp):
    import torch

    if isinstance(f, torch.nn.Module):
        f = copy.deepcopy(f).double()
        params = dict(f.named_parameters())
    else:
        params = {}
    inputs = [torch.as_tensor(a) for a in inputs]
    # contiguous float64 copies: the perturbations below must not touch the caller's tensors
    inputs = [a.detach().to(torch.float64).clone(memory_format=torch.contiguous_format)
              if a.is_floating_point() else a for a in inputs]
    floats = [i for i, a in enumerate(inputs) if a.is_floating_point()]
    wrt = floats if wrt is None else list(wrt)
    names = _names(f.forward if isinstance(f, torch.nn.Module) else f, len(inputs))
    leaves = {names[i]: inputs[i].requires_grad_(True) for i in wrt}
    leaves.update({f"parameter {k}": p for k, p in params.items()})

    out = f(*inputs, **hp)
    single = not isinstance(out, (tuple, list))
    outs = (out,) if single else tuple(out)
    douts = _random_like(outs, rng) if dout is None else ((dout,) if single else tuple(dout))
    douts_t = [torch.as_tensor(d, dtype=o.dtype, device=o.device) for d, o in zip(douts, outs, strict=True)]
    analytic = torch.autograd.grad(outs, list(leaves.values()), douts_t, allow_unused=True)

    result = GradientCheck()
    with torch.no_grad():
        for (name, leaf), grad in zip(leaves.items(), analytic, strict=True):
            flat = leaf.view(-1)
            numeric = np.zeros(leaf.numel())
            for j in range(leaf.numel()):
                old = flat[j].item()
                flat[j] = old + h
                plus = _project(f(*inputs, **hp), douts)
                flat[j] = old - h
                minus = _project(f(*inputs, **hp), douts)
                flat[j] = old
                numeric[j] = (plus - minus) / (2 * h)
            grad = torch.zeros_like(leaf) if grad is None else grad
            result.errors[name] = rel_error(grad, numeric.reshape(tuple(leaf.shape)))
    return result
