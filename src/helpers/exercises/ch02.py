"""Checkers for chapter 2 (Machine learning basics)."""

from __future__ import annotations

import math

import numpy as np

from ._report import call, report


def check_l1_distance(l1_distance) -> bool:
    """``l1_distance(a, b)`` must return Σ|a - b| over all entries of two equally shaped images."""
    rng = np.random.default_rng(2)
    cases = [(rng.integers(0, 256, (4, 4)), rng.integers(0, 256, (4, 4))), (rng.random((3, 5, 2)), rng.random((3, 5, 2)))]
    for a, b in cases:
        ok, got = call(l1_distance, a.copy(), b.copy(), name="L1 distance")
        if not ok:
            return False
        want = np.abs(a.astype(np.float64) - b.astype(np.float64)).sum()
        if not np.isclose(float(got), want):
            hint = " Did the uint8/int subtraction wrap around? Convert to float first." if a.dtype.kind in "iu" else ""
            return report(False, "L1 distance", f"expected {want:.4f}, got {float(got):.4f}.{hint}")
    return report(True, "L1 distance")


def check_split_sizes(n_train: int, n_val: int, n_test: int, *, n: int = 1797, fractions=(0.8, 0.1, 0.1)) -> bool:
    """Split sizes that add up to ``n`` and are each within one sample of the requested fractions."""
    sizes = (n_train, n_val, n_test)
    if sum(sizes) != n:
        return report(False, "split sizes", f"the three sizes add up to {sum(sizes)}, not {n}: no sample may be lost.")
    far = [f"{s} vs {f * n:.1f}" for s, f in zip(sizes, fractions) if abs(s - f * n) > 1]
    return report(not far, "split sizes", f"too far from the fractions: {', '.join(far)}.")


def check_normal_equations(fit) -> bool:
    """``fit(X, y)`` must return θ minimising ||Xθ - y||² (X already holds the column of ones)."""
    rng = np.random.default_rng(3)
    x = np.concatenate([np.ones((30, 1)), rng.standard_normal((30, 3))], axis=1)
    y = rng.standard_normal(30)
    ok, got = call(fit, x, y, name="normal equations")
    if not ok:
        return False
    want = np.linalg.lstsq(x, y, rcond=None)[0]
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    if got.shape != want.shape:
        return report(False, "normal equations", f"expected θ of shape {want.shape}, got {got.shape}.")
    return report(np.allclose(got, want, atol=1e-8), "normal equations",
                  f"expected {np.round(want, 4).tolist()}, got {np.round(got, 4).tolist()}; solve XᵀX θ = Xᵀy.")


def check_bce_gradient(grad) -> bool:
    """``grad(x, w, b, y)`` must return (dw, db) of the mean BCE of σ(x·w + b) with labels y."""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((12, 3)), rng.standard_normal(3), 0.3
    y = rng.integers(0, 2, 12).astype(np.float64)
    ok, got = call(grad, x, w, b, y, name="BCE gradient")
    if not ok:
        return False
    residual = 0.5 * (1 + np.tanh(0.5 * (x @ w + b))) - y  # σ(s) - y
    want_w, want_b = x.T @ residual / len(y), residual.mean()
    try:
        dw, db = np.asarray(got[0], dtype=np.float64), float(got[1])
    except (TypeError, IndexError, ValueError):
        return report(False, "BCE gradient", "return a pair (dw, db).")
    if np.allclose(dw, -want_w) and math.isclose(db, -want_b):
        return report(False, "BCE gradient", "the sign is flipped: that is the gradient of the log-likelihood, "
                      "which we maximise; the loss is its negative.")
    ok = dw.shape == want_w.shape and np.allclose(dw, want_w) and math.isclose(db, want_b, abs_tol=1e-10)
    return report(ok, "BCE gradient", "expected dw = Xᵀ(σ(s) - y)/N and db = mean(σ(s) - y).")


def check_kl_normal(kl) -> bool:
    """``kl(mu_p, sigma_p, mu_q, sigma_q)`` must return D_KL(N(mu_p, sigma_p²) || N(mu_q, sigma_q²))."""
    params = [(0.0, 1.0, 0.0, 1.0), (0.5, 1.0, -1.0, 2.0), (1.0, 0.3, 0.0, 1.0)]
    for mp, sp, mq, sq in params:
        ok, got = call(kl, mp, sp, mq, sq, name="KL of two Gaussians")
        if not ok:
            return False
        x = np.linspace(-40, 40, 400_001)  # reference: a fine Riemann sum, independent of the closed form
        lp = -0.5 * math.log(2 * math.pi) - math.log(sp) - 0.5 * ((x - mp) / sp) ** 2
        lq = -0.5 * math.log(2 * math.pi) - math.log(sq) - 0.5 * ((x - mq) / sq) ** 2
        want = float((np.exp(lp) * (lp - lq)).sum() * (x[1] - x[0]))
        if not math.isclose(float(got), want, abs_tol=1e-6):
            swapped = float(kl(mq, sq, mp, sp))
            hint = " You computed D(q||p): the expectation is over p." if math.isclose(swapped, want, abs_tol=1e-6) else ""
            return report(False, "KL of two Gaussians", f"for {(mp, sp, mq, sq)} expected {want:.6f}, got {float(got):.6f}.{hint}")
    return report(True, "KL of two Gaussians")


def check_laplace_scale(b, *, sigma: float = 2.0) -> bool:
    """The scale b of Laplace(0, b) closest to N(0, sigma²) in the forward KL sense."""
    want = sigma * math.sqrt(2 / math.pi)
    if math.isclose(float(b), 0.86 * sigma, rel_tol=1e-2) or math.isclose(float(b), 0.86, rel_tol=1e-2):
        return report(False, "Laplace scale", "0.86 is the lecture notes' slip; set dD/db = 0 again.")
    return report(math.isclose(float(b), want, rel_tol=1e-3), "Laplace scale",
                  f"expected about {want:.4f} for σ = {sigma}; set the derivative of D(p||q) with respect to b to 0.")
