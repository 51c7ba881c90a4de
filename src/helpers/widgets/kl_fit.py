"""Forward vs backward KL: fitting one Gaussian q to a bimodal density p.

Minimising the forward divergence D_KL(p || q) makes q cover both modes ("zero avoiding": q must be
> 0 wherever p is); it is solved by matching the mean and variance of p. Minimising the backward
divergence D_KL(q || p) lets q sit on one mode ("zero forcing": q must be ≈ 0 where p is). Both are
computed here the same way, by numerical optimisation on a grid: the integrals are Riemann sums on
an x grid, and (μ, σ) is found by a coarse-to-fine grid search (deterministic, no local-minimum
surprises from a starting point). Layers: compute_/plot_/_explorer/static_ as in :mod:`helpers.widgets`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["compute_kl_fit", "plot_kl_fit", "kl_fit_explorer", "static_kl_fit"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_normal(x, mu, sigma):
    return -_HALF_LOG_2PI - np.log(sigma) - 0.5 * ((x - mu) / sigma) ** 2


def _check_float(value, name, low, high):
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high):
        raise ValueError(f"The '{name}' argument of compute_kl_fit must be a float in [{low}, {high}]. Got {value!r} instead.")


def _kl_both(x, log_p, mus, sigmas):
    """Forward and backward KL for every (σ, μ) pair -> two (S, M) arrays (Riemann sums on x)."""
    dx = x[1] - x[0]
    log_q = _log_normal(x[None, None, :], mus[None, :, None], sigmas[:, None, None])  # (S, M, X)
    diff = log_q - log_p  # ln q - ln p
    forward = -(np.exp(log_p) * diff).sum(axis=2) * dx  # ∫ p ln(p/q)
    backward = (np.exp(log_q) * diff).sum(axis=2) * dx  # ∫ q ln(q/p)
    return forward, backward


def _grid_search(x, log_p, which: int, lo_mu, hi_mu, lo_s, hi_s, n=41, rounds=5):
    """Coarse-to-fine search of (μ, σ): each round zooms in around the best cell of the last one."""
    for _ in range(rounds):
        mus, sigmas = np.linspace(lo_mu, hi_mu, n), np.geomspace(lo_s, hi_s, n)
        kl = _kl_both(x, log_p, mus, sigmas)[which]  # (S, M)
        # ties up to rounding (a symmetric p has two equal minima): take the smallest μ, then σ,
        # so the answer does not depend on the last bits of the float arithmetic
        rows, cols = np.nonzero(kl <= kl.min() + 1e-9 * (1.0 + abs(kl.min())))
        pick = np.lexsort((rows, cols))[0]
        i, j = rows[pick], cols[pick]
        dm, ds = mus[1] - mus[0], sigmas[1] / sigmas[0]
        best = (float(mus[j]), float(sigmas[i]), float(kl[i, j]))
        lo_mu, hi_mu = best[0] - 2 * dm, best[0] + 2 * dm
        lo_s, hi_s = best[1] / ds**2, best[1] * ds**2
    return best


def compute_kl_fit(*, separation: float = 4.0, weight: float = 0.5, width: float = 0.6, n_grid: int = 801) -> dict:
    """Fit N(μ, σ²) to p = weight·N(-separation/2, width²) + (1-weight)·N(separation/2, width²).

    Returns the grid ``x``, the density ``p``, ``forward``/``backward`` = (μ, σ, KL at the optimum),
    both KL values for both fits, and the two fitted densities. For equal weights the backward
    divergence has two equally good minima; the search then returns the left one.
    """
    _check_float(separation, "separation", 0.0, 10.0)
    _check_float(weight, "weight", 0.01, 0.99)
    _check_float(width, "width", 0.1, 3.0)
    half = 0.5 * separation
    span = half + 6 * width + 2.0
    x = np.linspace(-span, span, n_grid)
    log_p = np.logaddexp(math.log(weight) + _log_normal(x, -half, width),
                         math.log(1 - weight) + _log_normal(x, half, width))  # ln p without underflow
    sig_lo, sig_hi = 0.5 * width, half + 3 * width
    fwd = _grid_search(x, log_p, 0, -half - width, half + width, sig_lo, sig_hi)
    bwd = _grid_search(x, log_p, 1, -half - width, half + width, sig_lo, sig_hi)
    both = {name: _kl_both(x, log_p, np.array([m]), np.array([s])) for name, (m, s, _) in
            (("forward", fwd), ("backward", bwd))}
    return {
        "separation": separation, "weight": weight, "width": width, "x": x, "p": np.exp(log_p),
        "forward": fwd, "backward": bwd,
        "q_forward": np.exp(_log_normal(x, fwd[0], fwd[1])), "q_backward": np.exp(_log_normal(x, bwd[0], bwd[1])),
        # KL values of each fit in both directions: {fit: (D(p||q), D(q||p))}
        "kl_table": {name: (float(f[0, 0]), float(b[0, 0])) for name, (f, b) in both.items()},
    }


def _traces(r: dict, *, visible=True):
    import plotly.graph_objects as go

    (mf, sf, _), (mb, sb, _) = r["forward"], r["backward"]
    return [
        go.Scatter(x=r["x"], y=r["p"], name="p (bimodal)", line={"color": "black", "width": 3}, visible=visible),
        go.Scatter(x=r["x"], y=r["q_forward"], name=f"argmin D(p||q): μ={mf:.2f}, σ={sf:.2f}",
                   line={"color": "#1f77b4", "dash": "dash"}, visible=visible),
        go.Scatter(x=r["x"], y=r["q_backward"], name=f"argmin D(q||p): μ={mb:.2f}, σ={sb:.2f}",
                   line={"color": "#d62728", "dash": "dot"}, visible=visible),
    ]


def _title(r: dict) -> str:
    f, b = r["kl_table"]["forward"], r["kl_table"]["backward"]
    return (f"separation {r['separation']:.1f}: forward fit D(p||q)={f[0]:.3f}, D(q||p)={f[1]:.3f} · "
            f"backward fit D(p||q)={b[0]:.3f}, D(q||p)={b[1]:.3f}")


def plot_kl_fit(result: dict):
    """A plotly figure of p and the two fitted Gaussians."""
    import plotly.graph_objects as go

    fig = go.Figure(_traces(result))
    fig.update_layout(title={"text": _title(result), "font": {"size": 13}}, height=420, xaxis_title="x",
                      yaxis_title="density", margin={"l": 40, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def kl_fit_explorer():
    """Sliders for the separation of the modes, their weight and width (needs a live kernel)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    sep = widgets.FloatSlider(value=4.0, min=0.0, max=10.0, step=0.25, description="separation",
                              continuous_update=False)
    weight = widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="weight",
                                 continuous_update=False)
    width = widgets.FloatSlider(value=0.6, min=0.2, max=2.0, step=0.1, description="width", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(sep, weight, width), out])

    def update(*_):
        result = compute_kl_fit(separation=sep.value, weight=weight.value, width=width.value)
        redraw(out, plot_kl_fit(result), owner=box, result=result)

    return wire(box, dict(separation=sep, weight=weight, width=width), update)


def static_kl_fit(*, separations=(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0), weight: float = 0.5, width: float = 0.6):
    """One plotly figure with a slider over the separation of the two modes; works without a kernel."""
    import plotly.graph_objects as go

    results = [compute_kl_fit(separation=float(s), weight=weight, width=width, n_grid=401) for s in separations]
    fig = go.Figure()
    for i, r in enumerate(results):
        fig.add_traces(_traces(r, visible=i == 0))
    steps = []
    for i, r in enumerate(results):
        visible = [j // 3 == i for j in range(3 * len(results))]
        steps.append({"method": "update", "label": f"{r['separation']:.1f}",
                      "args": [{"visible": visible}, {"title.text": _title(r)}]})
    fig.update_layout(title={"text": _title(results[0]), "font": {"size": 13}}, height=460, xaxis_title="x",
                      yaxis_title="density", margin={"l": 40, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.25},
                      sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": "separation: "},
                                "pad": {"t": 50}}])
    return fig
