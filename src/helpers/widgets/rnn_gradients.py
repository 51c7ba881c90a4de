"""Vanishing and exploding gradients in recurrent networks, and what gradient clipping does about them.

A tanh RNN with recurrent matrix ``W_hh = rho * Q`` (Q random orthogonal, so every eigenvalue has
modulus exactly rho) reads a random sequence; the loss is a fixed random projection of the LAST hidden
state. Left panel: the norm of dL/d(state) k steps back, computed with the NumPy BPTT of
:mod:`helpers.numpy_impl`, next to rho^k (the linear prediction); an LSTM with the same rho and a forget
gate bias ``forget_bias`` for comparison (its gradient follows the cell state, i.e. products of forget
gates). Right panel: the norm of dL/dW_hh as the sequence grows, with and without clipping by norm.
Values above ``CAP`` are drawn at CAP and reported (``exploded_at``), never as inf/NaN.
Layers: compute_/plot_/_explorer/static_ as in :mod:`helpers.widgets`.
"""

from __future__ import annotations

import numpy as np

from helpers.numpy_impl import (
    clip_grad_norm,
    lstm_cell_backward,
    lstm_cell_forward,
    rnn_cell_backward,
    rnn_cell_forward,
)

__all__ = [
    "CAP",
    "compute_rnn_gradients",
    "plot_rnn_gradients",
    "rnn_gradients_explorer",
    "static_rnn_gradients",
]

CAP = 1e12  # larger gradient norms are drawn at CAP (and flagged)


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # sign fix: a uniformly random orthogonal matrix


def _check(name, value, low, high, kind=float):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
    if not ok or (kind is int and not isinstance(value, int)):
        raise ValueError(
            f"The '{name}' argument of compute_rnn_gradients must be a{'n int' if kind is int else ' float'}"
            f" in [{low}, {high}]. Got {value!r} instead."
        )


def _capped(norms):
    """Replace norms above CAP (or non-finite) by CAP; return them and the first capped index (or None)."""
    norms = np.asarray(norms, dtype=float)
    bad = ~np.isfinite(norms) | (norms > CAP)
    return np.where(bad, CAP, norms), (int(np.argmax(bad)) if bad.any() else None)


def compute_rnn_gradients(
    spectral_radius: float,
    *,
    steps: int = 60,
    forget_bias: float = 3.0,
    max_norm: float = 1.0,
    hidden_size: int = 16,
    n_lengths: int = 12,
    seed: int = 0,
) -> dict:
    """Gradient norms of a tanh RNN and an LSTM with recurrent blocks of spectral radius ``spectral_radius``
    (= the cell's eigenvalue modulus).

    Returns ``k`` (steps back), ``rnn``/``lstm`` (||dL/d state_{T-k}||, capped), ``reference`` (rho^k),
    ``lengths`` and ``rnn_weight``/``lstm_weight`` (||dL/dW_hh|| for sequences of those lengths), their
    ``*_clipped`` versions, and ``exploded_at`` ({curve: first capped index or None}).
    """
    _check("spectral_radius", spectral_radius, 0.05, 3.0)
    _check("steps", steps, 2, 400, int)
    _check("forget_bias", forget_bias, -5.0, 10.0)
    _check("max_norm", max_norm, 1e-3, 1e6)
    rng = np.random.default_rng(seed)
    H, D = hidden_size, 4
    x = rng.standard_normal((steps, 1, D))
    g = rng.standard_normal((1, H))
    g /= np.linalg.norm(g)  # L = <g, h_T>: dL/dh_T has norm 1
    zeros = np.zeros(H)
    rnn_w = (rng.normal(0, 0.5, (H, D)), spectral_radius * _orthogonal(rng, H), zeros, zeros)
    lstm_w = (
        rng.normal(0, 0.5, (4 * H, D)),
        spectral_radius * np.concatenate([_orthogonal(rng, H) for _ in range(4)]),
        zeros,
        zeros.repeat(4),
    )
    lstm_b = np.zeros(4 * H)
    lstm_b[H : 2 * H] = forget_bias  # blocks (i, f, g, o): only the forget gate is biased
    lstm_w = (lstm_w[0], lstm_w[1], lstm_b, lstm_w[3])

    h, rnn_caches = np.zeros((1, H)), []
    with np.errstate(over="ignore", invalid="ignore"):
        for x_t in x:
            h, cache = rnn_cell_forward(x_t, h, *rnn_w)
            rnn_caches.append(cache)
        state, lstm_caches = (np.zeros((1, H)), np.zeros((1, H))), []
        for x_t in x:
            state, cache = lstm_cell_forward(x_t, *state, *lstm_w)
            lstm_caches.append(cache)
        rnn_norms, lstm_norms = [1.0], [1.0]
        dh = g
        for cache in reversed(rnn_caches):
            _, dh, *_ = rnn_cell_backward(dh, cache)
            rnn_norms.append(float(np.linalg.norm(dh)))
        dh, dc = g, np.zeros((1, H))
        for cache in reversed(lstm_caches):
            _, dh, dc, *_ = lstm_cell_backward((dh, dc), cache)
            lstm_norms.append(float(np.sqrt(np.sum(dh**2) + np.sum(dc**2))))
        # from T = 2: with h_0 = 0 the gradient of W_hh at T = 1 is exactly 0 (nothing to draw on a log axis)
        lengths = np.unique(np.linspace(2, steps, min(n_lengths, steps - 1)).round().astype(int))
        weight = {"rnn_weight": [], "lstm_weight": [], "rnn_weight_clipped": [], "lstm_weight_clipped": []}
        for T in lengths:  # a loss on h_T: BPTT over the first T steps
            dh, total = g, np.zeros_like(rnn_w[1])
            for cache in reversed(rnn_caches[:T]):
                _, dh, _, dw_hh, _, _ = rnn_cell_backward(dh, cache)
                total += dw_hh
            _record(weight, "rnn_weight", total, max_norm)
            (dh, dc), total = (g, np.zeros((1, H))), np.zeros_like(lstm_w[1])
            for cache in reversed(lstm_caches[:T]):
                _, dh, dc, _, dw_hh, _, _ = lstm_cell_backward((dh, dc), cache)
                total += dw_hh
            _record(weight, "lstm_weight", total, max_norm)
    out = {
        "spectral_radius": spectral_radius,
        "steps": steps,
        "forget_bias": forget_bias,
        "max_norm": max_norm,
        "k": np.arange(steps + 1),
        "lengths": lengths,
        "exploded_at": {},
    }
    with np.errstate(over="ignore"):
        reference = float(spectral_radius) ** np.arange(steps + 1, dtype=float)
    for name, values in {"rnn": rnn_norms, "lstm": lstm_norms, "reference": reference, **weight}.items():
        out[name], out["exploded_at"][name] = _capped(values)
    return out


def _record(weight: dict, name: str, grad: np.ndarray, max_norm: float) -> None:
    """Store ||grad|| and the norm after clipping by norm (rescaled to max_norm when larger)."""
    clipped, total = clip_grad_norm([grad], max_norm=max_norm)
    weight[name].append(total)
    weight[f"{name}_clipped"].append(float(np.linalg.norm(clipped[0])))


_COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "reference": "#7f7f7f"}


def _traces(r: dict, *, visible=True):
    import plotly.graph_objects as go

    rho = r["spectral_radius"]
    line = [
        go.Scatter(
            x=r["k"], y=r["rnn"], name="RNN ||dL/dh||", line={"color": _COLORS["rnn"]}, visible=visible
        ),
        go.Scatter(
            x=r["k"],
            y=r["lstm"],
            name=f"LSTM ||dL/d(h, c)|| (forget bias {r['forget_bias']:g})",
            line={"color": _COLORS["lstm"]},
            visible=visible,
        ),
        go.Scatter(
            x=r["k"],
            y=r["reference"],
            name=f"rho^k = {rho:g}^k",
            visible=visible,
            line={"color": _COLORS["reference"], "dash": "dot"},
        ),
    ]
    weight = []
    for cell in ("rnn", "lstm"):
        weight += [
            go.Scatter(
                x=r["lengths"],
                y=r[f"{cell}_weight"],
                name=f"{cell.upper()} ||dL/dW_hh||",
                visible=visible,
                line={"color": _COLORS[cell]},
                mode="lines+markers",
                xaxis="x2",
                yaxis="y2",
                showlegend=False,
            ),
            go.Scatter(
                x=r["lengths"],
                y=r[f"{cell}_weight_clipped"],
                name=f"{cell.upper()} clipped",
                visible=visible,
                line={"color": _COLORS[cell], "dash": "dash"},
                xaxis="x2",
                yaxis="y2",
                showlegend=False,
            ),
        ]
    return line + weight


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sci(x: float) -> str:
    """Two significant digits as ``3.1·10⁻¹²`` (the ``e-12`` notation is reserved for rounding-noise bounds)."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def _title(r: dict) -> str:
    notes = [name for name, at in r["exploded_at"].items() if at is not None]
    note = f" · capped at {_sci(CAP)}: {', '.join(notes)}" if notes else ""
    return (
        f"spectral radius {r['spectral_radius']:g}: RNN gradient after {r['steps']} steps "
        f"{_sci(r['rnn'][-1])}, LSTM {_sci(r['lstm'][-1])}{note}"
    )


def _layout(fig, r: dict):
    fig.update_layout(
        title={"text": _title(r), "font": {"size": 13}},
        height=440,
        margin={"l": 50, "r": 20, "t": 60, "b": 40},
        xaxis={"domain": [0, 0.47], "title": "k = steps back from the loss"},
        yaxis={"type": "log", "title": "gradient norm", "exponentformat": "power"},
        xaxis2={"domain": [0.55, 1], "title": "sequence length T", "anchor": "y2"},
        yaxis2={
            "type": "log",
            "anchor": "x2",
            "title": f"||dL/dW_hh|| (dashed: clipped to {r['max_norm']:g})",
            "exponentformat": "power",
        },
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def plot_rnn_gradients(result: dict):
    """A plotly figure with the two panels (log scales)."""
    import plotly.graph_objects as go

    return _layout(go.Figure(_traces(result)), result)


def rnn_gradients_explorer():
    """Sliders for the spectral radius, length, forget-gate bias and clipping threshold (live kernel only)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    rho = widgets.FloatSlider(
        value=1.0, min=0.5, max=3.0, step=0.05, description="rho", continuous_update=False
    )
    steps = widgets.IntSlider(value=60, min=5, max=200, step=5, description="steps", continuous_update=False)
    fbias = widgets.FloatSlider(
        value=3.0, min=-2.0, max=8.0, step=0.5, description="forget bias", continuous_update=False
    )
    max_norm = widgets.FloatLogSlider(
        value=1.0, base=10, min=-2, max=3, step=0.25, description="max_norm", continuous_update=False
    )
    out = widgets.Output()
    box = widgets.VBox([row(rho, steps), row(fbias, max_norm), out])

    def update(*_):
        r = compute_rnn_gradients(
            float(rho.value),
            steps=int(steps.value),
            forget_bias=float(fbias.value),
            max_norm=float(max_norm.value),
        )
        redraw(out, plot_rnn_gradients(r), owner=box, result=r)

    return wire(box, dict(rho=rho, steps=steps, forget_bias=fbias, max_norm=max_norm), update)


def static_rnn_gradients(
    *,
    radii=(0.5, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0),
    steps: int = 60,
    forget_bias: float = 3.0,
    max_norm: float = 1.0,
    active: int = 2,
):
    """The figure with a precomputed slider over the spectral radius (interactive without a kernel);
    ``active`` is the index of the radius shown first."""
    import plotly.graph_objects as go

    if not isinstance(active, int) or not 0 <= active < len(radii):
        raise ValueError(
            f"The 'active' argument of static_rnn_gradients must be an index into radii "
            f"(0 to {len(radii) - 1}). Got {active!r} instead."
        )
    results = [
        compute_rnn_gradients(float(r), steps=steps, forget_bias=forget_bias, max_norm=max_norm)
        for r in radii
    ]
    per = len(_traces(results[0]))
    fig = go.Figure()
    for i, r in enumerate(results):
        fig.add_traces(_traces(r, visible=i == active))
    slider_steps = [
        {
            "method": "update",
            "label": f"{r['spectral_radius']:g}",
            "args": [
                {"visible": [j // per == i for j in range(per * len(results))]},
                {"title.text": _title(r)},
            ],
        }
        for i, r in enumerate(results)
    ]
    _layout(fig, results[active])
    fig.update_layout(
        height=480,
        sliders=[
            {
                "active": active,
                "steps": slider_steps,
                "pad": {"t": 60},
                "currentvalue": {"prefix": "spectral radius of W_hh: "},
            }
        ],
    )
    return fig
