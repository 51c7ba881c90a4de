"""Loss explorer: how L1, MSE, Huber, cross-entropy and hinge react to an outlier or a confidently wrong prediction.

Regression half: ten fixed samples plus one outlier whose value you choose. The constant prediction that
minimises each mean loss is the mean (MSE), the median (L1) or a compromise (Huber); the gradient the
outlier sends back grows with its residual for MSE, but is capped for L1 and Huber.

Classification half: two classes, the true class has logit 0 and the wrong class logit ``z``. For large
``z`` the network is confidently wrong. Cross-entropy's gradient tends to 1 (it keeps pushing), the hinge
loss's gradient is 1 as soon as the margin is violated, and the squared error on softmax probabilities
has a gradient that *vanishes* — the classic reason not to train classifiers with MSE.

Every number comes from the package's losses (:mod:`helpers.numpy_impl.losses`) and their hand-written
backward passes. Layers: ``compute_`` / ``plot_`` / ``_explorer`` / ``static_`` (see :mod:`helpers.widgets`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from .. import numpy_impl as hn
from ..core._validation import check_int, check_real
from .display import fill_subplots

__all__ = ["REGRESSION_LOSSES", "CLASSIFICATION_LOSSES", "compute_loss_explorer", "plot_loss_explorer",
           "loss_explorer", "static_loss_explorer"]

REGRESSION_LOSSES = ("MSE", "L1", "Huber")
CLASSIFICATION_LOSSES = ("cross-entropy", "hinge", "MSE on softmax")
COLORS = {"MSE": "#1f77b4", "L1": "#d62728", "Huber": "#2ca02c",
          "cross-entropy": "#9467bd", "hinge": "#ff7f0e", "MSE on softmax": "#1f77b4"}
_BASE = np.sort(np.random.default_rng(0).standard_normal(10))  # the ten well-behaved samples


def _regression_loss(name, pred, y, delta, reduction="mean"):
    if name == "MSE":
        return hn.mse_loss_forward(pred, y, reduction=reduction)
    if name == "L1":
        return hn.l1_loss_forward(pred, y, reduction=reduction)
    return hn.huber_loss_forward(pred, y, reduction=reduction, delta=delta)


def _regression_grad(name, pred, y, delta):
    """d loss / d prediction for every element (reduction "none", upstream gradient 1)."""
    _, cache = _regression_loss(name, pred, y, delta, reduction="none")
    backward = {"MSE": hn.mse_loss_backward, "L1": hn.l1_loss_backward, "Huber": hn.huber_loss_backward}[name]
    return backward(np.ones_like(pred), cache)[0]


def _best_constant(name, y, delta):
    """The constant c minimising mean loss(c, y_i): a 1-D convex problem, solved by bounded Brent search."""
    def mean_loss(c):
        return float(_regression_loss(name, np.full_like(y, c), y, delta)[0])

    res = minimize_scalar(mean_loss, bounds=(float(y.min()), float(y.max())), method="bounded",
                          options={"xatol": 1e-10})
    return float(res.x)


def _classification(z):
    """Loss and d loss / d z of the three classification losses for logits ``[0, z]`` with true class 0."""
    scores = np.stack([np.zeros_like(z), z], axis=1)  # (G, 2)
    labels = np.zeros(len(z), dtype=np.int64)
    out = {}
    ce, cache = hn.softmax_cross_entropy_forward(scores, labels, reduction="none")
    out["cross-entropy"] = (ce, hn.softmax_cross_entropy_backward(np.ones(len(z)), cache)[0][:, 1])
    hinge, cache = hn.multiclass_hinge_loss_forward(scores, labels, reduction="none")
    out["hinge"] = (hinge, hn.multiclass_hinge_loss_backward(np.ones(len(z)), cache)[0][:, 1])
    p, s_cache = hn.softmax_forward(scores, dim=1)
    onehot = np.eye(2)[labels]
    sq, cache = hn.mse_loss_forward(p, onehot, reduction="none")  # (G, 2) per-class squared errors
    (dp,) = hn.mse_loss_backward(np.ones_like(p), cache)
    (dscores,) = hn.softmax_backward(dp, s_cache)  # chain rule through the softmax
    out["MSE on softmax"] = (sq.sum(axis=1), dscores[:, 1])
    return out


def compute_loss_explorer(*, outlier: float = 8.0, wrong_logit: float = 4.0, delta: float = 1.0,
                          n_grid: int = 121) -> dict:
    """All curves and markers of the loss explorer (pure NumPy, deterministic).

    ``outlier``: value of the eleventh regression sample; ``wrong_logit``: logit of the wrong class
    (the true class has logit 0); ``delta``: the Huber threshold.
    """
    outlier = check_real(outlier, "outlier", "compute_loss_explorer", low=-50.0, high=50.0)
    wrong_logit = check_real(wrong_logit, "wrong_logit", "compute_loss_explorer", low=-20.0, high=20.0)
    delta = check_real(delta, "delta", "compute_loss_explorer", low=0.01, high=20.0)
    n_grid = check_int(n_grid, "n_grid", "compute_loss_explorer", low=11)
    y = np.sort(np.append(_BASE, outlier))  # 11 samples: the median is one of them
    c_grid = np.linspace(y.min() - 1.0, y.max() + 1.0, n_grid)
    estimates, curves = {}, {}
    for name in REGRESSION_LOSSES:
        estimates[name] = _best_constant(name, y, delta)
        curves[name] = np.array([float(_regression_loss(name, np.full_like(y, c), y, delta)[0]) for c in c_grid])
    # residual of the outlier under each fit, and d loss / d prediction as a function of the residual
    outlier_residual = {name: estimates[name] - outlier for name in REGRESSION_LOSSES}
    span = max(3.0, max(abs(r) for r in outlier_residual.values()) + 1.0)
    r_grid = np.linspace(-span, span, n_grid)
    grad_curves = {name: _regression_grad(name, r_grid, np.zeros_like(r_grid), delta) for name in REGRESSION_LOSSES}
    outlier_grad = {name: float(_regression_grad(name, np.array([outlier_residual[name]]), np.zeros(1), delta)[0])
                    for name in REGRESSION_LOSSES}

    z_grid = np.linspace(min(-4.0, wrong_logit - 1.0), max(10.0, wrong_logit + 1.0), n_grid)
    cls = _classification(z_grid)
    at = _classification(np.array([wrong_logit]))
    return {
        "outlier": outlier, "wrong_logit": wrong_logit, "delta": delta, "samples": y,
        "c_grid": c_grid, "mean_loss": curves, "estimates": estimates,
        "r_grid": r_grid, "grad_curves": grad_curves, "outlier_residual": outlier_residual,
        "outlier_grad": outlier_grad,
        "z_grid": z_grid, "cls_loss": {k: v[0] for k, v in cls.items()}, "cls_grad": {k: v[1] for k, v in cls.items()},
        "cls_at": {k: (float(v[0][0]), float(v[1][0])) for k, v in at.items()},
    }


def _r(a):
    """Round what is drawn (keeps the static figure small; 5 digits are far below what the eye sees)."""
    return np.round(np.asarray(a, dtype=np.float64), 5)


def _traces(r: dict, *, visible=True):
    """(trace, row, col) triples; always the same number and order of traces (the static slider relies on it)."""
    import plotly.graph_objects as go

    out = [(go.Scatter(x=_r(r["samples"]), y=np.zeros(len(r["samples"])), mode="markers", name="samples",
                       marker={"color": "black", "size": 8}, visible=visible, showlegend=False), 1, 1)]
    for name in REGRESSION_LOSSES:
        curve = r["mean_loss"][name]
        scaled = (curve - curve.min()) / max(curve.max() - curve.min(), 1e-12)  # each curve scaled to [0, 1]
        out.append((go.Scatter(x=_r(r["c_grid"]), y=_r(scaled), name=name, legendgroup=name, visible=visible,
                               line={"color": COLORS[name]}), 1, 1))
        out.append((go.Scatter(x=[round(r["estimates"][name], 5)], y=[0.0], mode="markers", legendgroup=name,
                               marker={"color": COLORS[name], "size": 13, "symbol": "triangle-up"},
                               name=f"argmin {name} = {r['estimates'][name]:.3f}", visible=visible,
                               showlegend=False), 1, 1))
    for name in REGRESSION_LOSSES:
        out.append((go.Scatter(x=_r(r["r_grid"]), y=_r(r["grad_curves"][name]), legendgroup=name, showlegend=False,
                               line={"color": COLORS[name]}, name=name, visible=visible), 1, 2))
        out.append((go.Scatter(x=[round(r["outlier_residual"][name], 5)], y=[round(r["outlier_grad"][name], 5)],
                               mode="markers", marker={"color": COLORS[name], "size": 11}, legendgroup=name,
                               showlegend=False, name=f"outlier under {name}", visible=visible), 1, 2))
    for panel, key in ((2, "cls_loss"), (3, "cls_grad")):
        col = 1 if panel == 2 else 2
        for k, name in enumerate(CLASSIFICATION_LOSSES):
            out.append((go.Scatter(x=_r(r["z_grid"]), y=_r(r[key][name]), name=name, legendgroup=name,
                                   showlegend=panel == 2, line={"color": COLORS[name], "dash": "dash" if k == 2 else None},
                                   visible=visible), 2, col))
            out.append((go.Scatter(x=[r["wrong_logit"]], y=[round(r["cls_at"][name][panel - 2], 5)], mode="markers",
                                   marker={"color": COLORS[name], "size": 11}, legendgroup=name, showlegend=False,
                                   name=f"{name} at z", visible=visible), 2, col))
    return out


def _title(r: dict) -> str:
    e = r["estimates"]
    g = {k: v[1] for k, v in r["cls_at"].items()}
    return (f"outlier at {r['outlier']:.1f}: mean {e['MSE']:.2f}, median {e['L1']:.2f}, Huber {e['Huber']:.2f} · "
            f"wrong logit z={r['wrong_logit']:.1f}: dCE/dz={g['cross-entropy']:.3f}, "
            f"dMSE/dz={g['MSE on softmax']:.3f}")


def _figure(height=640):
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.16, horizontal_spacing=0.09, subplot_titles=(
        "mean loss of a constant prediction c (scaled to [0, 1]); ▲ = its minimum",
        "d loss / d prediction vs residual; ● = the outlier",
        "loss for logits [0 (true class), z (wrong class)]", "d loss / d z (what the wrong logit is told)"))
    fig.update_layout(height=height, margin={"l": 50, "r": 20, "t": 80, "b": 50},
                      legend={"orientation": "h", "y": -0.12}, title={"font": {"size": 12}})
    fig.update_xaxes(title_text="c", row=1, col=1)
    fig.update_xaxes(title_text="residual (prediction - target)", row=1, col=2)
    fig.update_xaxes(title_text="wrong-class logit z", row=2, col=1)
    fig.update_xaxes(title_text="wrong-class logit z", row=2, col=2)
    for annotation in fig.layout.annotations:
        annotation.font.size = 11
    return fig


def plot_loss_explorer(result: dict):
    """A 2 x 2 plotly figure of one :func:`compute_loss_explorer` result (never displays it)."""
    return fill_subplots(_figure(), _traces(result), _title(result))


def loss_explorer():
    """Sliders for the outlier, the wrong logit and Huber's delta (needs a live kernel)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    outlier = widgets.FloatSlider(value=8.0, min=-20.0, max=40.0, step=0.5, description="outlier",
                                  continuous_update=False)
    wrong = widgets.FloatSlider(value=4.0, min=-4.0, max=15.0, step=0.5, description="wrong logit z",
                                continuous_update=False)
    delta = widgets.FloatSlider(value=1.0, min=0.1, max=5.0, step=0.1, description="Huber δ",
                                continuous_update=False)
    out = widgets.Output()
    for slider in (outlier, wrong, delta):
        slider.style.description_width = "initial"  # the whole label ("wrong logit z" is longer than the default)
    box = widgets.VBox([row(outlier, wrong, delta), out])

    def update(*_):
        result = compute_loss_explorer(outlier=outlier.value, wrong_logit=wrong.value, delta=delta.value)
        redraw(out, plot_loss_explorer(result), owner=box, result=result)

    return wire(box, dict(outlier=outlier, wrong_logit=wrong, delta=delta), update)


def static_loss_explorer(*, outliers=(0.0, 3.0, 6.0, 10.0, 15.0, 20.0, 30.0), wrong_logits=(-2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0),
                         delta: float = 1.0):
    """One figure with a slider that moves the outlier and the wrong logit together (works without a kernel)."""
    if len(outliers) != len(wrong_logits) or not outliers:
        raise ValueError("The 'outliers' and 'wrong_logits' arguments of static_loss_explorer must be non-empty "
                         f"and of equal length. Got {len(outliers)} and {len(wrong_logits)} instead.")
    results = [compute_loss_explorer(outlier=float(o), wrong_logit=float(z), delta=delta, n_grid=81)
               for o, z in zip(outliers, wrong_logits)]
    fig = _figure(height=680)
    per_step = None
    for i, r in enumerate(results):
        traces = _traces(r, visible=i == 0)
        per_step = len(traces)
        for trace, row, col in traces:
            fig.add_trace(trace, row=row, col=col)
    steps = []
    for i, r in enumerate(results):
        visible = [j // per_step == i for j in range(per_step * len(results))]
        steps.append({"method": "update", "label": f"{r['outlier']:g} / {r['wrong_logit']:g}",
                      "args": [{"visible": visible}, {"title.text": _title(r)}]})
    fig.update_layout(title={"text": _title(results[0])},
                      sliders=[{"active": 0, "steps": steps, "pad": {"t": 60},
                                "currentvalue": {"prefix": "outlier / wrong logit z: "}}])
    return fig
