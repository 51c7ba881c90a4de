"""The optimizer-trajectory widget, layer 1: pure computation and the theory on quadratics.

Several optimizers run side by side on a 2-D surface (:mod:`helpers.widgets.surfaces`). Each update is the
package's own NumPy step function (``hn.sgd_step``, ``hn.momentum_velocity_step``, ``hn.adam_step`` ...), applied
to arrays of shape (R, 2): R independent runs at once, one per learning rate, which is how the static HTML
variant precomputes a whole slider in one pass. All optimizers share one vectorised gradient call per step.
A run that leaves the finite numbers (or flies 10⁶ plot-widths away) is cut at its last finite point and
reported as ``diverged_at``: failures are data, never NaN plots.
Plotting, the ipywidgets explorer and the static variant live in :mod:`helpers.widgets.optimizer_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.numpy_impl import optim as _o

from .surfaces import Surface

__all__ = ["OPTIMIZERS", "Trajectory", "compute_trajectories", "compute_trajectory_grid", "quadratic_theory"]

OPTIMIZERS = ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "Newton", "BFGS")
SECOND_ORDER = ("Newton", "BFGS")  # natural step length 1: they ignore the learning-rate slider


@dataclass
class Trajectory:
    """One optimizer's run: ``path`` (k+1, 2) and ``losses`` (k+1,) up to the last finite point."""

    name: str
    lr: float
    path: np.ndarray
    losses: np.ndarray
    diverged_at: int | None  # first step whose iterate is not finite (or absurdly far away)
    steps_to_tol: int | None  # first step with f − f* < tol (or ‖∇f‖ < tol when f* is unknown)

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
            return f"reached tol in {self.steps_to_tol} steps"
        return "not converged"


def _solve2(hxx, hxy, hyy, gx, gy):
    """(H)⁻¹g for a batch of symmetric 2×2 matrices, in closed form (no LAPACK call per run)."""
    det = hxx * hyy - hxy * hxy
    return (hyy * gx - hxy * gy) / det, (hxx * gy - hxy * gx) / det


def _run(surface: Surface, names, lrs, *, momentum, beta2, start, steps, noise, damping, seed):
    """All optimizers for R = len(lrs) learning rates: returns {name: (R, steps+1, 2) array}."""
    R = len(lrs)
    lr = np.asarray(lrs, dtype=np.float64)[:, None]  # (R, 1) broadcasts over the 2 coordinates
    rng = np.random.default_rng(seed)
    p = {n: np.tile(np.asarray(start, dtype=np.float64), (R, 1)) for n in names}  # each (R, 2)
    st = {n: {} for n in names}
    for n in names:
        zeros = np.zeros((R, 2))
        st[n] = {"v": zeros, "s": zeros, "m": zeros, "h": (np.ones(R), np.zeros(R), np.ones(R))}
    paths = {n: np.empty((R, steps + 1, 2)) for n in names}
    for n in names:
        paths[n][:, 0] = p[n]
    betas = (momentum, beta2)
    for t in range(1, steps + 1):
        # where each optimizer needs its gradient (Nesterov: at the look-ahead point θ + βv)
        at = [p[n] + momentum * st[n]["v"] if n == "Nesterov" else p[n] for n in names]
        pts = np.concatenate(at)  # (K·R, 2)
        g_all = _pair(*surface.grad(pts[:, 0], pts[:, 1]))
        if noise > 0:  # the minibatch effect: an unbiased but noisy gradient
            g_all = g_all + noise * rng.standard_normal(g_all.shape)
        for k, n in enumerate(names):
            g, s = g_all[k * R:(k + 1) * R], st[n]
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
    # keep the start point even when f is undefined there (diverged_at == 0): it is finite, the loss is not drawn
    return Trajectory(name, float(lr), path[:max(end, 1)].copy(), losses[:end].copy(), diverged_at, steps_to_tol)


def _check(names, steps, start):
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"The 'optimizers' argument must name some of {OPTIMIZERS}. Got {unknown} instead.")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 20_000:
        raise ValueError(f"The 'steps' argument must be an int in [1, 20000]. Got {steps!r} instead.")
    if len(start) != 2 or not np.all(np.isfinite(start)):
        raise ValueError(f"The 'start' argument must be two finite numbers (x0, y0). Got {start!r} instead.")


def compute_trajectory_grid(surface: Surface, lrs, optimizers=OPTIMIZERS, *, momentum=0.9, beta2=0.999,
                            start=None, steps=200, noise=0.0, damping=0.0, tol=1e-6, seed=0):
    """Run every optimizer for every learning rate in ``lrs``; returns one ``{name: Trajectory}`` dict per lr."""
    names = tuple(optimizers)
    start = surface.start if start is None else tuple(float(v) for v in start)
    _check(names, steps, start)
    lrs = [float(v) for v in np.atleast_1d(lrs)]
    if not all(v > 0 and math.isfinite(v) for v in lrs):
        raise ValueError(f"Invalid learning rate: every entry of 'lrs' must be > 0. Got {lrs!r} instead.")
    if not 0 <= momentum < 1 or not 0 < beta2 < 1:
        raise ValueError(f"'momentum' must be in [0, 1) and 'beta2' in (0, 1). Got {momentum!r} and {beta2!r}.")
    with np.errstate(all="ignore"):
        paths = _run(surface, names, lrs, momentum=momentum, beta2=beta2, start=start, steps=steps,
                     noise=float(noise), damping=float(damping), seed=seed)
    return [{n: _cut(surface, n, 1.0 if n in SECOND_ORDER else lr, paths[n][r], tol, surface.f_star)
             for n in names} for r, lr in enumerate(lrs)]


def compute_trajectories(surface: Surface, optimizers=OPTIMIZERS, *, lr=None, **options) -> dict[str, Trajectory]:
    """Run the ``optimizers`` on ``surface`` with one learning rate (default: the surface's own); see the grid."""
    return compute_trajectory_grid(surface, [surface.lr if lr is None else lr], optimizers, **options)[0]


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
