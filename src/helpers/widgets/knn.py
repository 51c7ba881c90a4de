"""kNN decision regions on two noisy half-moons: how k, the metric (L1/L2) and the noise shape them.

Layers (see :mod:`helpers.widgets`): :func:`compute_knn_regions` (pure NumPy, deterministic),
:func:`plot_knn_regions` (plotly figure), :func:`knn_explorer` (ipywidgets) and
:func:`static_knn_regions` (one plotly figure with a slider over precomputed (metric, k) states).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_int_in_range, check_listed
from ..numpy_impl.classical import knn_predict

__all__ = ["compute_knn_regions", "plot_knn_regions", "knn_explorer", "static_knn_regions"]

COLORS = ("#1f77b4", "#ff7f0e")  # class 0, class 1


def _moons(n: int, noise: float, seed: int):
    """Two interleaving half-circles with Gaussian noise (as sklearn's make_moons), shuffled."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    x = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n - n0, dtype=np.int64)])
    x = x + noise * rng.standard_normal(x.shape)
    perm = rng.permutation(n)
    return x[perm], y[perm]


def compute_knn_regions(*, k: int = 5, metric: str = "l2", noise: float = 0.25, n_train: int = 120,
                        n_val: int = 200, resolution: int = 70, seed: int = 0) -> dict:
    """Predicted class on a ``resolution``² grid, plus training and validation accuracy.

    The data (train and validation split of the same moons) depend only on ``noise`` and ``seed``,
    so changing ``k`` or ``metric`` changes the classifier and nothing else.
    """
    check_int_in_range(k, "k", "compute_knn_regions", high=n_train)
    check_listed(metric, "metric", "compute_knn_regions", ("l1", "l2"))
    if not (isinstance(noise, (int, float)) and 0 <= noise <= 2):
        raise ValueError(f"The 'noise' argument of compute_knn_regions must be a float in [0, 2]. Got {noise!r} instead.")
    check_int_in_range(resolution, "resolution", "compute_knn_regions", low=2, high=400)
    x, y = _moons(n_train + n_val, noise, seed)
    x_train, y_train, x_val, y_val = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    lo, hi = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (R*R, 2), rows = y, columns = x
    regions = knn_predict(x_train, y_train, grid, k=k, metric=metric).reshape(resolution, resolution)
    train_acc = float((knn_predict(x_train, y_train, x_train, k=k, metric=metric) == y_train).mean())
    val_acc = float((knn_predict(x_train, y_train, x_val, k=k, metric=metric) == y_val).mean())
    return {"k": k, "metric": metric, "noise": noise, "gx": gx, "gy": gy, "regions": regions,
            "x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val,
            "train_acc": train_acc, "val_acc": val_acc}


def _title(r: dict) -> str:
    return (f"kNN, k = {r['k']}, {r['metric'].upper()} · noise {r['noise']:.2f} · "
            f"train acc {r['train_acc']:.2f} · validation acc {r['val_acc']:.2f}")


def _traces(r: dict, *, visible=True, show_points=True):
    import plotly.graph_objects as go

    scale = [[0, COLORS[0]], [1, COLORS[1]]]
    traces = [go.Heatmap(x=r["gx"], y=r["gy"], z=r["regions"], colorscale=scale, zmin=0, zmax=1, opacity=0.3,
                         showscale=False, hoverinfo="skip", visible=visible)]
    if show_points:
        for c in (0, 1):
            pts = r["x_train"][r["y_train"] == c]
            traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c} (train)",
                                     marker={"color": COLORS[c], "size": 6, "line": {"width": 0.5, "color": "white"}}))
    return traces


def plot_knn_regions(result: dict):
    """A plotly figure: decision regions as a heatmap, training points on top."""
    import plotly.graph_objects as go

    fig = go.Figure(_traces(result))
    fig.update_layout(title=_title(result), height=460, margin={"l": 40, "r": 20, "t": 60, "b": 40},
                      xaxis_title="x₁", yaxis_title="x₂", legend={"orientation": "h", "y": -0.15})
    return fig


def knn_explorer(*, n_train: int = 120, seed: int = 0):
    """Sliders for k and noise and a metric dropdown, redrawing the regions (needs a live kernel)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    k = widgets.IntSlider(value=5, min=1, max=n_train, step=1, description="k", continuous_update=False)
    metric = widgets.Dropdown(options=[("L2 (Euclidean)", "l2"), ("L1 (Manhattan)", "l1")], value="l2",
                              description="metric")
    noise = widgets.FloatSlider(value=0.25, min=0.0, max=1.0, step=0.05, description="noise",
                                continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(k, metric, noise), out])

    def update(*_):
        result = compute_knn_regions(k=k.value, metric=metric.value, noise=noise.value, n_train=n_train, seed=seed)
        redraw(out, plot_knn_regions(result), owner=box, result=result)

    return wire(box, dict(k=k, metric=metric, noise=noise), update)


def static_knn_regions(*, ks=(1, 3, 7, 15, 31, 61), metrics=("l2", "l1"), noise: float = 0.3, seed: int = 0):
    """One plotly figure with a slider over every (metric, k) pair; works without a kernel."""
    import plotly.graph_objects as go

    results = [compute_knn_regions(k=k, metric=m, noise=noise, seed=seed) for m in metrics for k in ks]
    fig = go.Figure()
    for i, r in enumerate(results):  # one heatmap per state; the points are the same for all
        fig.add_traces(_traces(r, visible=i == 0, show_points=False))
    fig.add_traces(_traces(results[0])[1:])
    n = len(results)
    steps = []
    for i, r in enumerate(results):
        visible = [j == i for j in range(n)] + [True, True]
        steps.append({"method": "update", "label": f"{r['metric'].upper()} k={r['k']}",
                      "args": [{"visible": visible}, {"title": _title(r)}]})
    fig.update_layout(title=_title(results[0]), height=520, margin={"l": 40, "r": 20, "t": 60, "b": 40},
                      xaxis_title="x₁", yaxis_title="x₂", showlegend=False,
                      sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": "state: "}, "pad": {"t": 40}}])
    return fig
