"""One entry of the parity registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class ParityCase:
    """A NumPy reference, its torch twin and (where one exists) the PyTorch built-in, for one operation.

    ``inputs`` draws ``(arrays, hyperparameters)``: a tuple of float64 NumPy arrays (positional
    arguments) and a dict of keyword-only hyperparameters shared by all three implementations.
    ``numpy_forward(*arrays, **hp) -> (out, cache)`` and ``numpy_backward(dout, cache) -> grads``
    (one gradient per entry of ``grad_args``). ``torch_fn(*tensors, **hp) -> out`` is our twin;
    ``builtin(*tensors, **hp) -> out`` wraps the PyTorch built-in, converting conventions in one
    commented line where the lecture and PyTorch differ. Non-differentiable arguments (labels,
    masks) are listed by index in ``constant_args``.
    """

    numpy_forward: Callable[..., tuple[np.ndarray, Any]]
    numpy_backward: Callable[..., Any]
    torch_fn: Callable[..., Any]
    inputs: st.SearchStrategy
    builtin: Callable[..., Any] | None = None
    constant_args: tuple[int, ...] = ()
    label: str = ""  # distinguishes several cases of one operation (e.g. "stride2")
    rtol: float = 1e-7
    atol: float = 1e-9
    finite_differences: bool = True  # False only for functions with kinks hit with positive probability
    notes: str = field(default="")
    # finite differences are noisier than float64 parity:
    # |numeric - analytic| <= fd_atol + fd_rtol * max|numeric|
    fd_rtol: float = 1e-5
    fd_atol: float = 1e-6

    @property
    def name(self) -> str:
        """The operation's stem: ``relu`` for ``relu_forward``."""
        return self.numpy_forward.__name__.removesuffix("_forward")

    @property
    def id(self) -> str:
        return f"{self.name}-{self.label}" if self.label else self.name


# Strategy helpers. Drawing a seed and filling arrays from it is much faster than drawing every element
# with hypothesis, and stays deterministic under the derandomised `ci` profile.

def generators() -> st.SearchStrategy[np.random.Generator]:
    """A seeded ``np.random.Generator``."""
    return st.integers(0, 2**32 - 1).map(np.random.default_rng)


def away_from(x: np.ndarray, points=(0.0,), margin: float = 1e-3) -> np.ndarray:
    """Push entries lying within ``margin`` of a kink (e.g. ReLU's 0) out to distance ``margin``.

    Finite differences straddling a kink measure an average of the two one-sided slopes; keeping
    inputs ``margin`` >> h away keeps the check exact without losing coverage of either side.
    """
    x = np.array(x, dtype=np.float64)
    for point in points:
        near = np.abs(x - point) < margin
        x[near] = point + np.where(x[near] >= point, margin, -margin)
    return x
