"""Computational graphs of the book's scalar autodiff engine, with values and gradients on the edges.

:func:`graph_data` reads a :class:`~helpers.autodiff.scalar.Value` graph after ``backward()``: one node per
``Value``, one edge per use of a value as an operation's input. Each edge carries the forward value that
flows along it (the input's ``data``) and the gradient that flows back along it: the part of the input's
``grad`` that this use contributes. That part is computed by the engine's own ``_backward`` closure of the
consuming node, run once more with the inputs' gradients set to zero (and then restored), so the diagram
cannot disagree with the engine. The contributions into a node add up to its ``grad`` (the multivariate
chain rule), which the unit tests check.

:func:`draw_graph` draws it in the style of the CS231n notes: inputs on the left, the output on the right,
operations as circles, forward values in green above each edge and gradients in red below.

References: CS231n, "Backpropagation, intuitions" (circuit diagrams); Karpathy, micrograd (2020).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..autodiff.scalar import Value, topological_order

__all__ = ["GraphNode", "GraphEdge", "graph_data", "draw_graph", "example_graphs"]

_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x", "exp": "exp", "log": "log", "tanh": "tanh",
            "sigmoid": "σ", "relu": "relu"}


@dataclass(frozen=True)
class GraphNode:
    """One ``Value``: its position in the drawing (column, row), name, operation, data and grad."""

    index: int
    name: str
    op: str
    data: float
    grad: float
    column: int
    row: float


@dataclass(frozen=True)
class GraphEdge:
    """One use of node ``src`` as an input of node ``dst`` (``count`` > 1: used that often by ``dst``).

    ``value`` flows forward (``src.data``), ``grad`` flows back: what ``dst``'s backward adds to ``src.grad``.
    """

    src: int
    dst: int
    value: float
    grad: float
    count: int = 1


def _edge_gradients(node: Value) -> dict[int, float]:
    """The gradient ``node``'s backward closure sends to each of its inputs (by ``id``), grads restored."""
    inputs = list({id(p): p for p in node._prev}.values())
    saved = [p.grad for p in inputs]
    for p in inputs:
        p.grad = 0.0
    node._backward()
    sent = {id(p): p.grad for p in inputs}
    for p, g in zip(inputs, saved):
        p.grad = g
    return sent


def graph_data(root: Value) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Nodes and edges of the graph that computes ``root`` (call ``root.backward()`` first for gradients).

    Layout: a node's column is one more than its deepest input's (inputs sit just left of their first user);
    rows follow a tidy tree: leaves numbered top to bottom in depth-first order, an operation centred on its
    inputs.
    """
    if not isinstance(root, Value):
        raise TypeError(f"The 'root' argument of graph_data must be a Value. Got {type(root).__name__} instead.")
    order = topological_order(root)  # inputs before users, root last
    index = {id(v): i for i, v in enumerate(order)}
    column = {}
    for v in order:
        column[id(v)] = 1 + max((column[id(p)] for p in v._prev), default=-1)
    for v in reversed(order):  # move leaves right, next to the first node that uses them
        users = [column[id(u)] for u in order if any(p is v for p in u._prev)]
        if not v._prev and users:
            column[id(v)] = min(users) - 1
    row: dict[int, float] = {}
    next_leaf = [0.0]

    def place(v):
        if id(v) in row:
            return row[id(v)]
        if not v._prev:
            row[id(v)] = next_leaf[0]
            next_leaf[0] += 1.0
        else:
            rows = [place(p) for p in dict.fromkeys(v._prev)]
            row[id(v)] = sum(rows) / len(rows)
        return row[id(v)]

    place(root)
    nodes = [GraphNode(index[id(v)], v.label or (_SYMBOLS.get(v._op, v._op) if v._op else f"{v.data:g}"),
                       v._op, v.data, v.grad, column[id(v)], row[id(v)]) for v in order]
    edges = []
    for v in order:
        if not v._prev:
            continue
        sent = _edge_gradients(v)
        for p in dict.fromkeys(v._prev):
            count = sum(q is p for q in v._prev)
            edges.append(GraphEdge(index[id(p)], index[id(v)], p.data, sent[id(p)], count))
    return nodes, edges


def _fmt(x: float) -> str:
    return f"{x:.3g}".replace("-", "−")


def draw_graph(root: Value, *, title: str = "", gradients: bool = True, ax=None):
    """Matplotlib figure of the graph of ``root``: green = forward value, red = gradient (``gradients=False``:
    values only)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch

    nodes, edges = graph_data(root)
    if gradients and root.grad != 1.0:
        raise ValueError("draw_graph(gradients=True) needs the gradients: call root.backward() first "
                         f"(root.grad is {root.grad!r}, not 1.0).")
    n_cols = max(n.column for n in nodes) + 2
    n_rows = max(n.row for n in nodes) + 1
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.5 * n_cols + 0.5, 0.9 * n_rows + 0.9))
    else:
        fig = ax.figure
    pos = {n.index: (2.0 * n.column, -1.5 * n.row) for n in nodes}
    for e in edges:
        (x0, y0), (x1, y1) = pos[e.src], pos[e.dst]
        ax.annotate("", (x1 - 0.28, y1), (x0 + 0.3, y0), arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.1))
        xm, ym = x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0)  # nearer the input: converging edges apart
        times = f" (×{e.count})" if e.count > 1 else ""
        ax.text(xm, ym + 0.12, _fmt(e.value), color="tab:green", ha="center", va="bottom", fontsize=9)
        if gradients:
            ax.text(xm, ym - 0.12, _fmt(e.grad) + times, color="tab:red", ha="center", va="top", fontsize=9)
    for n in nodes:
        x, y = pos[n.index]
        if n.op:
            ax.add_patch(Circle((x, y), 0.28, facecolor="#f2f2f2", edgecolor="0.3"))
            symbol = _SYMBOLS.get(n.op, n.op)
            ax.text(x, y, symbol, ha="center", va="center", fontsize=11 if len(symbol) < 3 else 7)
            if n.name != _SYMBOLS.get(n.op, n.op):
                ax.text(x, y + 0.34, n.name, ha="center", va="bottom", fontsize=8, color="0.3")
        else:
            ax.add_patch(FancyBboxPatch((x - 0.3, y - 0.2), 0.6, 0.4, boxstyle="round,pad=0.02",
                                        facecolor="#e8f0fa", edgecolor="0.3"))
            ax.text(x, y, n.name, ha="center", va="center", fontsize=9)
    out = pos[nodes[-1].index]  # the root: its value leaves to the right
    ax.annotate("", (out[0] + 1.3, out[1]), (out[0] + 0.3, out[1]), arrowprops=dict(arrowstyle="-|>", color="0.35"))
    ax.text(out[0] + 0.8, out[1] + 0.12, _fmt(root.data), color="tab:green", ha="center", va="bottom", fontsize=9)
    if gradients:
        ax.text(out[0] + 0.8, out[1] - 0.12, _fmt(root.grad), color="tab:red", ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.6, out[0] + 1.5)
    ax.set_ylim(-1.5 * (n_rows - 1) - 0.6, 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or ("forward values (green) and gradients (red)" if gradients else "forward values"),
                 fontsize=10)
    return fig


def example_graphs() -> dict[str, Value]:
    """The two graphs of chapters 3 and 4, after ``backward()``: ``"(x+y)·z"`` at x=-2, y=5, z=-4 and the
    sigmoid neuron ``σ(w0·x0 + w1·x1 + w2)`` at w=(2, -3, -3), x=(-1, -2) (CS231n's example)."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    w0, w1, w2 = Value(2.0, label="w0"), Value(-3.0, label="w1"), Value(-3.0, label="w2")
    x0, x1 = Value(-1.0, label="x0"), Value(-2.0, label="x1")
    neuron = (w0 * x0 + w1 * x1 + w2).sigmoid()
    neuron.backward()
    return {"(x+y)·z": f, "neuron": neuron}
