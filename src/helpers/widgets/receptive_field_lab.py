"""The receptive-field lab: which input pixels one unit really reads (holes included), and how much each matters
(the effective field), on the same photo, for an untrained and a trained network.

Four layers, shared by the live explorer and the static HTML variant:

* compute — :func:`parse_net` reads a layer list (``conv3p1``, ``conv3s2p1``, ``conv3p2d2``, ``pool2``, ``avg3s1p1``,
  ``res3`` = a residual block ``x + conv(relu(conv(x)))`` of two same-size convolutions, ``up2`` = nearest
  upsampling by 2); :func:`index_support` propagates the set of positions a unit reads down to the input (exact,
  holes included); :func:`autograd_support` measures the same set as the non-zero input gradient of a network with
  all-ones weights (a brute force that uses no formula); :func:`recursion_box` is the textbook recursion
  (jump, field, start), which treats a residual block as its longest path and an upsampling by ``f`` as a
  stride of ``1/f``; :func:`effective_field` is ``|d unit / d input|`` at the photo (on a fresh leaf);
  :func:`lab` trains the network as a denoiser of photo crops and :func:`lab_state` computes one state.
* plot — :func:`lab_traces` turns a state into three panels (the support on the photo, the untrained and the
  trained effective field on the photo) and :func:`plot_lab` into a figure.
* explorer — :func:`receptive_field_lab_explorer` (network, layer list, layer, unit row and column).
* static — :func:`static_lab`: the unit (a 5 x 5 grid of positions) and the layer as plotly controls over
  precomputed states (:mod:`helpers.widgets.static_states`).

Where the recursion is exact (Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks",
Distill 2019): for a chain of convolutions and poolings the box ``start + i j .. start + i j + r - 1`` is the exact
*span* (its first and last pixels are read), but not the set (stride > kernel or dilation leave holes). A residual
block with odd, centred kernels keeps the span (the longest path reaches the farthest, the shortcut is aligned).
After an upsampling the jump becomes fractional and the box is off by half a pixel: which pixels a unit reads then
depends on its parity, which one linear formula cannot say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["NETWORKS", "Op", "parse_net", "layer_sizes", "index_support", "autograd_support", "recursion_box",
           "box_is_exact", "support_box", "unit_index", "effective_field", "lab", "lab_state", "lab_traces", "plot_lab",
           "receptive_field_lab_explorer", "static_lab", "UNIT_GRID", "STATIC_NETWORK"]

NETWORKS = {
    "holes, residual, upsampling": "conv3s2p1 conv3p2d2 res3d2 up2 conv3p1",
    "strided + dilated": "conv3s2p1 conv3p2d2 conv3p4d4",
    "gridding (d = 2)": "conv3p2d2 conv3p2d2 conv3p2d2",
    "residual stack": "conv3p1 res3 res3 res3",
    "down and up": "conv3s2p1 conv3s2p1 up2 conv3p1 up2 conv3p1",
}
STATIC_NETWORK = "conv3s2p1 conv3p2d2 res3d2 up2 conv3p1"  # holes, a residual block and an upsampling
UNIT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)  # unit positions of the static variant, as fractions of the layer's grid
_TOKEN = re.compile(r"^(conv|pool|avg|res|up)(\d+)((?:[spd]\d+)*)$")


@dataclass(frozen=True)
class Op:
    """One layer: ``kind`` in conv, maxpool, avgpool, res (two convolutions k, d, same padding, plus the input),
    up (nearest upsampling by ``k``)."""

    kind: str
    k: int
    s: int = 1
    p: int = 0
    d: int = 1
    name: str = ""


def parse_net(spec) -> list[Op]:
    """Layers from text, e.g. ``"conv3p1 conv3s2p1 conv3p2d2 res3 up2"``; a list of :class:`Op` passes through."""
    if not isinstance(spec, str):
        return list(spec)
    if not spec.split():
        raise ValueError(f"The 'spec' argument of parse_net must be a non-empty string of layers. Got {spec!r}.")
    ops = []
    for token in spec.lower().replace(",", " ").split():
        m = _TOKEN.match(token)
        if not m or not 1 <= int(m.group(2)) <= 15:
            raise ValueError(f"parse_net cannot read {token!r}: use e.g. conv3, conv3s2p1, conv3p2d2, pool2, avg3s1p1, "
                             f"res3, res3d2, up2 (sizes 1 to 15).")
        kind = {"conv": "conv", "pool": "maxpool", "avg": "avgpool", "res": "res", "up": "up"}[m.group(1)]
        k = int(m.group(2))
        opts = {key: int(v) for key, v in re.findall(r"([spd])(\d+)", m.group(3))}
        s, d = opts.get("s", k if kind in ("maxpool", "avgpool") else 1), opts.get("d", 1)
        if not 1 <= s <= 8 or not 1 <= d <= 8:
            raise ValueError(f"parse_net: stride and dilation of {token!r} must lie in 1..8.")
        if kind == "res":
            if k % 2 == 0 or set(opts) - {"d"}:
                raise ValueError(f"parse_net: a residual block takes an odd kernel and a dilation only. Got {token!r}.")
            s, p = 1, d * (k - 1) // 2
        elif kind == "up":
            if opts or k < 2 or k > 4:
                raise ValueError(f"parse_net: an upsampling is up2, up3 or up4. Got {token!r}.")
            s, p = 1, 0
        else:
            p = opts.get("p", 0)
        ops.append(Op(kind, k, s, p, d, token))
    return ops


def _out_size(n: int, op: Op) -> int:
    if op.kind == "up":
        return n * op.k
    if op.kind == "res":
        return n
    span = op.d * (op.k - 1) + 1
    if op.p > (op.k - 1) * op.d:  # every output beyond the input's reach would read padding only
        raise ValueError(f"{op.name}: padding {op.p} is larger than the kernel's reach {(op.k - 1) * op.d}.")
    if n + 2 * op.p < span:
        raise ValueError(f"{op.name} does not fit its {n}x{n} input (it spans {span} pixels).")
    return (n + 2 * op.p - span) // op.s + 1


def layer_sizes(ops, input_size: int) -> list[int]:
    """The side of each layer's output (``ValueError`` for a layer that does not fit)."""
    sizes, n = [], int(input_size)
    for op in ops:
        n = _out_size(n, op)
        if n > 4 * input_size:
            raise ValueError(f"{op.name}: the map grows to {n} pixels (at most 4 times the input).")
        sizes.append(n)
    return sizes


def unit_index(size: int, frac) -> tuple:
    """The unit at fractional position ``frac`` = (row, col) in [0, 1] of a ``size x size`` grid."""
    return tuple(int(round(float(np.clip(f, 0, 1)) * (size - 1))) for f in frac)


def _reads(o: np.ndarray, op: Op, n_in: int) -> np.ndarray:
    """The input positions (per axis) that the outputs ``o`` of a chain layer read, inside ``0 .. n_in - 1``."""
    if op.kind == "up":
        return np.unique(o // op.k)
    idx = (o[:, None] * op.s - op.p + np.arange(op.k)[None, :] * op.d).ravel()
    return np.unique(idx[(idx >= 0) & (idx < n_in)])


def index_support(ops, input_size: int, layer: int, unit) -> np.ndarray:
    """The exact set of input pixels that unit ``unit`` = (row, col) of layer ``layer`` reads: (n, n) bool.

    A chain layer maps a set of rows times a set of columns to a set of rows times a set of columns (each axis
    on its own); a residual block is the union of its conv path and the identity, which is no longer a product,
    so the sets are carried as 2-D masks."""
    ops = parse_net(ops)
    sizes = [int(input_size)] + layer_sizes(ops, input_size)
    mask = np.zeros((sizes[layer + 1],) * 2, dtype=bool)
    mask[unit[0], unit[1]] = True
    for i in range(layer, -1, -1):
        op, n_in = ops[i], sizes[i]
        if op.kind == "res":
            conv = Op("conv", op.k, 1, op.p, op.d)
            through = _mask_reads(_mask_reads(mask, conv, n_in), conv, n_in)
            mask = through | mask
        else:
            mask = _mask_reads(mask, op, n_in)
    return mask


def _mask_reads(mask: np.ndarray, op: Op, n_in: int) -> np.ndarray:
    out = np.zeros((n_in, n_in), dtype=bool)
    for r in np.flatnonzero(mask.any(axis=1)):  # rows with the same columns read the same product set
        cols = _reads(np.flatnonzero(mask[r]), op, n_in)
        rows = _reads(np.array([r]), op, n_in)
        out[np.ix_(rows, cols)] = True
    return out


def _forward(x, ops, weights, upto: int, *, relu: bool, support: bool):
    """Run ``x`` through ``ops[:upto + 1]``; ``weights``: one tensor per conv (two per res block).
    ``support``: max pooling becomes average pooling (its gradient reaches every pixel of the window)."""
    import torch.nn.functional as F

    it = iter(weights)

    def conv(h, w, op):
        return F.conv2d(h, w, stride=op.s, padding=op.p, dilation=op.d)

    h = x
    for op in ops[:upto + 1]:
        if op.kind == "conv":
            h = conv(h, next(it), op)
            h = h.relu() if relu else h
        elif op.kind == "res":
            w1, w2 = next(it), next(it)
            inner = conv(h, w1, op)
            h = h + conv(inner.relu() if relu else inner, w2, op)
        elif op.kind == "up":
            h = F.interpolate(h, scale_factor=op.k, mode="nearest")
        elif op.kind == "maxpool" and not support:
            h = F.max_pool2d(h, op.k, op.s, op.p, op.d)
        else:
            h = F.avg_pool2d(h, op.k, op.s, op.p) if op.d == 1 else _dilated_avg(h, op)
    return h


def _dilated_avg(h, op):
    import torch
    import torch.nn.functional as F

    c = h.shape[1]
    w = torch.ones(c, 1, op.k, op.k, dtype=h.dtype) / op.k**2
    return F.conv2d(h, w, stride=op.s, padding=op.p, dilation=op.d, groups=c)


def _weights(ops, channels: int, *, ones: bool, seed: int = 0) -> list:
    """Conv weights in order (two per residual block): all ones (one channel), or He-normal from ``seed``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    out, c = [], 1
    for op in ops:
        for _ in range({"conv": 1, "res": 2}.get(op.kind, 0)):
            c_out = 1 if ones else channels
            if ones:
                w = torch.ones(1, 1, op.k, op.k, dtype=torch.float64)
            else:
                w = torch.randn(c_out, c, op.k, op.k, generator=gen, dtype=torch.float64) * np.sqrt(2 / (c * op.k**2))
            out.append(w)
            c = c_out
    return out


def autograd_support(ops, input_size: int, layer: int, unit) -> np.ndarray:
    """The input pixels with a non-zero gradient of the unit in a network of all-ones weights on an all-ones
    input (no cancellation can hide a path): (n, n) bool. A brute force that does not use the recursion."""
    import torch

    ops = parse_net(ops)
    x = torch.ones(1, 1, input_size, input_size, dtype=torch.float64, requires_grad=True)
    out = _forward(x, ops, _weights(ops, 1, ones=True), layer, relu=False, support=True)
    out[0, 0, unit[0], unit[1]].backward()
    return (x.grad[0, 0] > 0).numpy()


def recursion_box(ops, input_size: int, layer: int, unit) -> tuple:
    """The textbook recursion ``j_l = j_{l-1} s_l``, ``r_l = r_{l-1} + d_l (k_l - 1) j_{l-1}``,
    ``start_l = start_{l-1} - p_l j_{l-1}``, with a residual block counted as its longest path (two convolutions)
    and an upsampling by ``f`` as a 1-pixel kernel of stride ``1/f``. Returns ``(r0, r1, c0, c1, rf, jump)``:
    the box of input coordinates (floats after an upsampling; may reach into the padding)."""
    ops = parse_net(ops)
    r, j, start = 1.0, 1.0, 0.0
    for op in ops[:layer + 1]:
        if op.kind == "res":
            for _ in range(2):
                r, start = r + op.d * (op.k - 1) * j, start - op.p * j
        elif op.kind == "up":
            j = j / op.k
        else:
            r, start, j = r + op.d * (op.k - 1) * j, start - op.p * j, j * op.s
    r0, c0 = (start + i * j for i in unit)
    return (r0, r0 + r - 1, c0, c0 + r - 1, r, j)


def support_box(mask: np.ndarray) -> tuple:
    """The bounding box ``(r0, r1, c0, c1)`` of a support mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))


def box_is_exact(box, support: np.ndarray) -> bool:
    """Whether the recursion's box is the exact span of ``support``: every pixel read lies in the box, and each
    edge of the box that lies inside the image is read (an edge in the padding, or clipped onto a hole, is not
    a fault of the box). A box with fractional edges (after an upsampling) is never exact."""
    r0, r1, c0, c1 = box[:4]
    if any(float(v) != int(v) for v in (r0, r1, c0, c1)):
        return False
    n = support.shape[0]
    rows, cols = np.flatnonzero(support.any(axis=1)), np.flatnonzero(support.any(axis=0))
    if rows[0] < r0 or rows[-1] > r1 or cols[0] < c0 or cols[-1] > c1:
        return False
    edges = ((r0, rows[0]), (r1, rows[-1]), (c0, cols[0]), (c1, cols[-1]))
    return all(edge == got for edge, got in edges if 0 <= edge < n)


def effective_field(ops, weights, image, layer: int, unit, *, head=None) -> np.ndarray:
    """``|d unit / d input|`` at ``image`` (n, n), summed over the layer's channels, measured on a fresh leaf."""
    import torch

    x = torch.as_tensor(image, dtype=torch.float64)[None, None].clone().requires_grad_(True)
    out = _forward(x, ops, weights, layer, relu=True, support=False)
    out[0, :, unit[0], unit[1]].sum().backward()
    return x.grad[0, 0].abs().numpy()


def _photo(size: int) -> tuple:
    from .receptive_field import demo_image

    rgb = demo_image(size)
    return rgb, rgb.mean(axis=2) - 0.5


def _train(ops, weights, input_size: int, *, steps: int, seed: int, channels: int, sigma=0.2, batch=4, lr=3e-3):
    """Adam on denoising: noisy grey crops of the photo in, the clean crop out (the last map, through a 1x1 head,
    upsampled back to the input size). Trains ``weights`` in place; returns the losses."""
    import torch
    import torch.nn.functional as F

    from .receptive_field import _adam_denoise

    big = torch.from_numpy(_photo(4 * input_size)[1])
    head = torch.zeros(1, weights[-1].shape[0] if weights else 1, 1, 1, dtype=torch.float64, requires_grad=True)
    n = input_size

    def loss_of(noisy, clean):
        pred = F.interpolate(F.conv2d(_forward(noisy, ops, weights, len(ops) - 1, relu=True, support=False), head),
                             size=(n, n), mode="nearest")
        return ((pred - clean) ** 2).mean()

    return _adam_denoise(weights, head, big, n, loss_of, steps=steps, seed=seed, sigma=sigma, batch=batch, lr=lr)


def lab(spec=STATIC_NETWORK, *, input_size: int = 40, channels: int = 8, train_steps: int = 150, seed: int = 0) -> dict:
    """Everything a state needs: the layers, their sizes, the photo, He-initialised weights and a trained copy
    (``train_steps`` Adam steps of denoising). A layer that does not fit is returned in ``"error"``."""
    import copy

    try:
        ops = parse_net(spec)
        sizes = layer_sizes(ops, input_size)
    except ValueError as err:
        return {"error": str(err), "ops": [], "sizes": []}
    if isinstance(train_steps, bool) or not isinstance(train_steps, int) or not 0 <= train_steps <= 2000:
        raise ValueError(f"The 'train_steps' argument of lab must be an int in [0, 2000]. Got {train_steps!r} instead.")
    rgb, grey = _photo(input_size)
    untrained = _weights(ops, channels, ones=False, seed=seed)
    trained = copy.deepcopy(untrained)
    losses = _train(ops, trained, input_size, steps=train_steps, seed=seed, channels=channels) if trained else np.array([])
    return {"error": None, "ops": ops, "sizes": sizes, "input_size": input_size, "rgb": rgb, "grey": grey,
            "weights": {"untrained": untrained, "trained": trained}, "train_loss": losses}


def lab_state(data: dict, layer: int, unit_frac=(0.5, 0.5)) -> dict:
    """One state: the unit, its exact support, the recursion's box, and both effective fields (each normalised
    to a maximum of 1), with the numbers the title prints."""
    ops, sizes = data["ops"], data["sizes"]
    layer = int(np.clip(layer, 0, len(ops) - 1))
    unit = unit_index(sizes[layer], unit_frac)
    n = data["input_size"]
    support = index_support(ops, n, layer, unit)
    box = recursion_box(ops, n, layer, unit)
    erf = {}
    for name, w in data["weights"].items():
        g = effective_field(ops, w, data["grey"], layer, unit)
        erf[name] = g / g.max() if g.max() > 0 else g
    sb = support_box(support)
    return {"layer": layer, "name": ops[layer].name, "size": sizes[layer], "unit": unit, "support": support,
            "box": box, "support_box": sb, "exact": box_is_exact(box, support), "erf": erf,
            "read": int(support.sum()), "span": (sb[1] - sb[0] + 1) * (sb[3] - sb[2] + 1),
            "outside": {k: float(v[~support].sum() / max(v.sum(), 1e-300)) for k, v in erf.items()}}


# ------------------------------------------------------------------------------------------------ plotting
PANELS = ("pixels read (theoretical field)", "effective field, untrained", "effective field, trained")
_GOLD = [[0, "rgba(0,0,0,0)"], [0.5, "rgba(0,0,0,0)"], [0.5, "rgba(255,200,0,0.7)"], [1, "rgba(255,200,0,0.7)"]]
_HEAT = [[0, "rgba(0,0,0,0)"], [0.1, "rgba(0,0,0,0)"], [0.1, "rgba(40,0,90,0.55)"], [0.55, "rgba(220,40,90,0.75)"],
         [1, "rgba(255,250,120,0.95)"]]


def _levels(g: np.ndarray) -> np.ndarray:
    """0 where the gradient is exactly 0, else 1..9 over three decades below the maximum (a log scale)."""
    out = np.zeros(g.shape, dtype=int)
    pos = g > 0
    out[pos] = np.clip(np.ceil(9 + 8 / 3 * np.log10(g[pos] / g.max())), 1, 9).astype(int)
    return out


def _title(state) -> str:
    r0, r1, c0, c1 = state["support_box"]
    verdict = "= the recursion's box" if state["exact"] else "≠ the recursion's box (dashed)"
    return (f"layer {state['layer'] + 1} ({state['name']}, {state['size']}×{state['size']}), unit {state['unit']}: "
            f"reads {state['read']} of the {r1 - r0 + 1}×{c1 - c0 + 1} pixels of its span {verdict}")


def lab_traces(state: dict) -> list[dict]:
    """Per panel, the overlay heat map (cropped to the support's bounding box, small integers) and the
    recursion's box as a dashed line: six trace dicts, in the order of :func:`plot_lab`'s changing traces."""
    r0, r1, c0, c1 = state["support_box"]
    b = state["box"]
    xs = [b[2] - 0.5, b[3] + 0.5, b[3] + 0.5, b[2] - 0.5, b[2] - 0.5]
    ys = [b[0] - 0.5, b[0] - 0.5, b[1] + 0.5, b[1] + 0.5, b[0] - 0.5]
    maps = [state["support"].astype(int), _levels(state["erf"]["untrained"]), _levels(state["erf"]["trained"])]
    out = []
    for z in maps:
        out.append({"z": z[r0:r1 + 1, c0:c1 + 1].tolist(), "x0": c0, "y0": r0})
        out.append({"x": xs, "y": ys})
    return out


def plot_lab(data: dict, state: dict | None = None):
    """Plotly: three panels over the same photo (pixels read, untrained and trained effective field)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .receptive_field import _image_uri

    state = lab_state(data, len(data["ops"]) - 1) if state is None else state
    n = data["input_size"]
    fig = make_subplots(rows=1, cols=3, subplot_titles=PANELS, horizontal_spacing=0.02)
    uri = _image_uri(np.kron(data["rgb"], np.ones((6, 6, 1))))  # 6x upscaled: crisp pixels in every browser
    for col in (1, 2, 3):
        fig.add_trace(go.Image(source=uri, dx=1 / 6, dy=1 / 6, x0=-0.5 + 1 / 12, y0=-0.5 + 1 / 12, hoverinfo="skip"),
                      1, col)
    for col, attrs in zip((1, 1, 2, 2, 3, 3), lab_traces(state)):
        if "z" in attrs:
            gold = col == 1
            fig.add_trace(go.Heatmap(**attrs, dx=1, dy=1, zmin=0, zmax=1 if gold else 9, showscale=False,
                                     colorscale=_GOLD if gold else _HEAT, hoverinfo="skip"), 1, col)
        else:
            fig.add_trace(go.Scatter(**attrs, mode="lines", line=dict(color="white", dash="dash", width=1.5),
                                     hoverinfo="skip", showlegend=False), 1, col)
    for col in (1, 2, 3):
        fig.update_xaxes(range=[-0.5, n - 0.5], showticklabels=False, showgrid=False, zeroline=False,
                         constrain="domain", row=1, col=col)
        fig.update_yaxes(range=[n - 0.5, -0.5], showticklabels=False, showgrid=False, zeroline=False,
                         scaleanchor=f"x{'' if col == 1 else col}", row=1, col=col)
    fig.update_layout(title=dict(text=_title(state), font=dict(size=13)), height=430,
                      margin=dict(l=10, r=10, t=70, b=110), plot_bgcolor="#222")
    fig.update_annotations(font_size=12)
    return fig


# ------------------------------------------------------------------------------------- interactive layers
def receptive_field_lab_explorer(*, input_size: int = 32, train_steps: int = 40):
    """Network (presets or a typed layer list), layer, unit row and column (needs a live kernel). The presets
    are trained when the explorer starts (a few seconds), so that switching between them redraws at once; a typed
    network trains on its first use. ``box.result`` is ``(lab, state)``, what :func:`plot_lab` draws (``state`` is
    ``None`` for a layer list that is rejected)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire
    from .receptive_field import _error_html, _unit_sliders

    net = widgets.Dropdown(options=list(NETWORKS) + ["custom"], value=next(iter(NETWORKS)), description="network")
    spec = widgets.Text(value=STATIC_NETWORK, description="layers", continuous_update=False)
    layer = widgets.IntSlider(value=2, min=1, max=5, description="layer", continuous_update=False)
    unit_row, unit_col = _unit_sliders()
    info, out = widgets.HTML(), widgets.Output()
    box = widgets.VBox([row(net, spec), row(layer, unit_row, unit_col), out, info])
    cache: dict = {text: lab(text, input_size=input_size, train_steps=train_steps) for text in NETWORKS.values()}

    def update():
        text = NETWORKS.get(net.value, spec.value)
        if text not in cache:
            try:
                cache[text] = lab(text, input_size=input_size, train_steps=train_steps)
            except ValueError as err:
                cache[text] = {"error": str(err), "ops": []}
        data = cache[text]
        if data["error"]:
            box.result = (data, None)  # the error; the last figure stays
            info.value = _error_html(data["error"])
            return
        with box.wiring.quiet():  # a shorter network lowers layer.max and may move the slider: no second redraw
            layer.max = len(data["ops"])
        state = lab_state(data, layer.value - 1, (unit_row.value, unit_col.value))
        info.value = (f"<pre>recursion: field {state['box'][4]:g} px, jump {state['box'][5]:g}; "
                      f"gradient outside the pixels read: untrained {state['outside']['untrained']:.1e}, "
                      f"trained {state['outside']['trained']:.1e}</pre>")
        redraw(out, plot_lab(data, state), owner=box, result=(data, state))

    return wire(box, dict(network=net, spec=spec, layer=layer, unit_row=unit_row, unit_col=unit_col), update)


def static_lab(spec=STATIC_NETWORK, *, data: dict | None = None, grid=UNIT_GRID, input_size: int = 40,
               train_steps: int = 150):
    """The lab without a kernel: a layer slider and unit row / column sliders (``grid`` positions) over
    precomputed states of one network. ``fig._dlbook_states`` says how many states it holds."""
    from .static_states import Control, states_figure

    data = lab(spec, input_size=input_size, train_steps=train_steps) if data is None else data
    if data["error"]:
        raise ValueError(f"static_lab: {data['error']}")
    fig = plot_lab(data)
    labels = [f"{f:g}" for f in grid]
    controls = [
        Control("layer", [f"{i + 1}: {op.name}" for i, op in enumerate(data["ops"])], default=len(data["ops"]) - 1,
                kind="slider", style=dict(currentvalue={"prefix": "layer "}, y=-0.02, len=0.5, x=0.0, pad={"t": 10})),
        Control("unit row", labels, default=len(grid) // 2, kind="slider",
                style=dict(currentvalue={"prefix": "unit row "}, y=-0.02, len=0.23, x=0.52, pad={"t": 10})),
        Control("unit col", labels, default=len(grid) // 2, kind="slider",
                style=dict(currentvalue={"prefix": "unit col "}, y=-0.02, len=0.23, x=0.77, pad={"t": 10})),
    ]

    def render(st):
        state = lab_state(data, st[0], (grid[st[1]], grid[st[2]]))
        return [{}] * 3 + lab_traces(state), {"title.text": _title(state)}

    levels = [-1, -1, -1] + [2] * 6
    fig = states_figure(fig, controls, render, levels=levels)
    fig._dlbook_lab = data
    return fig
