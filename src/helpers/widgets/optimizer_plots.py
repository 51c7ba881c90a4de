"""The optimizer-trajectory widget, layers 2–4: the plotly figure, the ipywidgets explorer and the static variant.

``plot_trajectories`` draws the paths on the contour plot (top) and f − f* per step on a log scale (below), one
column, so that it reads on a phone; when Newton (or any method) comes to rest at a maximum or a saddle the figure
says why. ``readout_html`` is the table beside it (each optimizer's α, final loss, steps to tolerance, "diverged at
step k"; on quadratics the theory next to the measurement). ``optimizer_explorer`` wires core ipywidgets to them;
``static_optimizer_figure`` precomputes surface × noise × α × β states into one plotly figure that stays
interactive in the HTML book without a kernel (:mod:`helpers.widgets.static_states`).
"""

from __future__ import annotations

import html

import numpy as np

from .optimizer_trajectories import (
    FIRST_ORDER,
    OPTIMIZERS,
    compute_trajectories,
    quadratic_theory,
    tuned_learning_rates,
)
from .surfaces import Surface, make_surface

__all__ = ["COLORS", "plot_trajectories", "readout_html", "optimizer_explorer", "static_optimizer_figure",
           "explain_trajectories", "STATIC_SURFACES"]

COLORS = dict(zip(OPTIMIZERS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                               "#17becf")))
_GAP_FLOOR = 1e-12  # f − f* is drawn down to here (a log axis cannot show 0; below is rounding noise)
_STATIC_FLOOR = 1e-9  # the static figure stops a run there: smaller stored numbers would differ between CPUs

WHY = {
    "maximum": ("{name} climbed to a local maximum (f = {f:.4g}). Newton jumps to the critical point of its "
                "quadratic model; where the Hessian is negative definite that point is a maximum, and −H⁻¹∇f "
                "points uphill."),
    "saddle": ("{name} stopped at a saddle point (f = {f:.4g}): ∇f = 0 there. Newton heads for the nearest "
               "critical point of its quadratic model, whatever its kind; with an indefinite Hessian that is a "
               "saddle. Damping (H + λI) or a trust region avoids it."),
}


def explain_trajectories(trajectories: dict) -> str:
    """One sentence per run that came to rest at a maximum or a saddle (empty when none did)."""
    return " ".join(WHY[t.critical].format(name=n, f=t.final_loss) for n, t in trajectories.items()
                    if t.critical in WHY)


def _wrap(text: str, width: int = 62) -> str:
    """Break ``text`` into lines of at most ``width`` characters with <br> (plotly does not wrap annotations)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line] if line else lines)


def _contour_data(surface: Surface, n: int = 70):
    xs = np.linspace(*surface.x_range, n)
    ys = np.linspace(*surface.y_range, n)
    with np.errstate(all="ignore"):
        z = surface.f(xs[None, :], ys[:, None]) + 0 * xs[None, :] * ys[:, None]  # (n_y, n_x)
    finite = np.isfinite(z)
    low = surface.f_star if surface.f_star is not None else (z[finite].min() if finite.any() else 0.0)
    with np.errstate(all="ignore"):
        z = np.log10(np.maximum(z - low, 0) + 1e-2)  # log levels show both the valley and the walls
    z = np.where(np.isfinite(z), z, np.nanmax(np.where(np.isfinite(z), z, np.nan)) if finite.any() else 0.0)
    return xs, ys, np.round(z, 3), low


def _reference(surface, trajectories, low):
    """f* when known, else the lowest value seen on the grid or along any path (so f − ref ≥ 0)."""
    if surface.f_star is not None:
        return surface.f_star
    seen = [t.losses.min() for t in trajectories.values() if len(t.losses)]
    return min([low, *seen])


def _label(name, t, *, tuned=False) -> str:
    lr = "" if name not in FIRST_ORDER else f", α = {t.lr:.3g}" + (" (tuned)" if tuned else "")
    return f"{name}{lr}: {t.status()}"


def _run_attrs(surface, t, ref, *, compact=False, digits=4):
    """The path and loss-curve attributes of one run; ``compact`` stops both where f − f* reaches the floor."""
    floor = _STATIC_FLOOR if compact else _GAP_FLOOR
    path, gap = t.path, np.maximum(t.losses - ref, floor)
    if compact:
        end = int(np.argmax(gap <= floor)) + 1 if (gap <= floor).any() else len(gap)
        path, gap = path[:max(end, 1)], gap[:end]
    # + 0.0 turns -0.0 into 0.0: a path that converges to a zero coordinate ends at ±1e-17, a sign that differs
    # between CPUs
    from .static_states import rounded

    places = 8 if compact else 12  # the static figure: coordinates closer to 0 than 1e-8 are stored as 0
    x, y = rounded(np.round(path[:, 0], places) + 0.0, digits), rounded(np.round(path[:, 1], places) + 0.0, digits)
    return dict(x=x, y=y), dict(y=rounded(gap, digits))


def _spec(surface: Surface, *, height: int = 820, names=OPTIMIZERS, contour_n: int = 70) -> dict:
    """The figure as a plain dict: contour, per optimizer a path and a loss curve, the start point."""
    xs, ys, z, low = _contour_data(surface, n=contour_n)
    from .static_states import rounded

    data = [dict(type="contour", x=rounded(xs), y=rounded(ys), z=[rounded(r) for r in z], ncontours=22,
                 colorscale="Greys", showscale=False, contours=dict(coloring="lines"), hoverinfo="skip",
                 name="log₁₀ f", showlegend=False, xaxis="x", yaxis="y")]
    for n in names:
        data.append(dict(type="scatter", x=[], y=[], mode="lines+markers", name=n, legendgroup=n,
                         line=dict(color=COLORS[n], width=2), marker=dict(size=3), xaxis="x", yaxis="y"))
        data.append(dict(type="scatter", x0=0, dx=1, y=[], mode="lines", name=n, legendgroup=n, showlegend=False,
                         line=dict(color=COLORS[n]), xaxis="x2", yaxis="y2"))
    data.append(dict(type="scatter", x=[surface.start[0]], y=[surface.start[1]], mode="markers", name="start",
                     marker=dict(symbol="star", size=12, color="black"), xaxis="x", yaxis="y"))
    layout = dict(
        height=height, margin=dict(l=55, r=15, t=170, b=40, autoexpand=False), hovermode="closest",
        title=dict(text="", x=0.01, y=1 - 22 / height, yanchor="top", font=dict(size=15)),
        legend=dict(orientation="h", x=0, y=-0.09, yanchor="top", font=dict(size=10)),
        xaxis=dict(domain=[0, 1], range=list(surface.x_range), anchor="y", title=dict(text="x", standoff=2)),
        yaxis=dict(domain=[0.36, 1], range=list(surface.y_range), anchor="x", title=dict(text="y")),
        xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text="step", standoff=2)),
        yaxis2=dict(domain=[0, 0.25], type="log", anchor="x2", exponentformat="power",
                    title=dict(text="f − f*"), range=[-12.5, None]),
        annotations=[])
    return dict(data=data, layout=layout), low


def _note(text: str) -> list[dict]:
    """The explanation box in the top-left corner of the contour panel (empty list when there is nothing to say)."""
    if not text:
        return []
    return [dict(text=_wrap(text), xref="x domain", yref="y domain", x=0.01, y=0.99, xanchor="left", yanchor="top",
                 showarrow=False, align="left", bgcolor="rgba(255,255,255,0.85)", bordercolor="#e377c2",
                 font=dict(size=10))]


def plot_trajectories(surface: Surface, trajectories: dict, *, title: str | None = None, tuned: bool = False):
    """A plotly figure: contour + paths (top), f − f* per step on a log scale (below). Never displays.

    ``tuned`` marks the learning rates in the legend as each optimizer's tuned rate.
    """
    import plotly.graph_objects as go

    names = tuple(trajectories)
    spec, low = _spec(surface, names=names)
    ref = _reference(surface, trajectories, low)
    for k, (name, t) in enumerate(trajectories.items()):
        path, loss = _run_attrs(surface, t, ref)
        spec["data"][1 + 2 * k].update(path, name=_label(name, t, tuned=tuned))
        spec["data"][2 + 2 * k].update(loss)
    if trajectories:
        start = next(iter(trajectories.values())).path[0]
        spec["data"][-1].update(x=[float(start[0])], y=[float(start[1])])
    lay = spec["layout"]
    lay["title"]["text"] = title or f"{surface.name}<br><sup>{html.escape(surface.formula)}</sup>"
    lay["annotations"] = _note(explain_trajectories(trajectories))
    lay["margin"].update(t=70, autoexpand=True)  # no menus to keep in place: let the legend take what it needs
    return go.Figure(spec, _validate=False)  # the spec is validated in the tests, not on every redraw


def _fmt(value: float) -> str:
    return f"{value:.4g}" if np.isfinite(value) else "—"


def readout_html(surface: Surface, trajectories: dict, *, lr: float, momentum: float, tol: float = 1e-6) -> str:
    """An HTML table: per optimizer its α, final loss, steps to ``tol`` or where it diverged; theory on quadratics."""
    rows = "".join(
        f"<tr><td style='color:{COLORS[n]}'><b>{n}</b></td><td>{_fmt(t.lr) if n in FIRST_ORDER else 'step 1'}</td>"
        f"<td>{_fmt(t.final_loss)}</td><td>{html.escape(t.status())}</td></tr>" for n, t in trajectories.items())
    out = (f"<table><tr><th>optimizer</th><th>α</th><th>final loss</th><th>status (tol {tol:g})</th></tr>{rows}"
           "</table><small>Newton and BFGS take their natural step (length 1, BFGS with backtracking).</small>")
    why = explain_trajectories(trajectories)
    if why:
        out += f"<p style='color:#8a2060'>{html.escape(why)}</p>"
    if surface.eigenvalues is not None:
        th = quadratic_theory(surface.eigenvalues)
        out += (f"<p><b>Theory</b> (eigenvalues {th['lambda_min']:g}, {th['lambda_max']:g}; κ = {th['kappa']:.3g}):"
                f" GD is stable for 0 &lt; α &lt; {th['gd_lr_max']:.4g} (now αλ_max = {lr * th['lambda_max']:.3g});"
                f" α* = {th['gd_lr_opt']:.4g}, rate (κ−1)/(κ+1) = {th['gd_rate']:.4f}."
                f" Heavy ball: α* = {th['hb_lr_opt']:.4g}, β* = {th['hb_momentum_opt']:.4f}, rate (√κ−1)/(√κ+1) ="
                f" {th['hb_rate']:.4f} (now β = {momentum:.3g}).</p>")
    return out


def optimizer_explorer(*, surface: str = "quadratic", optimizers=("GD", "Momentum", "Nesterov", "Adam", "Newton")):
    """The interactive widget (core ipywidgets only). Returns a VBox with the explorers' attributes (see
    :mod:`helpers.widgets`; ``box.result`` holds the trajectories) and ``.buttons`` (the two "optimal" buttons).

    One redraw per change of state: sliders send their value when released (no stream of intermediate values, no
    echo of the value the front end rounds to its grid), and the "optimal" buttons set α (and β) together. The
    buttons set the exact α* (and β*); the sliders show them rounded to their step, the read-out the values used.
    "each optimizer at its tuned α" runs every first-order method at its own best rate (a log grid, see
    :func:`~helpers.widgets.optimizer_trajectories.tuned_learning_rates`); the α slider then waits.
    """
    import ipywidgets as w

    from helpers.core.expr import ExpressionError

    from .display import redraw, wire

    style, layout = {"description_width": "135px"}, w.Layout(width="380px")
    slider = dict(continuous_update=False)
    c = dict(
        surface=w.Dropdown(options=list(("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "plateau",
                                         "rastrigin", "custom")), value=surface, description="surface"),
        expression=w.Text(value="x^2 + 5*y^2 + sin(3*x)", description="custom f(x, y)", continuous_update=False),
        kappa=w.FloatLogSlider(value=10, base=10, min=0, max=3, description="κ (quadratic)", **slider),
        angle=w.FloatSlider(value=30, min=0, max=90, step=5, description="angle (°)", **slider),
        tuned=w.Checkbox(value=False, description="each optimizer at its tuned α", indent=False),
        lr=w.FloatLogSlider(value=0.1, base=10, min=-5, max=1, step=0.001, description="learning rate α", **slider),
        momentum=w.FloatSlider(value=0.9, min=0, max=0.99, step=0.01, description="β / β₁", **slider),
        beta2=w.FloatSlider(value=0.999, min=0.5, max=0.9999, step=0.0001, readout_format=".4f", description="β₂",
                            **slider),
        x0=w.FloatSlider(value=-2.5, min=-5, max=5, step=0.1, description="start x", **slider),
        y0=w.FloatSlider(value=2.0, min=-5, max=5, step=0.1, description="start y", **slider),
        steps=w.IntSlider(value=150, min=1, max=500, description="steps", **slider),
        noise=w.FloatSlider(value=0.0, min=0, max=5, step=0.1, description="gradient noise σ", **slider),
        damping=w.FloatSlider(value=0.0, min=0, max=10, step=0.1, description="Newton damping λ", **slider),
        optimizers=w.SelectMultiple(options=list(OPTIMIZERS), value=tuple(optimizers), description="optimizers",
                                    rows=8),
    )
    for ctl in c.values():
        ctl.style, ctl.layout = style, layout
    gd_button, hb_button = (w.Button(description=d, layout=w.Layout(width="auto"))
                            for d in ("optimal α for GD", "optimal α, β (momentum)"))
    # The controls keep their width; the read-out takes the rest and wraps, or moves below when there is no room.
    controls = w.VBox(list(c.values()) + [w.HBox([gd_button, hb_button], layout=w.Layout(flex_flow="row wrap"))],
                      layout=w.Layout(flex="0 0 auto"))
    readout, out = w.HTML(layout=w.Layout(flex="1 1 300px", min_width="280px")), w.Output()
    box = w.VBox([w.HBox([controls, readout], layout=w.Layout(flex_flow="row wrap")), out])

    def current_surface():
        return make_surface(c["surface"].value, kappa=c["kappa"].value, angle=c["angle"].value,
                            expression=c["expression"].value)

    def update():
        try:
            s = current_surface()
        except ExpressionError as err:
            readout.value = f"<b style='color:#b00'>Cannot use this expression:</b> {html.escape(str(err))}"
            return
        lr, momentum, tuned = c["lr"].value, c["momentum"].value, bool(c["tuned"].value)
        result = compute_trajectories(s, tuple(c["optimizers"].value), lr="tuned" if tuned else lr,
                                      momentum=momentum, beta2=c["beta2"].value, start=(c["x0"].value, c["y0"].value),
                                      steps=c["steps"].value, noise=c["noise"].value, damping=c["damping"].value)
        used = "each its tuned α (see the table)" if tuned else f"α = {lr:.4g}"
        readout.value = (f"<small>Used: {used}, β = {momentum:.4g}, β₂ = {c['beta2'].value:.4g}</small>"
                         + readout_html(s, result, lr=lr, momentum=momentum))
        redraw(out, plot_trajectories(s, result, tuned=tuned), owner=box, result=result)

    def use_optimal(momentum_too):
        s = current_surface() if c["surface"].value == "quadratic" else None
        if s is None:
            readout.value = "<b>The optimal values are known for the quadratic surface only.</b>"
            return
        th = quadratic_theory(s.eigenvalues)
        values = {"lr": th["hb_lr_opt"] if momentum_too else th["gd_lr_opt"], "tuned": False}
        if momentum_too:
            values["momentum"] = min(th["hb_momentum_opt"], 0.99)
        box.set_values(**values)

    gd_button.on_click(lambda _: use_optimal(False))
    hb_button.on_click(lambda _: use_optimal(True))
    box.buttons = (gd_button, hb_button)
    return wire(box, c, update)


# ------------------------------------------------------------------------------------------- static variant
#: the problems of the static figure: (label, make_surface name, κ, gradient noise σ)
STATIC_SURFACES = (("quadratic κ = 10", "quadratic", 10.0, 0.0), ("quadratic κ = 100", "quadratic", 100.0, 0.0),
                   ("κ = 100, noise σ = 1", "quadratic", 100.0, 1.0), ("Rosenbrock", "rosenbrock", None, 0.0),
                   ("Himmelblau", "himmelblau", None, 0.0), ("saddle", "saddle", None, 0.0),
                   ("plateau", "plateau", None, 0.0))
STATIC_OPTIMIZERS = ("GD", "Momentum", "Nesterov", "RMSProp", "Adam", "Newton")
_MOMENTUM_METHODS = ("Momentum", "Nesterov")


def static_optimizer_figure(surfaces=STATIC_SURFACES, lr_factors=(0.1, 0.3, 1, 3, 10),
                            optimizers=STATIC_OPTIMIZERS, *, steps: int = 120, default_surface: int = 1):
    """One plotly figure with precomputed states (interactive without a kernel). Controls, in order:

    * the problem (``surfaces``: label, surface name, κ, gradient noise σ), opening on the ill-conditioned
      quadratic κ = 100; one entry adds gradient noise (the minibatch effect) to it;
    * learning rate: "tuned" (each first-order method at its own best rate for these settings, the default) or
      one α for all (``lr_factors`` × the surface's own rate);
    * momentum β of heavy ball and Nesterov: on the quadratics the optimum β* (the default), 0, 0.5 and 0.9; on the
      others 0.9, 0.5 and 0. Adam keeps β₁ = 0.9, β₂ = 0.999.

    A control resets the ones after it (see :mod:`helpers.widgets.static_states`); β is last, so it can be
    compared at a fixed α. A path stops where f − f* reaches 10⁻⁹; plotted numbers keep 3 significant digits
    (the page stays light).
    """
    import plotly.graph_objects as go

    from .static_states import Control, rounded, states_figure

    surfs = [make_surface(name, kappa=kappa or 10.0) for _, name, kappa, _ in surfaces]
    names = tuple(optimizers)

    def beta_options(i):
        if surfs[i].eigenvalues is None:
            return [0.9, 0.5, 0.0]
        return [float(f"{quadratic_theory(surfs[i].eigenvalues)['hb_momentum_opt']:.4g}"), 0.0, 0.5, 0.9]

    def lr_options(i):
        return ["tuned"] + [float(f"{surfs[i].lr * f:.3g}") for f in lr_factors]

    def beta_label(i, j):
        b = beta_options(i)[j]
        return f"β = {b:g} (β*)" if surfs[i].eigenvalues is not None and j == 0 else f"β = {b:g}"

    height, top, bottom = 1010, 180, 230
    above = lambda px: 1.0 + px / (height - top - bottom)  # paper y of a point ``px`` pixels above the plot area
    menu = dict(xanchor="left", y=above(top - 60), yanchor="top", pad=dict(t=0, b=0, r=0, l=0), font=dict(size=11))
    controls = [
        Control("problem", [label for label, *_ in surfaces], default=0, style=dict(menu, x=0.0)),
        Control("α", lambda p: ["tuned" if v == "tuned" else f"{v:g}" for v in lr_options(p[0])], kind="slider",
                style=dict(x=0.0, len=1.0, y=above(top - 100), yanchor="top", pad=dict(t=0, b=0), font=dict(size=10),
                           currentvalue=dict(prefix="learning rate α: ", font=dict(size=12)))),
        Control("β", lambda p: [beta_label(p[0], j) for j in range(len(beta_options(p[0])))],
                style=dict(menu, x=0.55)),
    ]
    cache = {}

    def runs(i, lr, beta):
        key = (i, lr, beta)
        if key not in cache:
            s = surfs[i]
            opts = dict(momentum=beta, beta1=0.9, steps=steps, noise=surfaces[i][3])
            lrs = tuned_learning_rates(s, names, **opts) if lr == "tuned" else {n: lr for n in names}
            cache[key] = compute_trajectories(s, names, lr=lrs, **opts)
        return cache[key]

    def render(state):
        i, a_i, b_i = state
        s, beta, lr = surfs[i], beta_options(i)[b_i], lr_options(i)[a_i]
        result = runs(i, lr, beta)
        xs, ys, z, low = _contour_data(s, n=40)
        traces = [dict(x=rounded(xs), y=rounded(ys), z=[rounded(r, 3) for r in z])]
        ref = _reference(s, result, low)
        for n in names:
            path, loss = _run_attrs(s, result[n], ref, compact=True, digits=3)
            traces += [dict(path, name=_label(n, result[n], tuned=lr == "tuned")), loss]
        traces.append(dict(x=[s.start[0]], y=[s.start[1]]))
        mode = "each optimizer at its tuned α" if lr == "tuned" else f"α = {lr:g} for all"
        noise = "" if surfaces[i][3] == 0 else f", gradient noise σ = {surfaces[i][3]:g}"
        title = f"{surfaces[i][0]}<br><sup>{mode}; momentum β = {beta:g}{noise}</sup>"
        return traces, {"title.text": title, "annotations": _note(explain_trajectories(result)),
                        "xaxis.range": list(s.x_range), "yaxis.range": list(s.y_range), "xaxis2.range": [0, steps]}

    spec, _ = _spec(surfs[default_surface], names=names, height=height, contour_n=40)
    spec["layout"]["margin"].update(t=top, b=bottom)
    spec["layout"]["legend"]["y"] = -0.07
    fig = go.Figure(spec)
    # the last control that changes each trace: the contour and the start point change with the problem only,
    # Newton too; GD/RMSProp/Adam also with α; heavy ball and Nesterov with β too
    depth = {"Newton": 0, **{n: 2 for n in _MOMENTUM_METHODS}}
    levels = [0] + [depth.get(n, 1) for n in names for _ in ("path", "loss")] + [0]
    return states_figure(fig, controls, render, default=(default_surface, 0, 0), levels=levels)
