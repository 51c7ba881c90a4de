"""Two-dimensional test functions for the optimizer widget, with exact gradients and Hessians.

Every surface evaluates vectorised over NumPy arrays: ``f(x, y)``, ``grad(x, y) -> (f_x, f_y)`` and
``hessian(x, y) -> (f_xx, f_xy, f_yy)``. The closed forms are checked against torch autograd in
``tests/test_widgets_optimizer.py``. The reader's own formula goes through :mod:`helpers.core.expr`
(a safe grammar with symbolic derivatives).
References: Rosenbrock (1960); Beale (1958); Himmelblau (1972); Rastrigin (1974).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Surface", "SURFACE_NAMES", "make_surface", "quadratic_surface"]


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface: value, gradient and Hessian, the plotting window, a start point and the known minimum."""

    name: str
    formula: str
    f: Callable
    grad: Callable
    hessian: Callable
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    f_star: float | None = None  # the global minimum value, when known
    lr: float = 0.01  # a learning rate that works for plain gradient descent
    eigenvalues: tuple[float, float] | None = None  # only for quadratics


def quadratic_surface(kappa: float = 10.0, angle: float = 30.0) -> Surface:
    """f = ½ zᵀAz with A = R(angle)·diag(1, κ)·R(angle)ᵀ: eigenvalues 1 and κ, axes rotated by ``angle`` degrees."""
    if not (isinstance(kappa, (int, float)) and 1 <= kappa <= 1e6):
        raise ValueError(f"The 'kappa' argument of quadratic_surface must be a number in [1, 1e6]. Got {kappa!r}.")
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # A = R diag(1, κ) Rᵀ written out entry by entry
    a, b, d = c * c + kappa * s * s, (1 - kappa) * c * s, s * s + kappa * c * c

    def f(x, y):
        return 0.5 * (a * x * x + 2 * b * x * y + d * y * y)

    def grad(x, y):
        return a * x + b * y, b * x + d * y

    def hessian(x, y):
        shape = np.broadcast(np.asarray(x), np.asarray(y)).shape
        return np.full(shape, a), np.full(shape, b), np.full(shape, d)

    return Surface("quadratic", f"½ zᵀAz, eigenvalues 1 and {kappa:g}, rotated {angle:g}°", f, grad, hessian,
                   (-3.0, 3.0), (-3.0, 3.0), (-2.5, 2.0), 0.0, 1.0 / kappa, (1.0, float(kappa)))


def _rosenbrock() -> Surface:
    def f(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def grad(x, y):
        return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)

    def hessian(x, y):
        return 2 - 400 * y + 1200 * x * x, -400 * x, np.full(np.broadcast(x, y).shape, 200.0)

    return Surface("rosenbrock", "(1 − x)² + 100(y − x²)²", f, grad, hessian, (-2.0, 2.0), (-1.0, 3.0),
                   (-1.5, 2.0), 0.0, 1e-3)


def _beale() -> Surface:
    def f(x, y):
        y2 = y * y
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y2) ** 2 + (2.625 - x + x * y2 * y) ** 2

    def grad(x, y):
        y2 = y * y
        r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y2 * y  # residuals r_i
        gx = 2 * (r1 * (y - 1) + r2 * (y2 - 1) + r3 * (y2 * y - 1))
        gy = 2 * x * (r1 + 2 * r2 * y + 3 * r3 * y2)
        return gx, gy

    def hessian(x, y):
        y2 = y * y
        r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y2 * y
        a1, a2, a3 = y - 1, y2 - 1, y2 * y - 1  # ∂r_i/∂x
        b1, b2, b3 = x, 2 * x * y, 3 * x * y2  # ∂r_i/∂y
        hxx = 2 * (a1 * a1 + a2 * a2 + a3 * a3)
        hxy = 2 * (a1 * b1 + a2 * b2 + a3 * b3 + r1 + 2 * r2 * y + 3 * r3 * y2)
        hyy = 2 * (b1 * b1 + b2 * b2 + b3 * b3 + 2 * r2 * x + 6 * r3 * x * y)
        return hxx, hxy, hyy

    return Surface("beale", "Σᵢ (cᵢ − x + x·yⁱ)², c = (1.5, 2.25, 2.625)", f, grad, hessian, (-4.5, 4.5),
                   (-4.5, 4.5), (1.0, 1.6), 0.0, 1e-3)


def _himmelblau() -> Surface:
    def f(x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad(x, y):
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    def hessian(x, y):
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * a + 8 * x * x + 2, 4 * x + 4 * y, 2 + 4 * b + 8 * y * y

    return Surface("himmelblau", "(x² + y − 11)² + (x + y² − 7)²", f, grad, hessian, (-5.0, 5.0), (-5.0, 5.0),
                   (-0.5, -0.5), 0.0, 0.01)


def _saddle() -> Surface:
    def f(x, y):
        return x * x + 0.25 * y**4 - 0.5 * y * y

    def grad(x, y):
        return 2 * x, y**3 - y

    def hessian(x, y):
        return np.full(np.broadcast(x, y).shape, 2.0), 0 * x * y, 3 * y * y - 1

    return Surface("saddle", "x² + y⁴/4 − y²/2 (saddle at 0, minima at y = ±1)", f, grad, hessian, (-2.0, 2.0),
                   (-2.0, 2.0), (1.8, 1e-3), -0.25, 0.1)


def _plateau() -> Surface:
    def f(x, y):  # -expm1(-q) = 1 - exp(-q) without cancellation: f − f* stays accurate near the minimum
        return -np.expm1(-(x * x + 2 * y * y) / 2)

    def grad(x, y):
        e = np.exp(-(x * x + 2 * y * y) / 2)
        return e * x, 2 * e * y

    def hessian(x, y):
        e = np.exp(-(x * x + 2 * y * y) / 2)
        return e * (1 - x * x), -2 * e * x * y, e * (2 - 4 * y * y)

    return Surface("plateau", "1 − exp(−(x² + 2y²)/2)", f, grad, hessian, (-4.0, 4.0), (-4.0, 4.0), (3.2, 2.4),
                   0.0, 0.5)


def _rastrigin() -> Surface:
    tau = 2 * np.pi

    def f(x, y):
        return 20 + x * x - 10 * np.cos(tau * x) + y * y - 10 * np.cos(tau * y)

    def grad(x, y):
        return 2 * x + 10 * tau * np.sin(tau * x), 2 * y + 10 * tau * np.sin(tau * y)

    def hessian(x, y):
        return 2 + 10 * tau * tau * np.cos(tau * x), 0 * x * y, 2 + 10 * tau * tau * np.cos(tau * y)

    return Surface("rastrigin", "20 + Σ (z² − 10 cos 2πz)", f, grad, hessian, (-5.12, 5.12), (-5.12, 5.12),
                   (3.3, -2.6), 0.0, 1e-3)


def _custom(expression: str) -> Surface:
    from helpers.core.expr import compile_expression

    e = compile_expression(expression)  # raises ExpressionError (a ValueError) with a readable message
    return Surface("custom", expression, e.value, e.grad, e.hessian, (-3.0, 3.0), (-3.0, 3.0), (-2.0, 2.5),
                   None, 0.01)


_BUILDERS = {"rosenbrock": _rosenbrock, "beale": _beale, "himmelblau": _himmelblau, "saddle": _saddle,
             "plateau": _plateau, "rastrigin": _rastrigin}
SURFACE_NAMES = ("quadratic", *_BUILDERS, "custom")


def make_surface(name: str, *, kappa: float = 10.0, angle: float = 30.0, expression: str = "x^2 + 5*y^2") -> Surface:
    """The surface called ``name`` (one of :data:`SURFACE_NAMES`); ``kappa``/``angle`` shape the quadratic,
    ``expression`` the custom one."""
    if name == "quadratic":
        return quadratic_surface(kappa, angle)
    if name == "custom":
        return _custom(expression)
    if name not in _BUILDERS:
        raise ValueError(f"The 'name' argument of make_surface must be one of {SURFACE_NAMES}. Got {name!r}.")
    return _BUILDERS[name]()
