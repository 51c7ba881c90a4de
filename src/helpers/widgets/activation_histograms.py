"""Per-layer activation and gradient histograms of a deep net at initialisation (chapter 7).

A stack of ``depth`` fully connected layers of ``width`` units (no biases) with tanh or ReLU is fed unit
Gaussian inputs; a random linear loss ``sum(g * out)`` with ``g ~ N(0, 1)`` sends a gradient back. For each layer
the widget shows the histogram of the activations, the histogram of the gradient with respect to those
activations, and the standard deviations of both and of the weight gradients (log scale). It reproduces the
classic pictures: small weights make the signal vanish with depth and the gradient vanish on its way back to the
input; large weights saturate tanh (most local derivatives are ~0, while the few unsaturated units pass on a
gradient that grows through the large weights) or blow ReLU activations up; Xavier (variance 1/n) keeps tanh
healthy and He (2/n) keeps ReLU healthy.

Everything runs in NumPy with the hand-written layers (``affine``, ``tanh``, ``relu``) and
:func:`helpers.numpy_impl.init.init_weight`. Layers: ``compute_`` / ``plot_`` / ``_explorer`` / ``static_``.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_choice, check_int
from ..numpy_impl.init import init_weight
from ..numpy_impl.layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    tanh_backward,
    tanh_forward,
)

__all__ = ["INITS", "ACTIVATIONS", "compute_activation_histograms", "plot_activation_histograms",
           "activation_histograms_explorer", "static_activation_histograms"]

# name -> (label, init_weight keyword arguments)
INITS = {
    "small": ("small Gaussian σ=0.01", {"scheme": "gaussian", "std": 0.01}),
    "large": ("large Gaussian σ=1", {"scheme": "gaussian", "std": 1.0}),
    "xavier": ("Xavier Var=1/n", {"scheme": "xavier"}),
    "he": ("He Var=2/n", {"scheme": "he"}),
}
ACTIVATIONS = {"tanh": (tanh_forward, tanh_backward), "relu": (relu_forward, relu_backward)}
_FLOOR = 1e-30  # standard deviations below this are drawn at the floor of the log axis
_MAX_COLUMNS = 12  # histogram columns; deeper nets show evenly spaced layers
_CEILING = 1e150  # larger activations would overflow when squared (variances): reported as an overflow


def _histogram(values, bins: int):
    """Fractions of ``values`` in ``bins`` equal bins over [-m, m], m = max |value| (a degenerate layer: [-1, 1]).

    With an odd number of bins, 0 is the centre of a bin: exact zeros (dead ReLUs, their zero gradients) never sit
    on a bin edge, where the last bit of m would decide their bin; the centres are computed so that the middle one
    is exactly 0 (not rounding noise of the edges).
    """
    m = float(np.abs(values).max())
    m = m if m > 0 else 1.0
    counts, edges = np.histogram(values, bins=bins, range=(-m, m))
    centers = m * (2 * np.arange(bins) + 1 - bins) / bins  # = (edges[:-1] + edges[1:]) / 2, exactly symmetric
    return centers, counts / values.size


def compute_activation_histograms(activation: str = "tanh", init: str = "xavier", *, depth: int = 10,
                                  width: int = 256, n_samples: int = 500, bins: int = 31, seed: int = 0) -> dict:
    """Forward and backward pass of the deep net at initialisation; statistics per layer (1..depth).

    Keys: ``act_centers``/``act_fractions`` and ``grad_centers``/``grad_fractions`` (lists of arrays, one per
    layer), ``act_std``, ``grad_std`` (of the gradient w.r.t. the activations), ``wgrad_std`` (of the gradient
    w.r.t. the layer's weights), ``act_mean``, ``saturated`` (fraction of tanh units with |h| > 0.99, or of
    ReLU outputs equal to 0), and ``overflow_at`` (the first layer whose values stopped being finite or exceeded 1e150, else None;
    the lists then end before it).
    """
    func = "compute_activation_histograms"
    check_choice(activation, "activation", func, tuple(ACTIVATIONS))
    check_choice(init, "init", func, tuple(INITS))
    depth = check_int(depth, "depth", func, low=1)
    width = check_int(width, "width", func, low=2)
    n_samples = check_int(n_samples, "n_samples", func, low=2)
    bins = check_int(bins, "bins", func, low=2)
    rng = np.random.default_rng(check_int(seed, "seed", func, low=0))
    forward, backward = ACTIVATIONS[activation]
    h = rng.standard_normal((n_samples, width))
    acts, caches, overflow_at = [], [], None
    for layer in range(1, depth + 1):
        w = init_weight((width, width), rng=rng, **INITS[init][1])  # (out, in)
        with np.errstate(over="ignore", invalid="ignore"):
            z, c_aff = affine_forward(h, w, np.zeros(width))
            h, c_act = forward(z)
        if not (np.isfinite(h).all() and np.abs(h).max() < _CEILING):
            overflow_at = layer
            break
        acts.append(h)
        caches.append((c_aff, c_act))
    dh = rng.standard_normal(h.shape)  # gradient of the random linear loss sum(g * out)
    grads, wgrad_std = [None] * len(acts), np.zeros(len(acts))
    for layer in reversed(range(len(acts))):
        grads[layer] = dh
        c_aff, c_act = caches[layer]
        (dz,) = backward(dh, c_act)
        dh, dw, _ = affine_backward(dz, c_aff)
        wgrad_std[layer] = dw.std()
    act_h = [_histogram(a, bins) for a in acts]
    grad_h = [_histogram(g, bins) for g in grads]
    saturated = [float(np.mean(np.abs(a) > 0.99)) if activation == "tanh" else float(np.mean(a == 0)) for a in acts]
    return {
        "activation": activation, "init": init, "depth": depth, "width": width, "overflow_at": overflow_at,
        "act_centers": [c for c, _ in act_h], "act_fractions": [f for _, f in act_h],
        "grad_centers": [c for c, _ in grad_h], "grad_fractions": [f for _, f in grad_h],
        "act_std": np.array([a.std() for a in acts]), "act_mean": np.array([a.mean() for a in acts]),
        "grad_std": np.array([g.std() for g in grads]), "wgrad_std": wgrad_std, "saturated": np.array(saturated),
    }


def _sig(values, digits: int = 4):
    """Round to significant digits (small JSON, no spurious precision), keeping tiny magnitudes.

    An array, not a list: plotly stores it as a typed array, so a vanishing activation (1e-10, real data) is not
    written out as a decimal that looks like rounding noise in the stored outputs.
    """
    return np.array([float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float)])


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sci(x: float) -> str:
    """``x`` to 3 significant digits, as 3.45×10⁻¹⁰ rather than 3.45e-10 (a real value, not rounding noise)."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.3g}"
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def _title(r: dict) -> str:
    text = f"{r['activation']} + {INITS[r['init']][0]}: "
    if not len(r["act_std"]):
        return text + f"overflow in layer {r['overflow_at']}"
    unit = "saturated" if r["activation"] == "tanh" else "zero"
    text += (f"layer {len(r['act_std'])}: activation std {_sci(r['act_std'][-1])} ({r['saturated'][-1]:.0%} {unit}), "
             f"gradient std at layer 1: {_sci(r['grad_std'][0])}")
    return text + (f" · overflow in layer {r['overflow_at']}" if r["overflow_at"] is not None else "")


def _shown_layers(n_layers: int) -> list[int]:
    """At most ``_MAX_COLUMNS`` evenly spaced layer indices (0-based) get a histogram column."""
    if n_layers <= _MAX_COLUMNS:
        return list(range(n_layers))
    return sorted({int(round(i)) for i in np.linspace(0, n_layers - 1, _MAX_COLUMNS)})


def _traces(r: dict, *, visible=True):
    import plotly.graph_objects as go

    traces = []
    for col, k in enumerate(_shown_layers(len(r["act_std"])), start=1):
        traces.append((go.Bar(x=_sig(r["act_centers"][k]), y=_sig(r["act_fractions"][k], 3), marker_color="#1f77b4",
                              showlegend=False, visible=visible, name=f"activations layer {k + 1}"), 1, col))
        traces.append((go.Bar(x=_sig(r["grad_centers"][k]), y=_sig(r["grad_fractions"][k], 3),
                              marker_color="#d62728", showlegend=False, visible=visible,
                              name=f"gradients layer {k + 1}"), 2, col))
    layers = list(range(1, len(r["act_std"]) + 1))
    for key, name, color in (("act_std", "std of activations", "#1f77b4"), ("grad_std", "std of gradients", "#d62728"),
                             ("wgrad_std", "std of weight gradients", "#2ca02c")):
        traces.append((go.Scatter(x=layers, y=_sig(np.maximum(r[key], _FLOOR)), mode="lines+markers", name=name,
                                  line={"color": color}, visible=visible), 3, 1))
    return traces


def _figure(n_layers: int, height: int = 560):
    from plotly.subplots import make_subplots

    shown = _shown_layers(n_layers) or [0]
    cols = len(shown)
    specs = [[{}] * cols, [{}] * cols, [{"colspan": cols}] + [None] * (cols - 1)]
    fig = make_subplots(rows=3, cols=cols, specs=specs, row_heights=[0.3, 0.3, 0.4], vertical_spacing=0.12,
                        horizontal_spacing=0.01, subplot_titles=[f"L{k + 1}" for k in shown])
    fig.update_xaxes(nticks=3, tickfont={"size": 8}, tickformat=".1e", row=1)
    fig.update_xaxes(nticks=3, tickfont={"size": 8}, tickformat=".1e", row=2)
    fig.update_yaxes(showticklabels=False, row=1)
    fig.update_yaxes(showticklabels=False, row=2)
    fig.update_yaxes(title_text="activations", row=1, col=1)
    fig.update_yaxes(title_text="gradients", row=2, col=1)
    fig.update_yaxes(type="log", title_text="std (log)", exponentformat="power", showticklabels=True, row=3, col=1)
    fig.update_xaxes(title_text="layer", dtick=1, tickformat="d", row=3, col=1)
    fig.update_layout(height=height, bargap=0.05, margin={"l": 60, "r": 20, "t": 80, "b": 40},
                      legend={"orientation": "h", "y": -0.12}, title={"font": {"size": 13}})
    return fig


def plot_activation_histograms(result: dict):
    """Histograms per layer (row 1 activations, row 2 gradients; each with its own x range) and stds per layer."""
    fig = _figure(len(result["act_std"]))
    for trace, row, col in _traces(result):
        fig.add_trace(trace, row=row, col=col)
    fig.update_layout(title={"text": _title(result)})
    return fig


def activation_histograms_explorer(*, n_samples: int = 500, seed: int = 0):
    """Activation, initialisation, depth and width controls; needs a live kernel."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    act = widgets.Dropdown(options=list(ACTIVATIONS), value="tanh", description="activation")
    init = widgets.Dropdown(options=[(label, k) for k, (label, _) in INITS.items()], value="xavier",
                            description="init")
    depth = widgets.IntSlider(value=10, min=2, max=12, description="depth", continuous_update=False)
    width = widgets.IntSlider(value=256, min=16, max=512, step=16, description="width", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(act, init), row(depth, width), out])

    def update(*_):
        result = compute_activation_histograms(act.value, init.value, depth=int(depth.value), width=int(width.value),
                                               n_samples=n_samples, seed=seed)
        redraw(out, plot_activation_histograms(result), owner=box, result=result)

    return wire(box, dict(activation=act, init=init, depth=depth, width=width), update)


def static_activation_histograms(*, activations=("tanh", "relu"), inits=tuple(INITS), depth: int = 10,
                                 width: int = 256, n_samples: int = 500, seed: int = 0):
    """One figure with a slider over activation × initialisation (precomputed, works without a kernel)."""
    fig = _figure(depth, height=600)
    steps, counts = [], []
    for act in activations:
        for init in inits:
            r = compute_activation_histograms(act, init, depth=depth, width=width, n_samples=n_samples, seed=seed)
            traces = _traces(r, visible=not steps)
            for trace, row, col in traces:
                fig.add_trace(trace, row=row, col=col)
            counts.append(len(traces))
            steps.append({"label": f"{act} · {init}", "title": _title(r)})
    owner = np.repeat(np.arange(len(steps)), counts)  # which step each trace belongs to
    fig.update_layout(title={"text": steps[0]["title"]}, sliders=[{
        "active": 0, "pad": {"t": 40}, "currentvalue": {"prefix": "activation · init: "},
        "steps": [{"method": "update", "label": s["label"],
                   "args": [{"visible": (owner == i).tolist()}, {"title.text": s["title"]}]}
                  for i, s in enumerate(steps)]}])
    return fig
