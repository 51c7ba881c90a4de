"""Weight initialisation (chapter 7): Gaussian weights whose variance is chosen from the layer's fan-in/fan-out.

A unit computes ``s = sum_i w_i x_i`` over ``n`` inputs. With independent, zero-mean ``w_i`` and ``x_i``,
``Var(s) = n Var(w) Var(x)``, so the variance is kept from layer to layer by ``Var(w) = 1/n`` (the lecture's
"Xavier", also called LeCun normal; right for tanh near 0). ReLU zeroes half of its inputs, which halves the
second moment, so He et al. double it: ``Var(w) = 2/n``. Glorot & Bengio's own proposal averages the forward and
backward conditions: ``Var(w) = 2/(n_in + n_out)``; that is what ``torch.nn.init.xavier_normal_`` draws.

=========== ======================== ==============================================================
scheme      variance                 PyTorch
=========== ======================== ==============================================================
"gaussian"  ``std**2`` (fixed)        ``nn.init.normal_(w, 0, std)``
"xavier"    ``1 / fan_in``           ``nn.init.kaiming_normal_(w, nonlinearity="linear")``
"glorot"    ``2 / (fan_in + fan_out)`` ``nn.init.xavier_normal_(w)``
"he"        ``2 / fan``               ``nn.init.kaiming_normal_(w, mode=mode)`` (fan = fan_in by default)
=========== ======================== ==============================================================

Weights use PyTorch's layout ``(out_features, in_features[, kH, kW])``: ``fan_in = shape[1] * kH * kW`` and
``fan_out = shape[0] * kH * kW``, as ``torch.nn.init._calculate_fan_in_and_fan_out``. A matrix stored the other
way round, (in, out), gets the two fans swapped. ``fan_in_and_fan_out`` and ``init_std`` are plain arithmetic,
shared as they are by :mod:`helpers.torch_impl.init`.

References: LeCun et al. (1998), "Efficient backprop"; Glorot & Bengio (2010), "Understanding the difficulty of
training deep feedforward neural networks"; He et al. (2015), "Delving deep into rectifiers".
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..core._validation import check_init_args

__all__ = ["INIT_SCHEMES", "fan_in_and_fan_out", "init_std", "init_weight"]

INIT_SCHEMES = ("gaussian", "xavier", "glorot", "he")


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape (out, in, *kernel), PyTorch's convention."""
    ok = isinstance(shape, (tuple, list)) and len(shape) >= 2 and all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in shape)
    if not ok:
        raise ValueError("The 'shape' argument of fan_in_and_fan_out must be a tuple of at least two ints >= 1, "
                         f"(out_features, in_features, *kernel). Got {shape!r} instead.")
    receptive = math.prod(int(s) for s in shape[2:])  # 1 for a matrix
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def init_std(shape, *, scheme="he", std=0.01, mode="fan_in") -> float:
    """The standard deviation ``scheme`` gives a weight of ``shape`` (see the table of the module docstring).

    ``std`` is used by ``scheme="gaussian"`` only, ``mode`` ("fan_in" or "fan_out") by ``"he"`` only.
    """
    std = check_init_args(scheme, std, mode, "init_std", INIT_SCHEMES)
    fan_in, fan_out = fan_in_and_fan_out(shape)
    if scheme == "gaussian":
        return std
    if scheme == "xavier":
        return math.sqrt(1.0 / fan_in)
    if scheme == "glorot":
        return math.sqrt(2.0 / (fan_in + fan_out))
    return math.sqrt(2.0 / (fan_in if mode == "fan_in" else fan_out))


def init_weight(shape, *, scheme="he", std=0.01, mode="fan_in", rng):
    """A float64 weight of ``shape`` drawn from N(0, init_std(shape, ...)^2) with the generator ``rng``."""
    sigma = init_std(shape, scheme=scheme, std=std, mode=mode)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("The 'rng' argument of init_weight must be a np.random.Generator (no hidden randomness). "
                        f"Got {rng!r} instead.")
    return rng.normal(0.0, sigma, size=tuple(shape))
