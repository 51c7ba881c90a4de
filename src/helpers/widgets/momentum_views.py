"""Why momentum works on a quadratic: the error along each eigendirection, and the (α, β) convergence-rate plane.

On f(z) = ½ zᵀAz the heavy ball ``v ← βv − α∇f, z ← z + v`` decouples along the eigenvectors q_i of A: the error
e_i = q_iᵀz obeys its own scalar recurrence e_{k+1} = (1 + β − αλ_i)·e_k − β·e_{k−1}, whose characteristic roots
r± solve r² − (1 + β − αλ_i)·r + β = 0. So e_i(k) = A·r₊ᵏ + B·r₋ᵏ (or (C + Dk)·rᵏ at a double root), and the
error along q_i shrinks by ρ_i = max |r±| per step; the run converges at the slowest rate max_i ρ_i. β = 0 is
gradient descent (ρ_i = |1 − αλ_i|). The optimum α* = 4/(√λ₁ + √λₙ)², β* = ((√κ − 1)/(√κ + 1))² gives
ρ = (√κ − 1)/(√κ + 1) for *every* eigendirection (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017).

* ``compute_eigen_errors`` — the *measured* error along each eigenvector (the package's ``momentum_velocity_step``
  on the rotated, coupled 2-D problem, projected) beside the *predicted* one (the closed form above);
* ``compute_rate_plane`` — ρ(α, β) on a grid, with the optimum, GD's best rate and the stability edge
  αλ_max < 2 + 2β;
* ``plot_momentum_views`` — both as one plotly figure (stacked, so it reads on a phone);
* ``momentum_explorer`` — κ, α, β and the number of steps as live controls (core ipywidgets);
* ``static_momentum_figure`` — κ menu, β and α sliders over precomputed states for the HTML book.
"""

from __future__ import annotations

import html
import math

import numpy as np

from .optimizer_trajectories import compute_trajectories, quadratic_theory
from .surfaces import quadratic_surface

__all__ = ["compute_eigen_errors", "compute_rate_plane", "heavy_ball_roots", "best_lr_for_momentum",
           "plot_momentum_views", "momentum_readout", "momentum_explorer", "static_momentum_figure"]

_FLOOR = 1e-9  # |error| below this is drawn at the floor (a log axis cannot show 0; rounding noise stays out)
_LIMIT = 1e8  # an error 10⁸ times its start is "diverged": the curve stops there
EIGEN_COLORS = ("#1f77b4", "#d62728")  # λ = 1 (the flat direction), λ = κ (the steep one)


def heavy_ball_roots(lr, momentum, lam):
    """The characteristic roots r₊, r₋ (complex arrays, broadcast over the arguments) of one eigendirection."""
    b = 1 + np.asarray(momentum, dtype=float) - np.asarray(lr, dtype=float) * np.asarray(lam, dtype=float)
    disc = np.sqrt((b * b - 4 * np.asarray(momentum, dtype=float)).astype(complex))
    return (b + disc) / 2, (b - disc) / 2


def _rate(lr, momentum, lam):
    r1, r2 = heavy_ball_roots(lr, momentum, lam)
    return np.maximum(np.abs(r1), np.abs(r2))


def _predicted(e0: float, lr: float, momentum: float, lam: float, steps: int) -> np.ndarray:
    """The closed-form error e(k), k = 0..steps, of one eigendirection (e(1) = (1 − αλ)·e(0): v starts at 0).

    e(k) = e(1)·S_k − β·e(0)·S_{k−1} with S_k = (r₊ᵏ − r₋ᵏ)/(r₊ − r₋) = Σ_{j<k} r₊ʲ r₋^{k−1−j}; the sum form is
    used near a double root (β = β*, say), where the quotient would cancel.
    """
    k = np.arange(steps + 1)
    e1 = (1 - lr * lam) * e0
    r1, r2 = (complex(v) for v in heavy_ball_roots(lr, momentum, lam))
    with np.errstate(all="ignore"):
        if abs(r1 - r2) > 1e-3 * max(abs(r1), abs(r2)):
            s_k = (r1**k - r2**k) / (r1 - r2)
        else:
            j = np.arange(steps + 1)
            terms = np.where(j[None, :] < k[:, None], r1 ** j[None, :] * r2 ** np.maximum(k[:, None] - 1 - j[None, :], 0), 0)
            s_k = terms.sum(axis=1)
        s_prev = np.concatenate([[0.0], s_k[:-1]])
        out = e1 * s_k - momentum * e0 * s_prev
        out[0] = e0
    return out.real


def _cut(values: np.ndarray, start: float) -> tuple[np.ndarray, int | None]:
    """|values| up to the first non-finite or exploded entry (and that step, or None)."""
    mag = np.abs(values)
    bad = ~np.isfinite(mag) | (mag > _LIMIT * max(abs(start), 1e-300))
    at = int(np.argmax(bad)) if bad.any() else None
    return mag[: len(mag) if at is None else at], at


def compute_eigen_errors(kappa: float = 100.0, lr: float | None = None, momentum: float | None = None, *,
                         angle: float = 30.0, steps: int = 100, start=None) -> dict:
    """Measured and predicted |error| along the two eigenvectors (λ = 1 and λ = κ) of the quadratic, per step.

    ``lr``/``momentum`` default to the optimum α*, β*. Returns ``measured`` and ``predicted`` (lists of two
    arrays, each cut where it diverges), ``rates`` ρ_i, ``diverged_at`` (the measured run's step, or None),
    ``eigenvalues`` and the settings.
    """
    s = quadratic_surface(kappa, angle)
    th = quadratic_theory(s.eigenvalues)
    lr = th["hb_lr_opt"] if lr is None else float(lr)
    momentum = th["hb_momentum_opt"] if momentum is None else float(momentum)
    if not (lr > 0 and math.isfinite(lr)) or not 0 <= momentum < 1:
        raise ValueError(f"compute_eigen_errors needs lr > 0 and momentum in [0, 1). Got {lr!r} and {momentum!r}.")
    run = compute_trajectories(s, ("Momentum",), lr=lr, momentum=momentum, steps=steps, start=start)["Momentum"]
    c, si = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # the error's coordinates along the eigenvectors (c, s) of λ = 1 and (−s, c) of λ = κ (the minimum is 0),
    # written out elementwise: a BLAS product would round differently on other CPUs
    x, y = run.path[:, 0], run.path[:, 1]
    measured_all = np.stack([x * c + y * si, y * c - x * si], axis=1)  # (k+1, 2)
    z0 = measured_all[0]
    measured, predicted = [], []
    for i, lam in enumerate(s.eigenvalues):
        m, _ = _cut(measured_all[:, i], z0[i])
        p, _ = _cut(_predicted(float(z0[i]), lr, momentum, lam, steps), z0[i])
        measured.append(_to_floor(m))
        predicted.append(_to_floor(p))
    rates = [float(_rate(lr, momentum, lam)) for lam in s.eigenvalues]
    return dict(kappa=float(kappa), lr=lr, momentum=momentum, steps=steps, eigenvalues=s.eigenvalues,
                measured=measured, predicted=predicted, rates=rates, diverged_at=run.diverged_at,
                start=[float(v) for v in z0])


def _to_floor(mag: np.ndarray) -> np.ndarray:
    """|error| clipped at the floor, and cut one step after it first gets there (the rest is rounding noise)."""
    below = mag < _FLOOR
    end = int(np.argmax(below)) + 1 if below.any() else len(mag)
    return np.maximum(mag[:end], _FLOOR)


def best_lr_for_momentum(kappa: float, momentum: float, *, n: int = 400) -> float:
    """The learning rate that minimises the slowest rate max_i ρ_i for this β (a fine log grid, then refined)."""
    lams = (1.0, float(kappa))
    grid = np.logspace(math.log10(0.01 / kappa), math.log10(4 / kappa), n)  # ρ ≥ 1 beyond αλ_max = 4
    rate = np.max([_rate(grid, momentum, lam) for lam in lams], axis=0)
    i = int(np.argmin(rate))
    fine = np.linspace(grid[max(i - 1, 0)], grid[min(i + 1, n - 1)], 201)
    fine_rate = np.max([_rate(fine, momentum, lam) for lam in lams], axis=0)
    return float(fine[int(np.argmin(fine_rate))])


def compute_rate_plane(kappa: float = 100.0, *, n_alpha: int = 61, n_beta: int = 51) -> dict:
    """ρ(α, β) = max_i ρ_i on a grid: α over (0, 4/λ_max] (αλ_max < 2 + 2β ≤ 4 is stable), β over [0, 0.99].

    Also returns the optimum (α*, β*, ρ*), GD's best (α, ρ) and ``steps``: the steps to shrink the error 10⁶×,
    ln 10⁻⁶ / ln ρ (``inf`` where ρ ≥ 1: the run diverges or stalls).
    """
    if not (isinstance(kappa, (int, float)) and 1 <= kappa <= 1e6):
        raise ValueError(f"The 'kappa' argument of compute_rate_plane must be a number in [1, 1e6]. Got {kappa!r}.")
    alphas = np.linspace(4 / kappa / n_alpha, 4 / kappa, n_alpha)
    betas = np.linspace(0.0, 0.99, n_beta)
    a, b = np.meshgrid(alphas, betas)  # (n_beta, n_alpha)
    rate = np.maximum(_rate(a, b, 1.0), _rate(a, b, float(kappa)))
    with np.errstate(divide="ignore"):
        steps = np.where(rate < 1, np.log(1e-6) / np.log(np.minimum(rate, 1 - 1e-16)), np.inf)
    th = quadratic_theory((1.0, float(kappa)))
    return dict(kappa=float(kappa), alphas=alphas, betas=betas, rate=rate, steps=steps,
                optimum=(th["hb_lr_opt"], th["hb_momentum_opt"], th["hb_rate"]),
                gd=(th["gd_lr_opt"], th["gd_rate"]), edge=2 * (1 + betas) / kappa)


# ----------------------------------------------------------------------------------------------- plotting
_STEPS_CAP, _DIVERGED = 4.0, 4.5  # colour scale: log10(steps) up to 10⁴, then one grey band for "diverges"


def _plane_z(plane) -> np.ndarray:
    with np.errstate(divide="ignore"):
        z = np.log10(np.maximum(plane["steps"], 1.0))
    return np.where(np.isfinite(z), np.minimum(z, _STEPS_CAP), _DIVERGED)


def _colorscale():
    import plotly.colors as pc

    top = _STEPS_CAP / _DIVERGED
    scale = [[top * i / 10, c] for i, c in enumerate(pc.sample_colorscale("Viridis_r", [i / 10 for i in range(11)]))]
    return scale + [[top + 1e-6, "#bbbbbb"], [1.0, "#bbbbbb"]]


def _fmt_rate(rate: float) -> str:
    return f"{rate:.4f}" if rate < 1 else f"{rate:.3g} (diverges)"


def _eigen_traces_data(eig) -> list[dict]:
    """Attributes of the 5 eigen-panel traces: measured ×2, predicted ×2, and the title-less status text."""
    out = []
    for i, lam in enumerate(eig["eigenvalues"]):
        out.append(dict(y=eig["measured"][i], name=f"measured, λ = {lam:g}"))
    for i, lam in enumerate(eig["eigenvalues"]):
        out.append(dict(y=eig["predicted"][i], name=f"predicted, λ = {lam:g}: ρ = {_fmt_rate(eig['rates'][i])}"))
    return out


def _state_title(eig) -> str:
    rho = max(eig["rates"])
    verdict = (f"diverged at step {eig['diverged_at']}" if eig["diverged_at"] is not None else
               "diverges" if rho >= 1 else f"error ×10⁻⁶ in ≈ {math.ceil(math.log(1e-6) / math.log(rho))} steps"
               if rho > 0 else "exact in 2 steps")
    return (f"Heavy ball on a quadratic, κ = {eig['kappa']:g}<br><sup>α = {eig['lr']:.3g}, β = {eig['momentum']:.3g}:"
            f" slowest rate ρ = {_fmt_rate(rho)}<br>{verdict}</sup>")


_TOP, _BOTTOM = 260, 230  # pixels above the plots (title, κ menu, β and α sliders) and below (legend)


def _above(px: float, height: int) -> float:
    """Paper y of a point ``px`` pixels above the plot area (plotly places menus in paper coordinates)."""
    return 1.0 + px / (height - _TOP - _BOTTOM)


def _base_spec(height: int = 1040) -> dict:
    """The figure's fixed traces (4 eigen curves, the rate plane, its edge, the optimum, GD's best, the reader's
    choice) and layout, as a plain dict: building it through plotly's validators would cost most of a redraw."""
    dot = dict(type="scatter", x=[0.0], y=[0.0], xaxis="x2", yaxis="y2", mode="markers")
    data = [dict(type="scatter", x0=0, dx=1, y=[1.0], mode="markers", marker=dict(color=c, size=5),
                 name="measured", legendgroup=f"e{i}", xaxis="x", yaxis="y") for i, c in enumerate(EIGEN_COLORS)]
    data += [dict(type="scatter", x0=0, dx=1, y=[1.0], mode="lines", line=dict(color=c, width=1.5),
                  name="predicted", legendgroup=f"e{i}", xaxis="x", yaxis="y") for i, c in enumerate(EIGEN_COLORS)]
    data += [
        dict(type="heatmap", x=[0.0], y=[0.0], z=[[0.0]], zmin=0, zmax=_DIVERGED, colorscale=_colorscale(),
             xaxis="x2", yaxis="y2", hoverinfo="skip", showlegend=False, name="rate plane",
             colorbar=dict(orientation="h", title=dict(text="steps to shrink the error 10⁶×", side="top"),
                           x=0, xanchor="left", len=1, y=0.375, yanchor="bottom", thickness=10,
                           tickvals=[0, 1, 2, 3, 4, _DIVERGED], ticktext=["1", "10", "100", "10³", "≥10⁴", "diverges"],
                           tickfont=dict(size=10))),
        dict(dot, mode="lines", line=dict(color="white", dash="dot", width=1.5), name="edge αλ_max = 2 + 2β",
             hoverinfo="skip"),
        dict(dot, marker=dict(symbol="star", size=15, color="white", line=dict(color="black", width=1)),
             name="optimum α*, β*"),
        dict(dot, marker=dict(symbol="diamond", size=10, color="white", line=dict(color="black", width=1)),
             name="GD's best α (β = 0)"),
        dict(dot, marker=dict(symbol="circle-open", size=14, color="#ff2d55", line=dict(width=3)),
             name="your α, β"),
    ]
    layout = dict(
        height=height, margin=dict(l=60, r=20, t=_TOP, b=_BOTTOM, autoexpand=False), hovermode="closest",
        title=dict(text="", x=0.01, y=1 - 22 / height, yanchor="top", font=dict(size=15)),
        legend=dict(orientation="h", x=0, y=-0.07, yanchor="top", font=dict(size=10)),
        xaxis=dict(domain=[0, 1], anchor="y", title=dict(text="step k", standoff=2)),
        yaxis=dict(domain=[0.6, 1], type="log", exponentformat="power", title=dict(text="|error along q_i|"),
                   range=[math.log10(_FLOOR), 2.5]),
        xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text="learning rate α", standoff=2)),
        yaxis2=dict(domain=[0, 0.36], anchor="x2", title=dict(text="momentum β"), range=[0, 0.99]))
    return dict(data=data, layout=layout)


def _state_traces(plane, eig) -> list[dict]:
    """What the fixed traces show for one (κ, α, β)."""
    alphas, betas = plane["alphas"], plane["betas"]
    a_opt, b_opt, _ = plane["optimum"]
    from .static_states import rounded

    traces = [{k: (rounded(v) if k == "y" else v) for k, v in t.items()} for t in _eigen_traces_data(eig)]
    traces.append(dict(x=rounded(alphas), y=rounded(betas), z=[rounded(r, 3) for r in _plane_z(plane)]))
    traces.append(dict(x=rounded(np.minimum(plane["edge"], alphas[-1])), y=rounded(betas)))
    traces.append(dict(x=rounded([a_opt]), y=rounded([b_opt])))
    traces.append(dict(x=rounded([plane["gd"][0]]), y=[0.0]))
    traces.append(dict(x=rounded([min(max(eig["lr"], alphas[0]), alphas[-1])]), y=rounded([eig["momentum"]])))
    return traces


def plot_momentum_views(eig: dict, plane: dict):
    """Top: measured (dots) and predicted (lines) |error| along each eigenvector per step; bottom: the rate plane,
    coloured by the steps to shrink the error 10⁶×, with the optimum, GD's best α and the current (α, β)."""
    import plotly.graph_objects as go

    spec = _base_spec()
    for trace, attrs in zip(spec["data"], _state_traces(plane, eig)):
        trace.update(attrs)
    spec["layout"]["title"]["text"] = _state_title(eig)
    spec["layout"]["xaxis"]["range"] = [0, eig["steps"]]
    return go.Figure(spec, _validate=False)  # the spec is checked once in the tests, not on every redraw


def momentum_readout(eig: dict, plane: dict) -> str:
    """The numbers behind the figure as a short HTML note."""
    a, b, r = plane["optimum"]
    rates = ", ".join(f"ρ = {_fmt_rate(rho)} along λ = {lam:g}" for lam, rho in zip(eig["eigenvalues"], eig["rates"]))
    return (f"<p>Now α = {eig['lr']:.4g}, β = {eig['momentum']:.4g}: {rates}. The slowest direction sets the pace."
            f"<br>Optimum: α* = {a:.4g}, β* = {b:.4g}, ρ* = {r:.4f} for both directions; GD's best α = "
            f"{plane['gd'][0]:.4g} gives ρ = {plane['gd'][1]:.4f}.</p>")


# -------------------------------------------------------------------------------------- interactive layers
def momentum_explorer(*, kappa: float = 100.0, lr: float = 0.01, momentum: float = 0.9, steps: int = 100):
    """κ, α, β and steps as live controls; buttons set the optimum or the best α for the chosen β.

    Returns a VBox with the explorers' attributes (see :mod:`helpers.widgets`; ``.result`` is ``(eig, plane)``, what
    :func:`plot_momentum_views` draws) and ``.buttons``.
    """
    import ipywidgets as w

    from .display import redraw, wire

    style, layout = {"description_width": "120px"}, w.Layout(width="360px")
    slider = dict(continuous_update=False, style=style, layout=layout)
    c = dict(kappa=w.FloatLogSlider(value=kappa, base=10, min=0, max=3, step=0.05, description="κ", **slider),
             lr=w.FloatLogSlider(value=lr, base=10, min=-5, max=0.5, step=0.01, description="learning rate α",
                                 readout_format=".3g", **slider),
             momentum=w.FloatSlider(value=momentum, min=0, max=0.99, step=0.01, description="momentum β", **slider),
             steps=w.IntSlider(value=steps, min=10, max=500, step=10, description="steps", **slider))
    best_b, opt_b = (w.Button(description=d, layout=w.Layout(width="auto"))
                     for d in ("best α for this β", "optimal α*, β*"))
    readout, out = w.HTML(layout=w.Layout(flex="1 1 300px", min_width="260px")), w.Output()
    controls = w.VBox(list(c.values()) + [w.HBox([best_b, opt_b], layout=w.Layout(flex_flow="row wrap"))],
                      layout=w.Layout(flex="0 0 auto"))
    box = w.VBox([w.HBox([controls, readout], layout=w.Layout(flex_flow="row wrap")), out])

    def update():
        k = float(c["kappa"].value)
        eig = compute_eigen_errors(k, c["lr"].value, c["momentum"].value, steps=int(c["steps"].value))
        plane = compute_rate_plane(k)
        readout.value = momentum_readout(eig, plane) + (
            f"<p style='color:#b00'><b>{html.escape(_diverged_note(eig))}</b></p>" if _diverged_note(eig) else "")
        redraw(out, plot_momentum_views(eig, plane), owner=box, result=(eig, plane))

    def optimum(_=None):
        th = quadratic_theory((1.0, float(c["kappa"].value)))
        box.set_values(lr=th["hb_lr_opt"], momentum=th["hb_momentum_opt"])

    def best(_=None):
        box.set_values(lr=best_lr_for_momentum(float(c["kappa"].value), float(c["momentum"].value)))

    best_b.on_click(best)
    opt_b.on_click(optimum)
    box.buttons = (best_b, opt_b)
    return wire(box, c, update)


def _diverged_note(eig) -> str:
    if eig["diverged_at"] is not None:
        return f"diverged at step {eig['diverged_at']}: αλ_max ≥ 2 + 2β (the curves stop there)"
    return ""


def static_momentum_figure(kappas=(10.0, 100.0), betas=(0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99),
                           lr_factors=(0.1, 0.3, 1.0, 1.5, 2.0, 3.0, 3.9), *, steps: int = 100):
    """κ menu, β slider and α slider over precomputed states (no kernel needed).

    β offers ``betas`` plus the optimum β*; α offers the best α for the chosen β plus ``lr_factors``/λ_max
    (αλ_max = 2 + 2β is the edge of stability). Moving β resets α to the best α for that β; changing κ resets
    both to the optimum. The measured curves are subsampled every other step to keep the page light.
    """
    from .static_states import Control, states_figure

    kappas = [float(k) for k in kappas]
    planes = {k: compute_rate_plane(k) for k in kappas}

    def beta_options(k):
        b_opt = planes[k]["optimum"][1]
        return sorted({float(f"{b:.4g}") for b in betas} | {b_opt})

    def lr_options(k, beta):
        best = planes[k]["optimum"][0] if beta == planes[k]["optimum"][1] else best_lr_for_momentum(k, beta)
        return sorted({f / k for f in lr_factors} | {best}), best

    def beta_label(k, b):
        return f"{b:.3g} (β*)" if b == planes[k]["optimum"][1] else f"{b:.3g}"

    h = 1040
    slider_style = dict(x=0.0, len=1.0, yanchor="top", pad=dict(t=0, b=0), font=dict(size=9))
    controls = [
        Control("κ", [f"κ = {k:g}" for k in kappas], default=len(kappas) - 1,
                style=dict(x=0.0, xanchor="left", y=_above(_TOP - 74, h), yanchor="top", pad=dict(t=0, b=0))),
        Control("β", lambda p: [beta_label(kappas[p[0]], b) for b in beta_options(kappas[p[0]])], kind="slider",
                default=lambda p: beta_options(kappas[p[0]]).index(planes[kappas[p[0]]]["optimum"][1]),
                style=dict(slider_style, y=_above(_TOP - 110, h),
                           currentvalue=dict(prefix="momentum β = ", font=dict(size=12)))),
        Control("α", lambda p: [_lr_label(a, best) for a, best in _with_best(*lr_options(
            kappas[p[0]], beta_options(kappas[p[0]])[p[1]]))], kind="slider",
                default=lambda p: _best_index(*lr_options(kappas[p[0]], beta_options(kappas[p[0]])[p[1]])),
                style=dict(slider_style, y=_above(_TOP - 182, h),
                           currentvalue=dict(prefix="learning rate α = ", font=dict(size=12)))),
    ]

    def render(state):
        k = kappas[state[0]]
        beta = beta_options(k)[state[1]]
        options, _ = lr_options(k, beta)
        eig = compute_eigen_errors(k, options[state[2]], beta, steps=steps)
        traces = _state_traces(planes[k], eig)
        for t in traces[:2]:
            t["y"], t["dx"] = t["y"][::2], 2  # measured: every other step
        return traces, {"title.text": _state_title(eig), "xaxis.range": [0, steps]}

    import plotly.graph_objects as go

    fig = go.Figure(_base_spec())
    # the eigen curves (0-3) and the reader's choice (8) follow every control; plane, edge, optimum, GD only κ
    return states_figure(fig, controls, render, levels=[2, 2, 2, 2, 0, 0, 0, 0, 2])


def _with_best(options, best):
    return [(a, best) for a in options]


def _best_index(options, best):
    return options.index(best)


def _lr_label(a, best):
    return f"{a:.3g} (best)" if a == best else f"{a:.3g}"
