"""Which values share one mean and variance in batch, layer, instance and group norm; and dropout masks (ch. 8).

Normalisation sets: a block of activations (N, C, H·W) is drawn as a 3-D grid of cubes (Wu & He's figure); the
cubes that are averaged together with one chosen value (sample n, channel c) are highlighted. The sets are
computed from the definitions and checked in the tests against the non-zero pattern of the hand-written
backward passes (a value's output depends exactly on the values of its set).

Dropout masks: a layer of units with fixed activations ``x``; rows of random keep-masks; the mean output over
many masks in training against the output at test time, for the lecture's non-inverted form (train ``x * mask``,
test ``(1 - p) x``) and PyTorch's inverted form (train ``x * mask / (1 - p)``, test ``x``). Both agree in
expectation. Layers: ``compute_`` / ``plot_`` / ``_explorer`` / ``static_``.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_choice, check_int, check_real
from ..numpy_impl.layers import dropout_inverted_forward, dropout_noninverted_forward
from .display import fill_subplots

__all__ = ["NORM_KINDS", "compute_normalization_sets", "plot_normalization_axes", "plot_normalization_block",
           "normalization_axes_explorer",
           "static_normalization_axes", "compute_dropout_masks", "plot_dropout_masks", "dropout_masks_explorer",
           "static_dropout_masks"]

NORM_KINDS = ("batch", "layer", "instance", "group")
_AXES_TEXT = {"batch": "(N, H·W) for each channel", "layer": "(C, H·W) for each sample",
              "instance": "(H·W) for each sample and channel", "group": "(C/G, H·W) for each sample and group"}


def compute_normalization_sets(kind: str = "batch", *, n: int = 4, c: int = 6, hw: int = 5, num_groups: int = 2,
                               sample: int = 0, channel: int = 0) -> dict:
    """The boolean mask (n, c, hw) of the values normalised with the same statistics as (sample, channel, ·).

    Also: ``size`` (values per statistic), ``n_statistics`` (how many mean/variance pairs the layer computes) and
    ``text`` (the axes in words).
    """
    func = "compute_normalization_sets"
    check_choice(kind, "kind", func, NORM_KINDS)
    n, c, hw = (check_int(v, name, func, low=1) for v, name in ((n, "n"), (c, "c"), (hw, "hw")))
    g = check_int(num_groups, "num_groups", func, low=1)
    if kind == "group" and c % g:
        raise ValueError(f"The 'num_groups' argument of {func} must divide c={c}. Got {g} instead.")
    sample, channel = check_int(sample, "sample", func, low=0), check_int(channel, "channel", func, low=0)
    if sample >= n or channel >= c:
        raise ValueError(f"The 'sample' and 'channel' arguments of {func} must be < n={n} and < c={c}. "
                         f"Got {sample} and {channel} instead.")
    same_sample = np.arange(n)[:, None, None] == sample  # (n, 1, 1)
    same_channel = np.arange(c)[None, :, None] == channel  # (1, c, 1)
    same_group = (np.arange(c) // (c // g))[None, :, None] == channel // (c // g)
    mask = {"batch": same_channel, "layer": same_sample, "instance": same_sample & same_channel,
            "group": same_sample & same_group}[kind]
    mask = np.broadcast_to(mask, (n, c, hw)).copy()
    n_stats = {"batch": c, "layer": n, "instance": n * c, "group": n * g}[kind]
    name = f"group norm (G = {g})" if kind == "group" else f"{kind} norm"
    return {"kind": kind, "mask": mask, "size": int(mask.sum()), "n_statistics": n_stats, "num_groups": g,
            "text": f"{name}: mean and variance over {_AXES_TEXT[kind]}: {int(mask.sum())} values per statistic, "
                    f"{n_stats} statistics"}


def _cube_traces(r: dict, *, visible=True):
    import plotly.graph_objects as go

    nn_, cc, ww = np.nonzero(np.ones_like(r["mask"]))  # every cell, in C order
    on = r["mask"].ravel()
    style = {"symbol": "square", "size": 11, "line": {"width": 1, "color": "#333"}}
    return [go.Scatter3d(x=cc[~on], y=ww[~on], z=nn_[~on], mode="markers", name="other values", visible=visible,
                         marker={**style, "color": "#d9d9d9", "opacity": 0.35}, hoverinfo="skip"),
            go.Scatter3d(x=cc[on], y=ww[on], z=nn_[on], mode="markers", name="one shared mean and variance",
                         visible=visible, marker={**style, "color": "#1f77b4"})]


def _cube_figure():
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(height=460, margin={"l": 0, "r": 0, "t": 60, "b": 0}, title={"font": {"size": 13}},
                      legend={"orientation": "h", "y": 0.02},
                      scene={"xaxis_title": "C (channel)", "yaxis_title": "H·W (position)", "zaxis_title": "N (sample)",
                             "aspectmode": "data", "camera": {"eye": {"x": 1.6, "y": -1.6, "z": 1.0}}})
    return fig


def plot_normalization_axes(result: dict):
    """The (N, C, H·W) block as cubes; the values sharing statistics with the chosen one in colour."""
    fig = _cube_figure()
    fig.add_traces(_cube_traces(result))
    fig.update_layout(title={"text": result["text"]})
    return fig


def plot_normalization_block(result: dict, *, sample: int = 0, channel: int = 0):
    """The (N, C, H·W) block drawn flat, one C × H·W sheet per sample side by side (2-D, no WebGL): the values
    sharing statistics with the chosen one in colour, the chosen (sample, channel) column outlined.

    The explorer's view: it redraws at once in any browser, where the 3-D cubes of :func:`plot_normalization_axes`
    need WebGL (seconds per redraw with software rendering)."""
    import plotly.graph_objects as go

    mask = result["mask"]
    n, c, hw = mask.shape
    gap = 1.5  # between two samples' sheets
    offset = [k * (c + gap) for k in range(n)]
    traces = [go.Heatmap(z=mask[k].T.astype(int).tolist(), x=[o + j + 0.5 for j in range(c)],
                         y=[p + 0.5 for p in range(hw)], zmin=0, zmax=1, showscale=False, xgap=2, ygap=2,
                         colorscale=[[0, "#e3e3e3"], [1, "#1f77b4"]], hoverinfo="skip", name=f"sample {k}")
              for k, o in enumerate(offset)]
    x0 = offset[sample] + channel
    traces.append(go.Scatter(x=[x0, x0 + 1, x0 + 1, x0, x0], y=[0, 0, hw, hw, 0], mode="lines", hoverinfo="skip",
                             line=dict(color="#111", width=3), name="the chosen value", showlegend=False))
    fig = go.Figure(traces)
    width = offset[-1] + c
    fig.update_layout(
        height=340, margin={"l": 30, "r": 10, "t": 60, "b": 10}, plot_bgcolor="white",
        title={"text": result["text"], "font": {"size": 13}},
        xaxis=dict(range=[-1.0, width + 0.5], visible=False),
        yaxis=dict(range=[-1.9, hw + 1.2], visible=False, scaleanchor="x"),
        annotations=[dict(x=o + c / 2, y=hw + 0.6, text=f"sample n = {k}", showarrow=False)
                     for k, o in enumerate(offset)]
        + [dict(x=c / 2, y=-0.5, text="C (channel) →", showarrow=False),
           dict(x=-0.6, y=hw / 2, text="H·W →", textangle=-90, showarrow=False),
           dict(x=width / 2, y=-1.5, showarrow=False,
                text=f"<span style='color:#1f77b4'>■</span> normalised with one shared mean and variance · "
                     f"outlined: the chosen value (n = {sample}, c = {channel}) at every H·W position")])
    return fig


def normalization_axes_explorer(*, n: int = 4, c: int = 6, hw: int = 5):
    """Kind, number of groups, sample and channel controls; needs a live kernel. Draws the 2-D oblique view
    (:func:`plot_normalization_block`), which redraws at once in any browser."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    kind = widgets.Dropdown(options=list(NORM_KINDS), value="batch", description="norm")
    groups = widgets.Dropdown(options=[g for g in range(1, c + 1) if c % g == 0], value=2 if c % 2 == 0 else 1,
                              description="groups G")
    sample = widgets.IntSlider(value=0, min=0, max=n - 1, description="sample n", continuous_update=False)
    channel = widgets.IntSlider(value=0, min=0, max=c - 1, description="channel c", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(kind, groups), row(sample, channel), out])

    def update(*_):
        result = compute_normalization_sets(kind.value, n=n, c=c, hw=hw, num_groups=int(groups.value),
                                            sample=int(sample.value), channel=int(channel.value))
        fig = plot_normalization_block(result, sample=int(sample.value), channel=int(channel.value))
        redraw(out, fig, owner=box, result=result)

    return wire(box, dict(kind=kind, groups=groups, sample=sample, channel=channel), update)


def static_normalization_axes(*, settings=(("batch", 1), ("layer", 1), ("instance", 1), ("group", 2), ("group", 3)),
                              n: int = 4, c: int = 6, hw: int = 5, sample: int = 1, channel: int = 2):
    """A slider over the normalisations (precomputed, works without a kernel)."""
    fig = _cube_figure()
    results = [compute_normalization_sets(k, n=n, c=c, hw=hw, num_groups=g, sample=sample, channel=channel)
               for k, g in settings]
    for i, r in enumerate(results):
        fig.add_traces(_cube_traces(r, visible=i == 0))
    labels = [f"group G={r['num_groups']}" if r["kind"] == "group" else r["kind"] for r in results]
    fig.update_layout(title={"text": results[0]["text"]}, sliders=[{
        "active": 0, "pad": {"t": 10}, "currentvalue": {"prefix": "normalisation: "},
        "steps": [{"method": "update", "label": label,
                   "args": [{"visible": [j // 2 == i for j in range(2 * len(results))]}, {"title.text": r["text"]}]}
                  for i, (label, r) in enumerate(zip(labels, results, strict=True))]}])
    return fig


# ---------------------------------------------------------------------------------------------- dropout masks
def compute_dropout_masks(p: float = 0.5, *, n_units: int = 12, n_rows: int = 8, n_draws: int = 20000,
                          seed: int = 0) -> dict:
    """Keep-masks (n_rows, n_units) and the train-time means over ``n_draws`` masks of both dropout forms.

    Keys: ``x`` (the fixed activations), ``mask`` (1 = kept), ``lecture_train_mean``, ``lecture_test``,
    ``pytorch_train_mean``, ``pytorch_test`` (all (n_units,)), and ``max_gap`` (largest |train mean - test| of
    either form, relative to max |x|: Monte-Carlo noise of order sqrt(p / ((1 - p) n_draws))).
    """
    func = "compute_dropout_masks"
    p = check_real(p, "p", func, low=0.0, high=0.95)
    n_units = check_int(n_units, "n_units", func, low=1)
    n_rows = check_int(n_rows, "n_rows", func, low=1)
    n_draws = check_int(n_draws, "n_draws", func, low=1)
    rng = np.random.default_rng(check_int(seed, "seed", func, low=0))
    x = np.round(rng.uniform(0.2, 2.0, n_units), 2)
    mask = (rng.random((n_rows, n_units)) >= p).astype(float)
    many = np.broadcast_to(x, (n_draws, n_units))
    lecture, _ = dropout_noninverted_forward(many, p=p, rng=rng)
    pytorch, _ = dropout_inverted_forward(many, p=p, rng=rng)
    lecture_test, _ = dropout_noninverted_forward(x, p=p, training=False)
    pytorch_test, _ = dropout_inverted_forward(x, p=p, training=False)
    out = {"p": p, "x": x, "mask": mask, "lecture_train_mean": lecture.mean(axis=0), "lecture_test": lecture_test,
           "pytorch_train_mean": pytorch.mean(axis=0), "pytorch_test": pytorch_test, "n_draws": n_draws}
    gaps = [np.abs(out["lecture_train_mean"] - lecture_test).max(), np.abs(out["pytorch_train_mean"] - pytorch_test).max()]
    out["max_gap"] = float(max(gaps) / np.abs(x).max())
    return out


def _dropout_traces(r: dict, *, visible=True):
    import plotly.graph_objects as go

    units = list(range(1, len(r["x"]) + 1))
    heat = go.Heatmap(z=(r["mask"] * r["x"] / (1 - r["p"])).round(3).tolist(), x=units,
                      y=[f"mask {i + 1}" for i in range(len(r["mask"]))], colorscale="Blues", zmin=0,
                      showscale=False, visible=visible, name="training outputs (inverted)")
    bars = [(name, np.round(r[key], 4).tolist(), color) for name, key, color in (
        ("lecture: train mean", "lecture_train_mean", "#9ecae1"), ("lecture: test (1-p)·x", "lecture_test", "#08519c"),
        ("PyTorch: train mean", "pytorch_train_mean", "#fdae6b"), ("PyTorch: test x", "pytorch_test", "#a63603"))]
    return [(heat, 1, 1)] + [(go.Bar(x=units, y=y, name=name, marker_color=color, visible=visible), 1, 2)
                             for name, y, color in bars]


def _dropout_figure():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.08,
                        subplot_titles=("training outputs x·mask/(1−p), one row per mask (white = dropped)",
                                        "mean over many masks vs the test-time output"))
    fig.update_xaxes(title_text="unit", dtick=1)
    fig.update_layout(height=420, barmode="group", margin={"l": 60, "r": 20, "t": 80, "b": 40},
                      legend={"orientation": "h", "y": -0.2}, title={"font": {"size": 13}})
    return fig


def _dropout_title(r: dict) -> str:
    return (f"p = {r['p']:.2f} (drop probability): train means match test outputs to {r['max_gap']:.3f}·max|x| "
            f"over {r['n_draws']} masks")


def plot_dropout_masks(result: dict):
    """Masks (left) and, per unit, the train-time means and test-time outputs of both forms (right)."""
    return fill_subplots(_dropout_figure(), _dropout_traces(result), _dropout_title(result))


def dropout_masks_explorer(*, n_units: int = 12):
    """Drop probability and seed controls; needs a live kernel."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    p = widgets.FloatSlider(value=0.5, min=0.0, max=0.95, step=0.05, description="p (drop)", continuous_update=False)
    seed = widgets.IntSlider(value=0, min=0, max=20, description="seed", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(p, seed), out])

    def update(*_):
        result = compute_dropout_masks(round(float(p.value), 4), n_units=n_units, seed=int(seed.value))
        redraw(out, plot_dropout_masks(result), owner=box, result=result)

    return wire(box, dict(p=p, seed=seed), update)


def static_dropout_masks(*, ps=(0.1, 0.25, 0.5, 0.75, 0.9), seed: int = 0):
    """A slider over the drop probability (precomputed)."""
    fig = _dropout_figure()
    results = [compute_dropout_masks(p, seed=seed) for p in ps]
    per = 0
    for i, r in enumerate(results):
        traces = _dropout_traces(r, visible=i == 0)
        per = len(traces)
        for trace, row, col in traces:
            fig.add_trace(trace, row=row, col=col)
    fig.update_layout(title={"text": _dropout_title(results[0])}, sliders=[{
        "active": 0, "pad": {"t": 60}, "currentvalue": {"prefix": "p = "},
        "steps": [{"method": "update", "label": f"{r['p']:g}",
                   "args": [{"visible": [j // per == i for j in range(per * len(results))]},
                            {"title.text": _dropout_title(r)}]} for i, r in enumerate(results)]}])
    return fig
