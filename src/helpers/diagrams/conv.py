"""Convolution arithmetic drawn from the formulas of :mod:`helpers.core.conv_arithmetic`: which input pixels an output
reads, with stride, padding and dilation, for a transposed convolution, and through a stack of atrous
(dilated) convolutions as in DeepLab.

* :func:`conv_window`: output ``o`` of a convolution reads the (padded) input positions
  ``o * s - p + t * d`` for ``t = 0 .. k-1`` (per axis; in 2-D the product of both axes).
* :func:`transposed_window`: a transposed convolution is a stride-1 convolution over the input with ``s - 1``
  zeros inserted between its pixels and ``d (k - 1) - p`` zeros of padding (Dumoulin & Visin's view); output
  ``o`` reads the input pixels ``i`` with ``o = i * s - p + t * d`` for some ``t``.
* :func:`atrous_support`: the input positions that reach one output through a stack of 1-D convolutions with
  the given dilations ("same" padding), and the receptive field of :func:`~helpers.core.conv_arithmetic.network_summary`.

The unit tests compare each set with the non-zero gradients of ``F.conv2d``, ``F.conv_transpose2d`` and a
stack of ``F.conv1d`` (a brute-force computation that does not use these formulas).

References: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016); Yu & Koltun,
"Multi-scale context aggregation by dilated convolutions" (ICLR 2016); Chen et al., "DeepLab" (TPAMI 2018).
"""

from __future__ import annotations

import numpy as np

from ..core import conv_arithmetic as ca

__all__ = ["conv_window", "transposed_window", "atrous_support", "draw_conv", "draw_conv_gallery",
           "draw_atrous_stack", "GALLERY"]


def _axis_reads(o: int, k: int, s: int, p: int, d: int) -> list[int]:
    return [o * s - p + t * d for t in range(k)]


def conv_window(n: int, kernel_size: int, *, stride: int = 1, padding: int = 0, dilation: int = 1,
                output=(0, 0)) -> dict:
    """What output ``(row, col)`` of a square ``n x n`` convolution reads.

    Returns ``{"out_size", "reads": [(r, c), ...] (padded coordinates, may lie outside 0..n-1),
    "inside": (n, n) bool of the real input pixels read, "padding"}``.
    """
    out = ca.conv_output_size(n, kernel_size, stride=stride, padding=padding, dilation=dilation)
    r, c = output
    if not (0 <= r < out and 0 <= c < out):
        raise ValueError(f"The 'output' argument of conv_window must lie in the {out}x{out} output. Got {output!r}.")
    rows = _axis_reads(r, kernel_size, stride, padding, dilation)
    cols = _axis_reads(c, kernel_size, stride, padding, dilation)
    inside = np.zeros((n, n), dtype=bool)
    reads = [(i, j) for i in rows for j in cols]
    for i, j in reads:
        if 0 <= i < n and 0 <= j < n:
            inside[i, j] = True
    return {"out_size": out, "reads": reads, "inside": inside, "padding": padding}


def transposed_window(n: int, kernel_size: int, *, stride: int = 1, padding: int = 0, dilation: int = 1,
                      output=(0, 0)) -> dict:
    """What output ``(row, col)`` of a square transposed convolution reads, in the zero-insertion view.

    Returns ``{"out_size", "inside": (n, n) bool of input pixels read, "grid": size of the expanded input,
    "positions": expanded coordinate of input pixel i (i * s + pad), "pad": d (k-1) - p, "window": the expanded
    coordinates the output's kernel covers (per axis)}``.
    """
    k, s, p, d = kernel_size, stride, padding, dilation
    out = ca.conv_transpose_output_size(n, k, stride=s, padding=p, dilation=d)
    r, c = output
    if not (0 <= r < out and 0 <= c < out):
        raise ValueError(f"The 'output' argument of transposed_window must lie in the {out}x{out} output. "
                         f"Got {output!r}.")
    pad = d * (k - 1) - p  # zeros around the expanded input (negative: the output is cropped instead)
    positions = np.arange(n) * s + pad  # where input pixel i lands in the expanded grid
    grid = (n - 1) * s + 1 + 2 * pad

    def axis(o):  # the stride-1 window of output o covers expanded coordinates o, o + d, ..., o + d (k-1)
        window = [o + t * d for t in range(k)]
        return window, np.isin(positions, window)

    (wr, read_r), (wc, read_c) = axis(r), axis(c)
    return {"out_size": out, "inside": read_r[:, None] & read_c[None, :], "grid": grid, "positions": positions,
            "pad": pad, "window": (wr, wc)}


def atrous_support(dilations, *, kernel_size: int = 3, length: int = 41, output: int | None = None) -> dict:
    """Positions of a 1-D input that reach output ``output`` (default: the centre) through stacked convolutions
    with these dilations and "same" padding; per layer, the positions of that layer that do.

    Returns ``{"layers": [bool (length,) for the input, layer 1, ..., layer L], "rf": the receptive field of
    network_summary, "span": last - first input position reached + 1}``.
    """
    dilations = [int(d) for d in dilations]
    centre = length // 2 if output is None else output
    reach = [np.zeros(length, dtype=bool) for _ in range(len(dilations) + 1)]
    reach[-1][centre] = True
    for layer in range(len(dilations), 0, -1):  # walk down: every reached unit reads k inputs d apart
        d = dilations[layer - 1]
        for o in np.flatnonzero(reach[layer]):
            for t in range(kernel_size):
                i = o - d * (kernel_size - 1) // 2 + t * d
                if 0 <= i < length:
                    reach[layer - 1][i] = True
    rows = ca.network_summary([ca.Layer("conv", kernel_size, padding=d * (kernel_size - 1) // 2, dilation=d,
                                        out_channels=1) for d in dilations], length, 1)
    hits = np.flatnonzero(reach[0])
    return {"layers": reach, "rf": rows[-1]["rf"], "span": int(hits[-1] - hits[0] + 1)}


# ------------------------------------------------------------------------------------------------ drawing
def _grid(ax, x0, y0, rows, cols, *, fill=None, edge="0.55", hatch=None, lw=0.6, alpha=1.0):
    from matplotlib.patches import Rectangle

    for i in range(rows):
        for j in range(cols):
            colour = fill[i][j] if isinstance(fill, list) else (fill or "white")
            ax.add_patch(Rectangle((x0 + j, y0 - i - 1), 1, 1, facecolor=colour, edgecolor=edge, lw=lw,
                                   hatch=hatch, alpha=alpha))


def draw_conv(n: int, kernel_size: int, *, stride: int = 1, padding: int = 0, dilation: int = 1,
              transposed: bool = False, output=(0, 0), ax=None, title: str | None = None):
    """One panel: the (padded, or for ``transposed`` zero-inserted) input with the pixels the chosen output
    reads in blue, and the output grid with that output in orange. Blue-outlined empty cells are padding or
    inserted zeros under the kernel."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    k, s, p, d = kernel_size, stride, padding, dilation
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4))
    if transposed:
        w = transposed_window(n, k, stride=s, padding=p, dilation=d, output=output)
        size, grid, pad = w["out_size"], w["grid"], w["pad"]
        if pad < 0:
            raise ValueError(f"draw_conv(transposed=True) draws padding <= d(k-1) = {d * (k - 1)}. Got {p}.")
        fill = [["#f4f4f4"] * grid for _ in range(grid)]
        for a, pa in enumerate(w["positions"]):
            for b, pb in enumerate(w["positions"]):
                fill[pa][pb] = "#1f77b4" if w["inside"][a, b] else "#c6dbef"
        _grid(ax, 0, grid, grid, grid, fill=fill)
        window = [(i, j) for i in w["window"][0] for j in w["window"][1]]
        in_size = grid
        label = (f"transposed: n={n}, k={k}, s={s}, p={p}" + (f", d={d}" if d > 1 else "")
                 + f"\n{s - 1} zero(s) between pixels, {pad} around → output {size}×{size}")
    else:
        w = conv_window(n, k, stride=s, padding=p, dilation=d, output=output)
        size, in_size = w["out_size"], n + 2 * p
        fill = [["#f4f4f4" if not (p <= i < n + p and p <= j < n + p) else
                 ("#1f77b4" if w["inside"][i - p, j - p] else "#c6dbef") for j in range(in_size)]
                for i in range(in_size)]
        _grid(ax, 0, in_size, in_size, in_size, fill=fill)
        window = [(i + p, j + p) for i, j in w["reads"]]
        label = (f"n={n}, k={k}, s={s}, p={p}" + (f", d={d}" if d > 1 else "")
                 + f" → output {size}×{size}")
    for i, j in window:  # the kernel's taps, also where they fall on padding or inserted zeros
        ax.add_patch(Rectangle((j + 0.08, in_size - i - 1 + 0.08), 0.84, 0.84, fill=False, edgecolor="#08306b", lw=1.4))
    x_out = in_size + 2
    y_top = in_size - (in_size - size) / 2
    out_fill = [["#fdae6b" if (i, j) == tuple(output) else "white" for j in range(size)] for i in range(size)]
    _grid(ax, x_out, y_top, size, size, fill=out_fill)
    ax.annotate("", (x_out - 0.2, in_size / 2), (in_size + 0.2, in_size / 2),
                arrowprops=dict(arrowstyle="-|>", color="0.3"))
    ax.set_xlim(-0.5, x_out + size + 0.5)
    ax.set_ylim(-0.5, in_size + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(label if title is None else title, fontsize=9)
    return ax.figure


#: the settings of chapter 9's gallery: (title, n, kernel, stride, padding, dilation, transposed, output)
GALLERY = (
    ("no padding, stride 1", 5, 3, 1, 0, 1, False, (1, 1)),
    ("padding 1, stride 2", 5, 3, 2, 1, 1, False, (1, 2)),
    ("dilation 2: holes", 7, 3, 1, 0, 2, False, (1, 1)),
    ("transposed, stride 2", 3, 3, 2, 0, 1, True, (2, 3)),
)


def draw_conv_gallery(settings=GALLERY):
    """One panel per setting ``(title, n, k, s, p, d, transposed, output)``, in a row of two-panel rows."""
    import matplotlib.pyplot as plt

    cols = 2
    rows = -(-len(settings) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.9 * rows), squeeze=False)
    for ax, (name, n, k, s, p, d, transposed, output) in zip(axes.flat, settings):
        draw_conv(n, k, stride=s, padding=p, dilation=d, transposed=transposed, output=output, ax=ax)
        ax.set_title(f"{name}\n{ax.get_title()}", fontsize=9)
    for ax in axes.flat[len(settings):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def draw_atrous_stack(dilation_sets=((1, 1, 1, 1), (1, 2, 4, 8)), *, kernel_size: int = 3, length: int = 37):
    """For each stack of 1-D convolutions, the units that reach the centre output, layer by layer: lines from
    every reached unit to the inputs it reads. Titles give the receptive field of ``network_summary``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(dilation_sets), figsize=(6 * len(dilation_sets), 3.2), squeeze=False)
    for ax, dilations in zip(axes[0], dilation_sets):
        sup = atrous_support(dilations, kernel_size=kernel_size, length=length)
        reach = sup["layers"]
        for layer in range(len(dilations), 0, -1):
            d = dilations[layer - 1]
            for o in np.flatnonzero(reach[layer]):
                for t in range(kernel_size):
                    i = o - d * (kernel_size - 1) // 2 + t * d
                    if 0 <= i < length:
                        ax.plot([o, i], [layer, layer - 1], color="#6baed6", lw=0.8, zorder=1)
        for layer, r in enumerate(reach):
            ax.scatter(np.arange(length), np.full(length, layer), s=14, c=np.where(r, "#08519c", "#d9d9d9"), zorder=2)
        ax.set_yticks(range(len(dilations) + 1), ["input"] + [f"d = {d}" for d in dilations], fontsize=8)
        ax.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"dilations {', '.join(map(str, dilations))}: receptive field {sup['rf']}", fontsize=10)
    fig.tight_layout()
    return fig
