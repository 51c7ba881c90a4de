"""The optimizer-trajectory widget, layers 2–4: the plotly figure, the ipywidgets explorer and the static variant.

``plot_trajectories`` draws paths on the contour plot (left) and f − f* per step on a log scale (right);
``readout_html`` is the table beside it (final loss, steps to tolerance, "diverged at step k", and on quadratics
the theory next to the measurement); ``optimizer_explorer`` wires core ipywidgets to them; ``static_optimizer_figure``
precomputes surface × learning-rate states into one plotly figure (a dropdown per surface, a slider per
learning rate) that stays interactive in the HTML book without a kernel.
"""

from __future__ import annotations

import html

import numpy as np

from .optimizer_trajectories import OPTIMIZERS, compute_trajectories, compute_trajectory_grid, quadratic_theory
from .surfaces import Surface, make_surface

__all__ = ["COLORS", "plot_trajectories", "readout_html", "optimizer_explorer", "static_optimizer_figure"]

COLORS = dict(zip(OPTIMIZERS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                               "#17becf")))


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


def _traces(surface, trajectories, low, *, visible=True, decimals=None):
    """Plotly traces for the paths (subplot 1) and the losses (subplot 2)."""
    import plotly.graph_objects as go

    ref = _reference(surface, trajectories, low)
    traces = []
    for name, t in trajectories.items():
        path, gap = t.path, np.maximum(t.losses - ref, 1e-16)
        if decimals is not None:  # smaller JSON for the static figure
            # + 0.0 turns -0.0 into 0.0: a path that converges to a zero coordinate (Newton on the quadratic or
            # the saddle) ends at ±1e-17, and that sign is rounding noise that differs between CPUs
            path, gap = np.round(path, decimals) + 0.0, np.float32(gap)
        label = f"{name} ({t.status()})"
        traces.append(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=label, legendgroup=name,
                                 line=dict(color=COLORS[name], width=2), marker=dict(size=3), visible=visible,
                                 xaxis="x", yaxis="y"))
        traces.append(go.Scatter(x=np.arange(len(gap)), y=gap, mode="lines", name=label, legendgroup=name,
                                 showlegend=False, line=dict(color=COLORS[name]), visible=visible,
                                 xaxis="x2", yaxis="y2"))
    return traces


def _layout(fig, surface, height=460):
    fig.update_layout(height=height, margin=dict(l=50, r=20, t=60, b=40), legend=dict(font=dict(size=10)),
                      xaxis=dict(domain=[0, 0.52], range=list(surface.x_range), title="x"),
                      yaxis=dict(range=list(surface.y_range), title="y"),
                      xaxis2=dict(domain=[0.62, 1.0], title="step"),
                      yaxis2=dict(type="log", title="f − f* (or − lowest seen)", anchor="x2", exponentformat="power"))
    return fig


def plot_trajectories(surface: Surface, trajectories: dict, *, title: str | None = None):
    """A plotly figure: contour + paths (left), f − f* per step on a log scale (right). Never displays."""
    import plotly.graph_objects as go

    xs, ys, z, low = _contour_data(surface)
    fig = go.Figure([go.Contour(x=xs, y=ys, z=z, ncontours=25, colorscale="Greys", showscale=False,
                                contours=dict(coloring="lines"), hoverinfo="skip", name="log₁₀ f")])
    fig.add_traces(_traces(surface, trajectories, low))
    start = surface.start if not trajectories else next(iter(trajectories.values())).path[0]
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", marker=dict(symbol="star", size=12,
                             color="black"), name="start"))
    fig.update_layout(title=title or f"{surface.name}: {surface.formula}")
    return _layout(fig, surface)


def _fmt(value: float) -> str:
    return f"{value:.4g}" if np.isfinite(value) else "—"


def readout_html(surface: Surface, trajectories: dict, *, lr: float, momentum: float, tol: float = 1e-6) -> str:
    """An HTML table: per optimizer final loss, steps to ``tol`` or where it diverged; theory on quadratics."""
    rows = "".join(
        f"<tr><td style='color:{COLORS[n]}'><b>{n}</b></td><td>{_fmt(t.final_loss)}</td><td>{html.escape(t.status())}"
        f"</td></tr>" for n, t in trajectories.items())
    out = (f"<table><tr><th>optimizer</th><th>final loss</th><th>status (tol {tol:g})</th></tr>{rows}</table>"
           "<small>Newton and BFGS take their natural step (length 1, BFGS with backtracking); the learning-rate "
           "slider drives the first-order methods.</small>")
    if surface.eigenvalues is not None:
        th = quadratic_theory(surface.eigenvalues)
        out += (f"<p><b>Theory</b> (eigenvalues {th['lambda_min']:g}, {th['lambda_max']:g}; κ = {th['kappa']:.3g}):"
                f" GD is stable for 0 &lt; α &lt; {th['gd_lr_max']:.4g} (now αλ_max = {lr * th['lambda_max']:.3g});"
                f" α* = {th['gd_lr_opt']:.4g}, rate (κ−1)/(κ+1) = {th['gd_rate']:.4f}."
                f" Heavy ball: α* = {th['hb_lr_opt']:.4g}, β* = {th['hb_momentum_opt']:.4f}, rate (√κ−1)/(√κ+1) ="
                f" {th['hb_rate']:.4f} (now β = {momentum:.3g}).</p>")
    return out


def optimizer_explorer(*, surface: str = "quadratic", optimizers=("GD", "Momentum", "Nesterov", "Adam", "Newton")):
    """The interactive widget (core ipywidgets only). Returns a VBox; ``box.figure`` and ``box.result`` hold the
    latest figure and trajectories (used by the tests).

    One redraw per change of state: sliders send their value when released (no stream of intermediate values, no
    echo of the value the front end rounds to its grid), and the "optimal" buttons set α (and β) together. The
    buttons set the exact α* (and β*); the sliders show them rounded to their step, the read-out the values used.
    """
    import ipywidgets as w

    from helpers.expr import ExpressionError

    from .display import redraw, wire

    style, layout = {"description_width": "135px"}, w.Layout(width="380px")
    slider = dict(continuous_update=False)
    c = dict(
        surface=w.Dropdown(options=list(("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "plateau",
                                         "rastrigin", "custom")), value=surface, description="surface"),
        expression=w.Text(value="x^2 + 5*y^2 + sin(3*x)", description="custom f(x, y)", continuous_update=False),
        kappa=w.FloatLogSlider(value=10, base=10, min=0, max=3, description="κ (quadratic)", **slider),
        angle=w.FloatSlider(value=30, min=0, max=90, step=5, description="angle (°)", **slider),
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
    box.figure, box.result = None, {}

    def current_surface():
        return make_surface(c["surface"].value, kappa=c["kappa"].value, angle=c["angle"].value,
                            expression=c["expression"].value)

    def update():
        try:
            s = current_surface()
        except ExpressionError as err:
            readout.value = f"<b style='color:#b00'>Cannot use this expression:</b> {html.escape(str(err))}"
            return
        lr, momentum = c["lr"].value, c["momentum"].value
        result = compute_trajectories(s, tuple(c["optimizers"].value), lr=lr, momentum=momentum,
                                      beta2=c["beta2"].value, start=(c["x0"].value, c["y0"].value),
                                      steps=c["steps"].value, noise=c["noise"].value, damping=c["damping"].value)
        box.result, box.figure = result, plot_trajectories(s, result)
        readout.value = (f"<small>Used: α = {lr:.4g}, β = {momentum:.4g}, β₂ = {c['beta2'].value:.4g}</small>"
                         + readout_html(s, result, lr=lr, momentum=momentum))
        redraw(out, box.figure)

    def use_optimal(momentum_too):
        s = current_surface() if c["surface"].value == "quadratic" else None
        if s is None:
            readout.value = "<b>The optimal values are known for the quadratic surface only.</b>"
            return
        th = quadratic_theory(s.eigenvalues)
        values = {"lr": th["hb_lr_opt"] if momentum_too else th["gd_lr_opt"]}
        if momentum_too:
            values["momentum"] = min(th["hb_momentum_opt"], 0.99)
        set_values(**values)

    def set_values(**values):
        """Set several controls (by name) and recompute once."""
        with box.wiring.hold():
            for name, value in values.items():
                c[name].value = value

    gd_button.on_click(lambda _: use_optimal(False))
    hb_button.on_click(lambda _: use_optimal(True))
    box.controls, box.buttons, box.set_values = c, (gd_button, hb_button), set_values
    return wire(box, list(c.values()), update)


def static_optimizer_figure(surfaces=("quadratic", "rosenbrock", "himmelblau", "saddle", "plateau"),
                            lr_factors=(0.1, 0.3, 1, 3, 10, 30), optimizers=("GD", "Momentum", "Nesterov", "RMSProp",
                                                                            "Adam", "Newton"), *, steps=120):
    """One plotly figure with every surface × learning-rate state precomputed (interactive without a kernel).

    A dropdown picks the surface (and swaps in that surface's slider); the slider picks the learning rate
    (``lr_factors`` × the surface's own ``lr``). Only the chosen state's traces are visible.
    """
    import plotly.graph_objects as go

    fig, blocks = go.Figure(), []  # blocks: (surface, [trace indices per lr], contour index, lrs)
    for name in surfaces:
        s = make_surface(name)
        xs, ys, z, low = _contour_data(s, n=50)
        contour_index = len(fig.data)
        fig.add_trace(go.Contour(x=np.round(xs, 3), y=np.round(ys, 3), z=z, ncontours=20, colorscale="Greys",
                                 showscale=False, contours=dict(coloring="lines"), hoverinfo="skip", visible=False))
        lrs = [s.lr * f for f in lr_factors]
        grid = compute_trajectory_grid(s, lrs, optimizers, steps=steps)
        per_lr = []
        for result in grid:
            first = len(fig.data)
            fig.add_traces(_traces(s, result, low, visible=False, decimals=4))
            per_lr.append(list(range(first, len(fig.data))))
        blocks.append((s, per_lr, contour_index, lrs))
    n = len(fig.data)

    def visibility(b, j):
        vis = [False] * n
        vis[blocks[b][2]] = True
        for i in blocks[b][1][j]:
            vis[i] = True
        return vis

    default_j = list(lr_factors).index(1) if 1 in lr_factors else 0
    sliders = []
    for b, (_, _, _, lrs) in enumerate(blocks):
        steps_ = [dict(method="restyle", label=f"{lr:.3g}", args=[{"visible": visibility(b, j)}])
                  for j, lr in enumerate(lrs)]
        sliders.append([dict(active=default_j, currentvalue=dict(prefix="learning rate α = "), steps=steps_,
                             pad=dict(t=40), x=0.0, len=0.55)])
    buttons = [dict(label=s.name, method="update",
                    args=[{"visible": visibility(b, default_j)},
                          {"sliders": sliders[b], "xaxis.range": list(s.x_range), "yaxis.range": list(s.y_range),
                           "title.text": f"{s.name}: {s.formula}"}])
               for b, (s, _, _, _) in enumerate(blocks)]
    for i, v in enumerate(visibility(0, default_j)):
        fig.data[i].visible = v
    first = blocks[0][0]
    fig.update_layout(updatemenus=[dict(buttons=buttons, direction="down", x=1.0, xanchor="right", y=1.18)],
                      sliders=sliders[0], title=f"{first.name}: {first.formula}")
    return _layout(fig, first, height=560)
