"""Checkers for chapter 2 (Machine learning basics).

Each checker runs the reader's answer on fixed cases, compares it with an independent computation and says what
is wrong and why. An untouched stub (a function whose body is ``...``, an answer still ``None``) gets "not
attempted yet" instead of a verdict.
"""

from __future__ import annotations

import math

import numpy as np

from ._report import attempt, not_attempted, report


def check_l1_distance(l1_distance) -> bool | None:
    """``l1_distance(a, b)`` must return Σ|a - b| over all entries of two equally shaped images."""
    rng = np.random.default_rng(2)
    cases = [(rng.integers(0, 256, (4, 4)).astype(np.uint8), rng.integers(0, 256, (4, 4)).astype(np.uint8)), (rng.random((3, 5, 2)), rng.random((3, 5, 2)))]
    for a, b in cases:
        state, got = attempt(l1_distance, a.copy(), b.copy(), name="L1 distance", convert=float,
                             task="Return the sum of |a - b| over all pixels, computed in floats.")
        if not state:
            return state
        want = np.abs(a.astype(np.float64) - b.astype(np.float64)).sum()
        if not np.isclose(got, want):
            hint = " Did the uint8/int subtraction wrap around? Convert to float first." if a.dtype.kind in "iu" else ""
            if np.isclose(got, np.sqrt(((a.astype(np.float64) - b) ** 2).sum())):
                hint = " That is the L2 (Euclidean) distance; L1 sums absolute differences."
            return report(False, "L1 distance", f"expected {want:.4f}, got {float(got):.4f}.{hint}")
    return report(True, "L1 distance")


def _digit_class_sizes():
    from sklearn.datasets import load_digits

    return np.bincount(load_digits().target)


def _stratified_sizes(class_sizes, fractions):
    """Per class: validation and test rounded half up, training the rest (as ``helpers.data`` splits)."""
    parts = np.zeros(3, dtype=int)
    for n in class_sizes:
        n_test = int(np.floor(fractions[2] * n + 0.5))
        n_val = int(np.floor(fractions[1] * n + 0.5))
        parts += (n - n_val - n_test, n_val, n_test)
    return tuple(int(v) for v in parts)


def check_split_sizes(n_train, n_val, n_test, *, fractions=(0.8, 0.1, 0.1), class_sizes=None) -> bool | None:
    """The sizes of the stratified ``fractions`` split of the digits: each class is split on its own, its
    validation and test parts rounded half up and the rest going to training."""
    name = "split sizes"
    if n_train is None or n_val is None or n_test is None:
        return not_attempted(name, "Split each class on its own (10 % rounded half up to validation and to test, "
                                   "the rest to training), then add up over the classes.")
    class_sizes = _digit_class_sizes() if class_sizes is None else np.asarray(class_sizes)
    n = int(class_sizes.sum())
    want = _stratified_sizes(class_sizes, fractions)
    sizes = (int(n_train), int(n_val), int(n_test))
    if sum(sizes) != n:
        return report(False, name, f"the three sizes add up to {sum(sizes)}, not {n}: no sample may be lost.")
    if sizes == want:
        return report(True, name)
    whole = (n - 2 * int(np.floor(fractions[1] * n + 0.5)), int(np.floor(fractions[1] * n + 0.5)),
             int(np.floor(fractions[2] * n + 0.5)))
    if sizes == whole or all(abs(s - f * n) <= 1 for s, f in zip(sizes, fractions)):
        return report(False, name, f"{sizes} is the split of all {n} digits at once. A stratified split rounds "
                                   f"per class: e.g. a class of {int(class_sizes[0])} gives "
                                   f"{_stratified_sizes(class_sizes[:1], fractions)[1]} to validation, and these "
                                   "roundings add up differently.")
    return report(False, name, f"expected {want}: round 10 % of each class half up for validation and for test.")


def check_normal_equations(fit) -> bool | None:
    """``fit(X, y)`` must return θ minimising ||Xθ - y||² (X already holds the column of ones)."""
    rng = np.random.default_rng(3)
    x = np.concatenate([np.ones((30, 1)), rng.standard_normal((30, 3))], axis=1)
    y = rng.standard_normal(30)
    state, got = attempt(fit, x.copy(), y.copy(), name="normal equations",
                         convert=lambda r: np.asarray(r, dtype=np.float64).reshape(-1),
                         task="Solve XᵀX θ = Xᵀy with np.linalg.solve.")
    if not state:
        return state
    want = np.linalg.lstsq(x, y, rcond=None)[0]
    if got.shape != want.shape:
        return report(False, "normal equations", f"expected θ of shape {want.shape} (one entry per column of X, "
                                                  f"the bias first), got {got.shape}.")
    if np.allclose(got, want * 0.5, atol=1e-8):
        return report(False, "normal equations", "your θ is half the answer: the gradient 2XᵀXθ - 2Xᵀy has a 2 on "
                      "both sides, which cancels.")
    return report(np.allclose(got, want, atol=1e-8), "normal equations",
                  f"expected {np.round(want, 4).tolist()}, got {np.round(got, 4).tolist()}; solve XᵀX θ = Xᵀy.")


def check_bce_gradient(grad) -> bool | None:
    """``grad(x, w, b, y)`` must return (dw, db) of the mean BCE of σ(x·w + b) with labels y."""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((12, 3)), rng.standard_normal(3), 0.3
    y = rng.integers(0, 2, 12).astype(np.float64)
    state, got = attempt(grad, x.copy(), w.copy(), b, y.copy(), name="BCE gradient",
                         task="Return (dw, db) = (Xᵀ(σ(s) - y)/N, mean(σ(s) - y)) with s = x·w + b.")
    if not state:
        return state
    residual = 0.5 * (1 + np.tanh(0.5 * (x @ w + b))) - y  # σ(s) - y
    want_w, want_b = x.T @ residual / len(y), residual.mean()
    try:
        dw, db = np.asarray(got[0], dtype=np.float64), float(got[1])
    except (TypeError, IndexError, ValueError):
        return report(False, "BCE gradient", "return a pair (dw, db).")
    if np.allclose(dw, -want_w) and math.isclose(db, -want_b):
        return report(False, "BCE gradient", "the sign is flipped: that is the gradient of the log-likelihood, "
                      "which we maximise; the loss is its negative.")
    if dw.shape == want_w.shape and np.allclose(dw, want_w * len(y)) and math.isclose(db, want_b * len(y)):
        return report(False, "BCE gradient", "that is the gradient of the summed loss: the loss is the mean, so "
                      "divide by N.")
    ok = dw.shape == want_w.shape and np.allclose(dw, want_w) and math.isclose(db, want_b, abs_tol=1e-10)
    return report(ok, "BCE gradient", "expected dw = Xᵀ(σ(s) - y)/N and db = mean(σ(s) - y).")


def check_kl_normal(kl) -> bool | None:
    """``kl(mu_p, sigma_p, mu_q, sigma_q)`` must return D_KL(N(mu_p, sigma_p²) || N(mu_q, sigma_q²))."""
    params = [(0.0, 1.0, 0.0, 1.0), (0.5, 1.0, -1.0, 2.0), (1.0, 0.3, 0.0, 1.0)]
    for mp, sp, mq, sq in params:
        state, got = attempt(kl, mp, sp, mq, sq, name="KL of two Gaussians", convert=float,
                             task="Compute E_p[ln p(x) - ln q(x)] in closed form.")
        if not state:
            return state
        x = np.linspace(-40, 40, 400_001)  # reference: a fine Riemann sum, independent of the closed form
        lp = -0.5 * math.log(2 * math.pi) - math.log(sp) - 0.5 * ((x - mp) / sp) ** 2
        lq = -0.5 * math.log(2 * math.pi) - math.log(sq) - 0.5 * ((x - mq) / sq) ** 2
        want = float((np.exp(lp) * (lp - lq)).sum() * (x[1] - x[0]))
        if not math.isclose(got, want, abs_tol=1e-6):
            try:
                swapped = float(kl(mq, sq, mp, sp))
            except Exception:  # noqa: BLE001 - the reader's code may raise anything
                swapped = math.nan
            hint = " You computed D(q||p): the expectation is over p." if math.isclose(swapped, want, abs_tol=1e-6) else ""
            if math.isclose(got, want + 0.5, abs_tol=1e-6):
                hint = " You are missing the -1/2: E_p[(x - μ_p)²]/(2σ_p²) = 1/2 comes from ln p."
            return report(False, "KL of two Gaussians", f"for {(mp, sp, mq, sq)} expected {want:.6f}, got {got:.6f}.{hint}")
    return report(True, "KL of two Gaussians")


def check_laplace_scale(b, *, sigma: float = 2.0, direction: str = "forward") -> bool | None:
    """The scale b of Laplace(0, b) closest to N(0, sigma²): ``direction="forward"`` minimises
    D(N || Laplace) (optimum σ√(2/π)), ``"backward"`` minimises D(Laplace || N) (optimum σ/√2)."""
    name = f"Laplace scale ({direction} KL)"
    if b is None:
        return not_attempted(name, "Write the divergence as a function of b, set its derivative to 0, solve for b.")
    forward, backward = sigma * math.sqrt(2 / math.pi), sigma / math.sqrt(2)
    want, other = (forward, backward) if direction == "forward" else (backward, forward)
    b = float(b)
    if math.isclose(b, want, rel_tol=1e-3):
        return report(True, name)
    if math.isclose(b, 0.86 * sigma, rel_tol=1e-2) or math.isclose(b, 0.86, rel_tol=1e-2):
        hint = "0.86 comes from a slip in one set of lecture notes; set dD/db = 0 again."
    elif math.isclose(b, other, rel_tol=1e-3):
        hint = f"that is the optimum of the other direction; here the expectation is over the {'normal' if direction == 'forward' else 'Laplace'} distribution."
    elif math.isclose(b, want / sigma, rel_tol=1e-3):
        hint = f"that is the optimum for σ = 1; the optimal b grows in proportion to σ = {sigma:g}."
    else:
        hint = f"expected about {want:.4f} for σ = {sigma:g}; set the derivative of the divergence with respect to b to 0."
    return report(False, name, hint)
