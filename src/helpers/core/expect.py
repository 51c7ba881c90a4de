"""Assertions for notebook cells whose numbers depend on the machine's float kernels.

A trained loss, an accuracy, an iterative solver's step count or a sampled value changes in its last
digits from one CPU (or GPU, or BLAS build) to the next, and training amplifies that into visibly
different numbers. Such a number must not be a string that nbval compares; it must be a claim that
can fail. These helpers turn it into one:

* :func:`expect` checks a measured number against the range the prose claims and prints it as
  ``label ≈ 0.293 (expected 0.25 to 0.35)``. The ``≈`` marks it as *measured*: nbval's sanitiser
  (``tests/nbval_sanitize.cfg``) masks the number after ``≈``, so the rest of the line, the claim
  included, is still compared exactly, and the assertion fails the cell when the claim is false.
* :func:`expect_below` checks rounding noise against a bound and prints only the bound
  (``max |difference| < 1e-08``), never the noise itself.
* :func:`expect_true` checks a yes/no fact (``momentum needs fewer steps than GD``) and prints it.

Each raises :class:`ExpectationError` (an ``AssertionError``) that says what was measured and what
was expected, so a reader who changes a cell sees at once which claim no longer holds.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["expect", "expect_below", "expect_true", "ExpectationError", "MEASURED_MARK"]

#: printed before a machine-dependent number; nbval masks the number that follows it
MEASURED_MARK = "≈"


class Measured(float):
    """The float that :func:`expect` returns: a plain float whose repr carries the measured mark.

    So a cell that ends with ``expect(...)`` shows ``≈ 0.2931``, which nbval masks like the printed line,
    instead of a bare machine-dependent number.
    """

    def __repr__(self) -> str:
        return f"{MEASURED_MARK} {float(self)!r}"


class ExpectationError(AssertionError):
    """A measured result is outside the range the chapter claims for it."""


def _as_float(value, name: str) -> float:
    if hasattr(value, "item"):  # NumPy scalar, 0-d array or 1-element tensor (any device)
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"The '{name}' argument of expect must be a real number. Got {type(value).__name__} instead.")
    return float(value)


def _range(near, tol, lo, hi) -> tuple[float, float]:
    if near is not None:
        if lo is not None or hi is not None:
            raise ValueError("expect takes either near= with tol=, or lo= and/or hi=, not both.")
        if tol is None or not tol > 0:
            raise ValueError(f"expect(near=...) needs tol= > 0. Got tol={tol!r} instead.")
        return near - tol, near + tol
    if tol is not None:
        raise ValueError("expect(tol=...) needs near= as well.")
    if lo is None and hi is None:
        raise ValueError("expect needs a claim: near= with tol=, or lo= and/or hi=.")
    lo = -math.inf if lo is None else float(lo)
    hi = math.inf if hi is None else float(hi)
    if lo > hi:
        raise ValueError(f"expect needs lo <= hi. Got lo={lo!r}, hi={hi!r} instead.")
    return lo, hi


def _describe(near, tol, lo, hi) -> str:
    if near is not None:
        return f"{near:g} ± {tol:g}"
    if lo == -math.inf:
        return f"≤ {hi:g}"
    if hi == math.inf:
        return f"≥ {lo:g}"
    return f"{lo:g} to {hi:g}"


def expect(value, *, near=None, tol=None, lo=None, hi=None, label: str = "value", fmt: str = ".3f",
           show: bool = True) -> Measured:
    """Check that a machine-dependent number lies in the claimed range, print it, return it.

    Give the claim as ``near=`` with ``tol=`` (the interval ``near ± tol``) or as ``lo=``/``hi=``
    (either may be omitted). Prints ``label ≈ value (expected ...)`` unless ``show=False``; raises
    :class:`ExpectationError` when the value is outside the range or not finite.

    >>> expect(0.2931, near=0.3, tol=0.05, label="train loss")
    train loss ≈ 0.293 (expected 0.3 ± 0.05)
    ≈ 0.2931
    """
    x = _as_float(value, "value")
    low, high = _range(near, tol, lo, hi)
    claim = _describe(near, tol, low, high)
    if not (math.isfinite(x) and low <= x <= high):
        raise ExpectationError(f"{label} = {x:{fmt}} is outside the expected range ({claim}).")
    if show:
        print(f"{label} {MEASURED_MARK} {x:{fmt}} (expected {claim})")
    return Measured(x)


def expect_below(value, bound: float, *, label: str = "value", show: bool = True) -> None:
    """Check rounding noise against a bound and print only the bound: ``label < 1e-08``.

    Use it for differences that are zero in exact arithmetic (a twin against the reference, a
    gradient check): their digits are the machine's, the bound is the mathematics'.
    """
    x = _as_float(value, "value")
    if not bound > 0:
        raise ValueError(f"The 'bound' argument of expect_below must be > 0. Got {bound!r} instead.")
    if not (math.isfinite(x) and abs(x) < bound):
        raise ExpectationError(f"{label} = {x:.3g} is not below {bound:g}.")
    if show:
        print(f"{label} < {bound:g}")


def expect_true(condition, claim: str, *, show: bool = True) -> None:
    """Check a yes/no claim about measured results and print it (``✓ claim``)."""
    if hasattr(condition, "item"):
        condition = condition.item()
    if not isinstance(condition, bool):
        raise TypeError(f"The 'condition' argument of expect_true must be a bool. Got {type(condition).__name__}.")
    if not condition:
        raise ExpectationError(f"Expected: {claim}. It does not hold here.")
    if show:
        print(f"✓ {claim}")
