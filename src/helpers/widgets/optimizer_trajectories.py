"""The optimizer-trajectory widget, layer 1: pure computation and the theory on quadratics.

Several optimizers run side by side on a 2-D surface (:mod:`helpers.widgets.surfaces`). Each update is the
package's own NumPy step function (``hn.sgd_step``, ``hn.momentum_velocity_step``, ``hn.adam_step`` ...), applied
to arrays of shape (R, 2): R independent runs at once, one per learning rate, which is how the static HTML
variant precomputes a whole slider in one pass. All optimizers share one vectorised gradient call per step.
A run that leaves the finite numbers (or flies 10⁶ plot-widths away) is cut at its last finite point and
reported as ``diverged_at``: failures are data, never NaN plots. A run that comes to rest at a critical point
that is not a minimum (Newton's step heads for the nearest critical point of its quadratic model, whatever its
kind) says so: ``critical`` is "maximum" or "saddle" there.
``tuned_learning_rates`` gives each first-order method its own best learning rate from a log grid (one shared α
is unfair: Adam's step is ≈ α whatever the gradient's scale, GD's is α·|∇f|).
Plotting, the ipywidgets explorer and the static variant live in :mod:`helpers.widgets.optimizer_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.numpy_impl import optim as _o

from .surfaces import Surface

__all__ = ["OPTIMIZERS", "FIRST_ORDER", "Trajectory", "compute_trajectories", "compute_trajectory_grid",
           "quadratic_theory", "tuned_learning_rates", "critical_point_kind", "TUNING_GRID"]

OPTIMIZERS = ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "Newton", "BFGS")
SECOND_ORDER = ("Newton", "BFGS")  # natural step length 1: they ignore the learning-rate slider
FIRST_ORDER = tuple(n for n in OPTIMIZERS if n not in SECOND_ORDER)
#: the learning rates tried by :func:`tuned_learning_rates`: 10⁻⁴ … 10, five per decade
TUNING_GRID = tuple(float(f"{v:.3g}") for v in np.logspace(-4, 1, 26))


@dataclass
class Trajectory:
    """One optimizer's run: ``path`` (k+1, 2) and ``losses`` (k+1,) up to the last finite point."""

    name: str
    lr: float
    path: np.ndarray
    losses: np.ndarray
    diverged_at: int | None  # first step whose iterate is not finite (or absurdly far away)
    steps_to_tol: int | None  # first step with f − f* < tol (or ‖∇f‖ < tol when f* is unknown)
    critical: str | None = None  # "maximum" or "saddle": the run came to rest at a critical point that is no minimum

    @property
    def final_loss(self) -> float:
        """The last finite loss (NaN only when f is undefined at the start point)."""
        return float(self.losses[-1]) if len(self.losses) else float("nan")

    def status(self) -> str:
        if self.diverged_at == 0:
            return "f is not finite at the start point"
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at}"
        if self.steps_to_tol is not None:
            return f"reached tol in {self.steps_to_tol} step{'' if self.steps_to_tol == 1 else 's'}"
        if self.critical == "maximum":
            return f"stuck at a local maximum, f = {self.final_loss:.4g}"
        if self.critical == "saddle":
            return f"stuck at a saddle point, f = {self.final_loss:.4g}"
        return "not converged"


def _solve2(hxx, hxy, hyy, gx, gy):
    """(H)⁻¹g for a batch of symmetric 2×2 matrices, in closed form (no LAPACK call per run)."""
    det = hxx * hyy - hxy * hxy
    return (hyy * gx - hxy * gy) / det, (hxx * gy - hxy * gx) / det


def _run(surface: Surface, names, lr_of, *, momentum, beta1, beta2, start, steps, noise, damping, seed):
    """All optimizers for R learning rates each (``lr_of[name]``: R rates): returns {name: (R, steps+1, 2) array}."""
    R = len(next(iter(lr_of.values())))
    lr_col = {n: np.asarray(lr_of[n], dtype=np.float64)[:, None] for n in names}  # (R, 1): broadcasts over x, y
    rng = np.random.default_rng(seed)
    p = {n: np.tile(np.asarray(start, dtype=np.float64), (R, 1)) for n in names}  # each (R, 2)
    st = {n: {} for n in names}
    for n in names:
        zeros = np.zeros((R, 2))
        st[n] = {"v": zeros, "s": zeros, "m": zeros, "h": (np.ones(R), np.zeros(R), np.ones(R))}
    paths = {n: np.empty((R, steps + 1, 2)) for n in names}
    for n in names:
        paths[n][:, 0] = p[n]
    betas = (momentum if beta1 is None else beta1, beta2)
    for t in range(1, steps + 1):
        # where each optimizer needs its gradient (Nesterov: at the look-ahead point θ + βv)
        at = [p[n] + momentum * st[n]["v"] if n == "Nesterov" else p[n] for n in names]
        pts = np.concatenate(at)  # (K·R, 2)
        g_all = _pair(*surface.grad(pts[:, 0], pts[:, 1]))
        if noise > 0:  # the minibatch effect: an unbiased but noisy gradient
            g_all = g_all + noise * rng.standard_normal(g_all.shape)
        for k, n in enumerate(names):
            g, s, lr = g_all[k * R:(k + 1) * R], st[n], lr_col[n]
            if n == "GD":
                p[n] = _o.sgd_step(p[n], g, lr=lr)[0]
            elif n in ("Momentum", "Nesterov"):
                p[n], s["v"] = _o.momentum_velocity_step(p[n], g, s["v"], lr=lr, momentum=momentum)
            elif n == "AdaGrad":
                p[n], s["s"] = _o.adagrad_step(p[n], g, s["s"], step=t, lr=lr)
            elif n == "RMSProp":
                p[n], s["s"] = _o.rmsprop_step(p[n], g, s["s"], lr=lr, alpha=beta2)[:2]
            elif n == "Adam":
                p[n], s["m"], s["s"] = _o.adam_step(p[n], g, s["m"], s["s"], step=t, lr=lr, betas=betas)
            elif n == "Newton":
                hxx, hxy, hyy = surface.hessian(p[n][:, 0], p[n][:, 1])
                dx, dy = _solve2(hxx + damping, hxy + 0 * hxx, hyy + damping, g[:, 0], g[:, 1])
                p[n] = p[n] - _pair(dx, dy)
            elif n == "BFGS":
                p[n], s["h"] = _bfgs_step(surface, p[n], g, s["h"])
            paths[n][:, t] = p[n]
    return paths


def _bfgs_step(surface, x, g, h):
    """BFGS on (R, 2) iterates with a vectorised backtracking line search (halve t until Armijo holds).

    ``h`` = (h_xx, h_xy, h_yy), the symmetric inverse-Hessian estimates; the update
    H⁺ = H − ρ(s·(Hy)ᵀ + (Hy)·sᵀ) + (ρ²·yᵀHy + ρ)·s·sᵀ is the usual one, multiplied out for 2×2.
    """
    hxx, hxy, hyy = h
    gx, gy = g[:, 0], g[:, 1]
    dx, dy = -(hxx * gx + hxy * gy), -(hxy * gx + hyy * gy)
    f0 = surface.f(x[:, 0], x[:, 1])
    slack = 1e-12 * np.abs(f0)  # rounding near a minimum must not stall the search
    gd = gx * dx + gy * dy
    t = np.ones(len(x))
    for _ in range(25):
        nx, ny = x[:, 0] + t * dx, x[:, 1] + t * dy
        ok = ~(surface.f(nx, ny) > f0 + 1e-4 * t * gd + slack)  # NaN counts as ok: reported later
        ok |= t * (np.abs(dx) + np.abs(dy)) < 1e-13  # a negligible step: converged, stop halving
        if ok.all():
            break
        t = np.where(ok, t, 0.5 * t)
    sx, sy = t * dx, t * dy
    ngx, ngy = surface.grad(nx, ny)
    yx, yy = ngx - gx, ngy - gy
    ys = yx * sx + yy * sy
    keep = ys > 1e-10  # skip updates without positive curvature: H stays positive definite
    rho = np.where(keep, 1.0 / np.where(keep, ys, 1.0), 0.0)
    hy_x, hy_y = hxx * yx + hxy * yy, hxy * yx + hyy * yy
    c = rho * rho * (yx * hy_x + yy * hy_y) + rho
    new_h = (hxx - 2 * rho * sx * hy_x + c * sx * sx, hxy - rho * (sx * hy_y + hy_x * sy) + c * sx * sy,
             hyy - 2 * rho * sy * hy_y + c * sy * sy)
    return _pair(nx, ny), new_h


def _pair(a, b):
    """Two (R,) arrays (or scalars) as one (R, 2) array, cheaper than np.stack for tiny arrays."""
    out = np.empty((np.size(a) if np.ndim(a) else np.size(b), 2))
    out[:, 0] = a
    out[:, 1] = b
    return out


def _cut(surface, name, lr, path, tol, f_star):
    """Turn a raw (steps+1, 2) path into a Trajectory: cut at divergence, find the step that reaches ``tol``."""
    with np.errstate(all="ignore"):
        losses = surface.f(path[:, 0], path[:, 1]) + 0 * path[:, 0]
        width = max(np.ptp(surface.x_range), np.ptp(surface.y_range))
        bad = ~np.isfinite(path).all(axis=1) | (np.abs(path).max(axis=1) > 1e6 * width) | ~np.isfinite(losses)
        if f_star is not None:
            hit = losses - f_star < tol
        else:
            gx, gy = surface.grad(path[:, 0], path[:, 1])
            hit = np.hypot(gx, gy) < tol
    diverged_at = int(np.argmax(bad)) if bad.any() else None
    end = len(path) if diverged_at is None else diverged_at
    hit = hit[:end]
    steps_to_tol = int(np.argmax(hit)) if hit.any() else None
    critical = None
    if steps_to_tol is None and diverged_at is None and len(path) > 1:
        kind = critical_point_kind(surface, path[-1])
        critical = kind if kind in ("maximum", "saddle") else None
    # keep the start point even when f is undefined there (diverged_at == 0): it is finite, the loss is not drawn
    return Trajectory(name, float(lr), path[:max(end, 1)].copy(), losses[:end].copy(), diverged_at, steps_to_tol,
                      critical)


def critical_point_kind(surface: Surface, point, *, grad_tol: float = 1e-6) -> str | None:
    """"minimum", "maximum" or "saddle" when ``point`` is a critical point, else None.

    A critical point: ‖∇f‖ < ``grad_tol`` *and* the Newton step ‖H⁻¹∇f‖ is negligible (10⁻⁶ of the plot's
    width), so a flat plateau far from any critical point does not count. The kind is read from the signs of the
    Hessian's eigenvalues (both > 0, both < 0, or of opposite sign).
    """
    x, y = float(point[0]), float(point[1])
    with np.errstate(all="ignore"):
        gx, gy = (float(np.ravel(v)[0]) for v in surface.grad(np.array([x]), np.array([y])))
        hxx, hxy, hyy = (float(np.ravel(v)[0]) for v in surface.hessian(np.array([x]), np.array([y])))
        det, trace = hxx * hyy - hxy * hxy, hxx + hyy
        if not all(np.isfinite(v) for v in (gx, gy, det, trace)) or np.hypot(gx, gy) >= grad_tol or det == 0:
            return None
        dx, dy = _solve2(hxx, hxy, hyy, gx, gy)
    if not np.hypot(dx, dy) < 1e-6 * max(np.ptp(surface.x_range), np.ptp(surface.y_range)):
        return None
    if det < 0:
        return "saddle"
    if det > 0:
        return "minimum" if trace > 0 else "maximum"
    return None  # a degenerate Hessian: the second-order test says nothing


def _check(names, steps, start):
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"The 'optimizers' argument must name some of {OPTIMIZERS}. Got {unknown} instead.")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 20_000:
        raise ValueError(f"The 'steps' argument must be an int in [1, 20000]. Got {steps!r} instead.")
    if len(start) != 2 or not np.all(np.isfinite(start)):
        raise ValueError(f"The 'start' argument must be two finite numbers (x0, y0). Got {start!r} instead.")


def compute_trajectory_grid(surface: Surface, lrs, optimizers=OPTIMIZERS, *, momentum=0.9, beta2=0.999,
                            beta1=None, start=None, steps=200, noise=0.0, damping=0.0, tol=1e-6, seed=0):
    """Run every optimizer for every learning rate in ``lrs``; returns one ``{name: Trajectory}`` dict per lr.

    ``lrs`` is a list of rates shared by all optimizers, or a dict ``{name: list of rates}`` (the same length for
    every name) that gives each optimizer its own. ``beta1`` is Adam's β₁ (default: ``momentum``, as in the
    explorer's "β / β₁" slider). Newton and BFGS take their natural step whatever the rate.
    """
    names = tuple(optimizers)
    start = surface.start if start is None else tuple(float(v) for v in start)
    _check(names, steps, start)
    if isinstance(lrs, dict):
        missing = [n for n in names if n not in lrs and n not in SECOND_ORDER]
        if missing:
            raise ValueError(f"The 'lrs' dict must give rates for {missing}. Got keys {sorted(lrs)} instead.")
        lr_of = {n: [float(v) for v in np.atleast_1d(lrs.get(n, 1.0))] for n in names}
    else:
        shared = [float(v) for v in np.atleast_1d(lrs)]
        lr_of = {n: shared for n in names}
    lengths = {len(v) for v in lr_of.values()}
    flat = [v for rates in lr_of.values() for v in rates]
    if len(lengths) != 1 or not all(v > 0 and math.isfinite(v) for v in flat):
        raise ValueError(f"Invalid learning rate: every entry of 'lrs' must be > 0 (the same number per optimizer). "
                         f"Got {lrs!r} instead.")
    b1 = momentum if beta1 is None else beta1
    if not 0 <= momentum < 1 or not 0 < beta2 < 1 or not 0 <= b1 < 1:
        raise ValueError(f"'momentum' and 'beta1' must be in [0, 1) and 'beta2' in (0, 1). Got {momentum!r}, "
                         f"{beta1!r} and {beta2!r}.")
    with np.errstate(all="ignore"):
        paths = _run(surface, names, lr_of, momentum=momentum, beta1=beta1, beta2=beta2, start=start, steps=steps,
                     noise=float(noise), damping=float(damping), seed=seed)
    return [{n: _cut(surface, n, 1.0 if n in SECOND_ORDER else lr_of[n][r], paths[n][r], tol, surface.f_star)
             for n in names} for r in range(lengths.pop())]


def compute_trajectories(surface: Surface, optimizers=OPTIMIZERS, *, lr=None, **options) -> dict[str, Trajectory]:
    """Run the ``optimizers`` on ``surface`` with one learning rate (default: the surface's own); see the grid.

    ``lr`` may also be a dict ``{name: rate}`` or ``"tuned"`` (each first-order method at the rate that
    :func:`tuned_learning_rates` picks for these settings); every Trajectory's ``lr`` says the rate it used.
    """
    names = tuple(optimizers)
    if isinstance(lr, str):
        if lr != "tuned":
            raise ValueError(f"The 'lr' argument of compute_trajectories must be a number, a dict or 'tuned'. "
                             f"Got {lr!r} instead.")
        keys = ("momentum", "beta1", "beta2", "start", "steps", "noise", "tol", "seed")
        lr = tuned_learning_rates(surface, names, **{k: v for k, v in options.items() if k in keys})
    if isinstance(lr, dict):
        return compute_trajectory_grid(surface, {n: [v] for n, v in lr.items()}, names, **options)[0]
    return compute_trajectory_grid(surface, [surface.lr if lr is None else lr], names, **options)[0]


def _score(t: Trajectory, tail: int) -> tuple:
    """Sort key of a tuning run: reached the tolerance (fewest steps), else the lowest loss over the last steps."""
    if t.diverged_at is not None or not len(t.losses):
        return (2, math.inf)
    if t.steps_to_tol is not None:
        return (0, t.steps_to_tol)
    return (1, float(np.mean(t.losses[-tail:])))


def tuned_learning_rates(surface: Surface, optimizers=FIRST_ORDER, *, grid=TUNING_GRID, momentum=0.9, beta1=None,
                         beta2=0.999, start=None, steps=150, noise=0.0, tol=1e-6, seed=0) -> dict[str, float]:
    """Each first-order optimizer's best learning rate from ``grid`` for these settings: ``{name: lr}``.

    Best means: reaches ``tol`` in the fewest steps; if no rate does, the lowest mean loss over the last 10 % of
    the steps; diverging rates never win (if all diverge, the smallest rate). All rates run at once (one
    vectorised grid). Newton and BFGS are not tuned: they get 1.0, their natural step.
    """
    names = tuple(n for n in optimizers if n in FIRST_ORDER)
    out = {n: 1.0 for n in optimizers if n in SECOND_ORDER}
    if not names:
        return out
    runs = compute_trajectory_grid(surface, list(grid), names, momentum=momentum, beta1=beta1, beta2=beta2,
                                   start=start, steps=steps, noise=noise, tol=tol, seed=seed)
    tail = max(1, steps // 10)
    for n in names:
        scores = [_score(run[n], tail) for run in runs]
        out[n] = float(grid[min(range(len(grid)), key=lambda i: (scores[i], i))])
    return {n: out[n] for n in optimizers}


def quadratic_theory(eigenvalues, *, tol=1e-6, f0=None) -> dict[str, float]:
    """What theory predicts for GD and heavy-ball momentum on f = ½ zᵀAz with A's extreme eigenvalues.

    GD is stable iff 0 < α·λ_max < 2; α* = 2/(λ₁+λₙ) gives the rate (κ−1)/(κ+1) per step. Heavy ball with
    α* = 4/(√λ₁+√λₙ)² and β* = ((√κ−1)/(√κ+1))² has rate √β* = (√κ−1)/(√κ+1). The loss contracts by rate²
    per step, so reaching f < tol from f0 takes ⌈log(tol/f0) / (2 log rate)⌉ steps.
    """
    lam_min, lam_max = float(min(eigenvalues)), float(max(eigenvalues))
    if lam_min <= 0:
        raise ValueError(f"The 'eigenvalues' argument of quadratic_theory must be > 0. Got {eigenvalues!r}.")
    kappa = lam_max / lam_min
    gd_rate = (kappa - 1) / (kappa + 1)
    hb_rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    out = dict(lambda_min=lam_min, lambda_max=lam_max, kappa=kappa, gd_lr_max=2 / lam_max,
               gd_lr_opt=2 / (lam_min + lam_max), gd_rate=gd_rate,
               hb_lr_opt=4 / (math.sqrt(lam_min) + math.sqrt(lam_max)) ** 2, hb_momentum_opt=hb_rate**2,
               hb_rate=hb_rate)
    if f0 is not None:
        for key, rate in (("gd", gd_rate), ("hb", hb_rate)):
            out[f"{key}_steps"] = 0 if f0 < tol else (
                1 if rate == 0 else math.ceil(math.log(tol / f0) / (2 * math.log(rate))))
    return out
