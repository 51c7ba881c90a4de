"""LSTM and GRU cells drawn with their gates and the numbers of one real step of the book's twins.

The gate lists below give each block of rows of ``w_ih``/``w_hh`` its name and activation, in the order of
:mod:`helpers.numpy_impl.lstm` (i, f, g, o) and :mod:`helpers.numpy_impl.gru` (r, z, n), which is PyTorch's.
:func:`lstm_step` and :func:`gru_step` compute the named gates of one step from the weights block by block;
the unit tests check that these names match the twins (a large bias in block k saturates the gate named k)
and that the step's outputs equal ``lstm_cell_forward`` / ``gru_cell_forward``. The diagrams then print
those values next to the gates, for a cell with one hidden unit (so every number is a scalar).

References: Hochreiter & Schmidhuber (1997); Gers et al. (2000); Cho et al. (2014); C. Olah, "Understanding
LSTM networks" (2015) for the drawing style.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LSTM_GATES", "GRU_GATES", "lstm_step", "gru_step", "draw_lstm_cell", "draw_gru_cell",
           "example_weights"]

# (symbol, name, activation) per block of rows of w_ih / w_hh, in the twins' (and PyTorch's) order
LSTM_GATES = (("i", "input gate", "sigmoid"), ("f", "forget gate", "sigmoid"), ("g", "candidate", "tanh"),
              ("o", "output gate", "sigmoid"))
GRU_GATES = (("r", "reset gate", "sigmoid"), ("z", "update gate", "sigmoid"), ("n", "candidate", "tanh"))
_ACT = {"sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)), "tanh": np.tanh}


def _blocks(a, n):
    return np.split(np.asarray(a, dtype=np.float64), n, axis=-1)


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh) -> dict:
    """One LSTM step, gate by gate: ``{"i", "f", "g", "o", "c_next", "h_next"}`` (each (N, H))."""
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, 4H)
    gates = {sym: _ACT[act](blk) for (sym, _, act), blk in zip(LSTM_GATES, _blocks(a, len(LSTM_GATES)))}
    c_next = gates["f"] * c + gates["i"] * gates["g"]
    return {**gates, "c_next": c_next, "h_next": gates["o"] * np.tanh(c_next)}


def gru_step(x, h, w_ih, w_hh, b_ih, b_hh) -> dict:
    """One GRU step, gate by gate: ``{"r", "z", "n", "h_next"}`` (PyTorch's form: r scales ``h W_hn + b_hn``)."""
    gi, gh = _blocks(x @ w_ih.T + b_ih, 3), _blocks(h @ w_hh.T + b_hh, 3)
    r = _ACT[GRU_GATES[0][2]](gi[0] + gh[0])
    z = _ACT[GRU_GATES[1][2]](gi[1] + gh[1])
    n = _ACT[GRU_GATES[2][2]](gi[2] + r * gh[2])
    return {"r": r, "z": z, "n": n, "h_next": (1.0 - z) * n + z * h}


def example_weights(kind: str, *, seed: int = 0):
    """A one-unit cell (D = H = 1) and one input step drawn from ``seed``: ``(x, h, [c,] w_ih, w_hh, b_ih, b_hh)``."""
    rng = np.random.default_rng(seed)
    blocks = {"lstm": 4, "gru": 3}[kind]
    x, h = np.array([[1.0]]), np.array([[0.5]])
    w = [rng.normal(0, 1, (blocks, 1)), rng.normal(0, 1, (blocks, 1)), rng.normal(0, 0.5, blocks),
         rng.normal(0, 0.5, blocks)]
    return (x, h, np.array([[0.8]]), *w) if kind == "lstm" else (x, h, *w)


# ------------------------------------------------------------------------------------------------ drawing
def _box(ax, x, y, text, *, w=0.9, h=0.5, colour="#fde0c5"):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.03", facecolor=colour,
                                edgecolor="0.3", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _op(ax, x, y, text):
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), 0.22, facecolor="#e5f5e0", edgecolor="0.3", lw=1, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=4)


def _arrow(ax, start, end, colour="0.35"):
    ax.annotate("", end, start, arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.1, shrinkA=0, shrinkB=0))


def _value(ax, x, y, text, colour="tab:blue"):
    ax.text(x, y, text, ha="center", va="center", fontsize=8, color=colour)


def _scalar(v) -> str:
    return f"{float(np.asarray(v).reshape(-1)[0]):.2f}".replace("-", "−")


def draw_lstm_cell(weights=None, *, title: str = ""):
    """The LSTM cell: the cell-state highway on top (× forget gate, + input gate × candidate), the four gate
    blocks fed by [h_{t-1}, x_t] below, and h_t = o × tanh(c_t); with the values of ``lstm_step`` on
    ``weights = (x, h, c, w_ih, w_hh, b_ih, b_hh)`` of a one-unit cell (default: :func:`example_weights`)."""
    import matplotlib.pyplot as plt

    x, h, c, *w = weights if weights is not None else example_weights("lstm")
    v = lstm_step(x, h, c, *w)
    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    top, gate_y, bottom = 4.0, 1.6, 0.3
    cols = {sym: 1.5 + 1.6 * k for k, (sym, _, _) in enumerate((LSTM_GATES[1], LSTM_GATES[0], LSTM_GATES[2],
                                                                LSTM_GATES[3]))}  # f, i, g, o left to right
    ax.plot([0, 8.8], [top, top], color="0.2", lw=2.2)  # the cell-state highway
    _value(ax, 0.3, top + 0.3, f"c(t−1) = {_scalar(c)}")
    _value(ax, 8.5, top + 0.3, f"c(t) = {_scalar(v['c_next'])}")
    ax.plot([0, 7.4], [bottom, bottom], color="0.2", lw=1.5)  # [h_{t-1}, x_t] bus
    _value(ax, 0.5, bottom - 0.3, f"h(t−1) = {_scalar(h)},  x(t) = {_scalar(x)}")
    names = {sym: (name, act) for sym, name, act in LSTM_GATES}
    for sym, gx in cols.items():
        name, act = names[sym]
        ax.plot([gx, gx], [bottom, gate_y - 0.25], color="0.35", lw=1)
        _box(ax, gx, gate_y, f"{'σ' if act == 'sigmoid' else 'tanh'}\n{sym}")
        _value(ax, gx + 0.55, gate_y - 0.62, f"{name}\n{sym} = {_scalar(v[sym])}", colour="tab:red")
    fx, ix, gx, ox = cols["f"], cols["i"], cols["g"], cols["o"]
    _op(ax, fx, top, "×")
    _arrow(ax, (fx, gate_y + 0.25), (fx, top - 0.22))
    _op(ax, (ix + gx) / 2, 2.9, "×")
    _arrow(ax, (ix, gate_y + 0.25), ((ix + gx) / 2 - 0.16, 2.75))
    _arrow(ax, (gx, gate_y + 0.25), ((ix + gx) / 2 + 0.16, 2.75))
    _op(ax, (ix + gx) / 2, top, "+")
    _arrow(ax, ((ix + gx) / 2, 3.12), ((ix + gx) / 2, top - 0.22))
    _box(ax, ox + 1.0, 3.1, "tanh", w=0.7, h=0.4, colour="#deebf7")
    ax.plot([ox + 1.0, ox + 1.0], [top, 3.3], color="0.35", lw=1)
    _op(ax, ox + 1.0, gate_y + 0.9, "×")
    _arrow(ax, (ox + 1.0, 2.9), (ox + 1.0, gate_y + 1.12))
    _arrow(ax, (ox, gate_y + 0.25), (ox + 0.8, gate_y + 0.85))
    _arrow(ax, (ox + 1.22, gate_y + 0.9), (8.8, gate_y + 0.9))
    _value(ax, 8.4, gate_y + 1.2, f"h(t) = {_scalar(v['h_next'])}")
    _value(ax, 4.4, 4.6, "c(t) = f × c(t−1) + i × g        h(t) = o × tanh(c(t))", colour="0.2")
    ax.set_xlim(-0.3, 9.2)
    ax.set_ylim(-0.3, 4.9)
    ax.axis("off")
    ax.set_title(title or "LSTM cell (gate order i, f, g, o as in the code), one unit, one step", fontsize=10)
    return fig


def draw_gru_cell(weights=None, *, title: str = ""):
    """The GRU cell: h(t) = (1 − z) × n + z × h(t−1) on top, the reset gate inside the candidate; with the values
    of ``gru_step`` on ``weights = (x, h, w_ih, w_hh, b_ih, b_hh)`` of a one-unit cell."""
    import matplotlib.pyplot as plt

    x, h, *w = weights if weights is not None else example_weights("gru")
    v = gru_step(x, h, *w)
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    top, gate_y, bottom = 4.0, 1.6, 0.3
    names = {sym: (name, act) for sym, name, act in GRU_GATES}
    cols = {"z": 1.6, "r": 3.5, "n": 5.6}
    ax.plot([0, 8.8], [top, top], color="0.2", lw=2.2)  # the state line
    _value(ax, 0.4, top + 0.3, f"h(t−1) = {_scalar(h)}")
    _value(ax, 8.4, top + 0.3, f"h(t) = {_scalar(v['h_next'])}")
    ax.plot([0, 6.0], [bottom, bottom], color="0.2", lw=1.5)
    _value(ax, 0.5, bottom - 0.3, f"h(t−1) = {_scalar(h)},  x(t) = {_scalar(x)}")
    for sym, gx in cols.items():
        name, act = names[sym]
        ax.plot([gx, gx], [bottom, gate_y - 0.25], color="0.35", lw=1)
        _box(ax, gx, gate_y, f"{'σ' if act == 'sigmoid' else 'tanh'}\n{sym}")
        _value(ax, gx + 0.55, gate_y - 0.62, f"{name}\n{sym} = {_scalar(v[sym])}", colour="tab:red")
    _op(ax, 1.6, top, "×")  # z × h(t-1)
    _arrow(ax, (1.6, gate_y + 0.25), (1.6, top - 0.22))
    _op(ax, 3.0, 2.8, "1−")
    _arrow(ax, (1.6, 2.8), (2.78, 2.8))
    _op(ax, 5.6, 2.8, "×")  # (1 - z) × n
    _arrow(ax, (3.22, 2.8), (5.38, 2.8))
    _arrow(ax, (5.6, gate_y + 0.25), (5.6, 2.58))
    _op(ax, 6.6, top, "+")
    _arrow(ax, (5.76, 2.96), (6.45, top - 0.16))
    _op(ax, 4.55, gate_y, "×")  # r × (h W_hn + b_hn), inside the candidate
    _arrow(ax, (3.95, gate_y), (4.33, gate_y))
    _arrow(ax, (4.77, gate_y), (5.15, gate_y))
    ax.plot([4.55, 4.55], [bottom, gate_y - 0.22], color="0.35", lw=1)
    _value(ax, 4.55, 0.12, "h W_hn + b_hn", colour="0.3")
    _value(ax, 4.5, 3.6 + 0.95, "h(t) = (1 − z) × n + z × h(t−1)      n = tanh(W_in x + r × (W_hn h + b_hn) + b_in)",
           colour="0.2")
    ax.set_xlim(-0.3, 9.2)
    ax.set_ylim(-0.3, 4.9)
    ax.axis("off")
    ax.set_title(title or "GRU cell (gate order r, z, n as in the code), one unit, one step", fontsize=10)
    return fig
