"""Receptive fields: the analytic field of any output unit, drawn on a real photo, and the effective field.

* ``compute_receptive_field`` — per-layer table (output size, receptive field, jump, start) of a preset
  (LeNet-5, AlexNet, VGG-16, ResNet-18) or of a layer list such as ``"conv3 conv3 pool2 conv3d2"``,
  by the recursion of :mod:`helpers.core.conv_arithmetic`; ``compute_unit_field`` — the input box one unit sees.
* ``compute_effective_receptive_field`` — the *effective* field (Luo et al., NeurIPS 2016): the gradient of one
  output unit with respect to the input, averaged over random inputs. It is Gaussian-like and much smaller
  than the analytic field; its width grows like ``sqrt(depth)`` while the analytic field grows like ``depth``
  (``compute_erf_vs_depth``). ``train_steps > 0`` first trains the stack as a denoiser of the sklearn photo
  (Adam, float64, CPU), to compare the ERF before and after training.
* ``plot_*`` draw these, ``receptive_field_explorer`` wires them to controls, ``static_receptive_field`` is a
  plotly figure with one precomputed slider state per (preset, layer) for the HTML book.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np

from helpers.core.conv_arithmetic import PRESETS, Layer, network_summary, preset

__all__ = [
    "compute_effective_receptive_field", "compute_erf_vs_depth", "compute_receptive_field", "compute_unit_field",
    "format_table", "parse_layers", "plot_effective_receptive_field", "plot_erf_vs_depth", "plot_receptive_field",
    "receptive_field_explorer", "static_receptive_field",
]

_TOKEN = re.compile(r"^(conv|pool|avg)(\d+)((?:[spd]\d+)*)$")


def parse_layers(spec: str) -> list[Layer]:
    """Layers from text: ``conv3`` (3x3 conv), ``pool2`` (2x2 max pool, stride 2), ``avg3``; suffixes ``s`` stride,
    ``p`` padding, ``d`` dilation, e.g. ``"conv3p1 conv3p1 pool2 conv3d2p2"``."""
    if not isinstance(spec, str) or not spec.split():
        raise ValueError(f"The 'spec' argument of parse_layers must be a non-empty string of layers. Got {spec!r}.")
    layers = []
    for token in spec.lower().replace(",", " ").split():
        m = _TOKEN.match(token)
        if not m or int(m.group(2)) < 1:
            raise ValueError(f"parse_layers cannot read {token!r}: use e.g. conv3, conv3s2p1, conv3d2, pool2, avg3s1p1.")
        kind, k = {"conv": "conv", "pool": "maxpool", "avg": "avgpool"}[m.group(1)], int(m.group(2))
        opts = {key: int(v) for key, v in re.findall(r"([spd])(\d+)", m.group(3))}
        stride = opts.get("s", 1 if kind == "conv" else k)
        if stride < 1 or opts.get("d", 1) < 1:
            raise ValueError(f"parse_layers: stride and dilation of {token!r} must be >= 1.")
        layers.append(Layer(kind, k, stride, opts.get("p", 0), opts.get("d", 1), out_channels=1, name=token))
    return layers


def compute_receptive_field(network="VGG-16", input_size: int | None = None) -> dict:
    """``{"name", "input_size", "rows"}`` for a preset name, a layer spec string or a list of ``Layer``.

    Only the chain of spatial layers is kept (no shortcut branches, no global pooling or fc layers, whose field
    is the whole image). Errors (a layer that does not fit) are returned in ``"error"``, never raised.
    """
    if isinstance(network, str) and network in PRESETS:
        layers, size, _ = preset(network)
        name = network
    else:
        layers = parse_layers(network) if isinstance(network, str) else list(network)
        size, name = 64, "custom"
    size = input_size or size
    layers = [lay for lay in layers if not lay.branch and lay.kind not in ("gap", "fc", "bn")]
    try:
        rows = network_summary(layers, size, 1)
    except ValueError as err:
        return {"name": name, "input_size": size, "rows": [], "error": str(err)}
    return {"name": name, "input_size": size, "rows": rows, "error": None}


def compute_unit_field(result: dict, layer: int, unit=(0.5, 0.5)) -> dict:
    """The input box seen by one unit of layer ``layer``; ``unit`` is its (row, col) position as fractions in [0, 1].

    Returns the unclipped box ``(r0, r1, c0, c1)`` (inclusive) and the part inside the image.
    """
    rows = result["rows"]
    if not rows:
        raise ValueError(f"compute_unit_field: the network has no layers ({result.get('error')}).")
    row = rows[int(np.clip(layer, 0, len(rows) - 1))]
    idx = [int(round(float(np.clip(f, 0, 1)) * (row["size"] - 1))) for f in unit]
    (r0, c0) = (row["start"] + i * row["jump"] for i in idx)
    box = (r0, r0 + row["rf"] - 1, c0, c0 + row["rf"] - 1)
    n = result["input_size"]
    clipped = (max(box[0], 0), min(box[1], n - 1), max(box[2], 0), min(box[3], n - 1))
    return {"layer": row, "unit": tuple(idx), "box": box, "clipped": clipped,
            "center": ((box[0] + box[1]) / 2, (box[2] + box[3]) / 2)}


def format_table(result: dict) -> str:
    """The per-layer table as aligned text."""
    lines = [f"{'layer':<16}{'size':>6}{'rf':>6}{'jump':>6}{'start':>7}"]
    lines += [f"{r['name']:<16}{r['size']:>6}{r['rf']:>6}{r['jump']:>6}{r['start']:>7}" for r in result["rows"]]
    return "\n".join(lines)


def _conv_weights(layers, *, init: str, channels: int, generator) -> list:
    """One float64 weight tensor ``(channels, C_in, k, k)`` per conv layer, drawn in order from ``generator``."""
    import torch

    weights, c = [], 1
    for lay in layers:
        if lay.kind == "conv":
            w = torch.empty(channels, c, lay.kernel_size, lay.kernel_size, dtype=torch.float64)
            if init == "kaiming":
                w.normal_(0.0, float(np.sqrt(2.0 / (c * lay.kernel_size**2))), generator=generator)
            else:
                w.fill_(1.0 / (c * lay.kernel_size**2))
            weights.append(w)
            c = channels
    return weights


def _apply_stack(x, layers, weights, *, relu: bool, batch_norm: bool, skip: bool):
    """Run ``x`` (N, 1, H, W) through the stack: conv (+ batch norm) (+ ReLU) (+ skip), or pooling."""
    import torch.nn.functional as F

    h, convs = x, iter(weights)
    for lay in layers:
        if lay.kind == "conv":
            out = F.conv2d(h, next(convs), stride=lay.stride, padding=lay.padding, dilation=lay.dilation)
            if batch_norm:
                out = F.batch_norm(out, None, None, training=True)
            if relu:
                out = out.relu()
            h = out + h if skip and out.shape == h.shape else out
        else:
            pool = F.max_pool2d if lay.kind == "maxpool" else F.avg_pool2d
            h = pool(h, lay.kernel_size, lay.stride, lay.padding)
    return h


def _adam_denoise(weights, head, photo, n: int, loss_of, *, steps, seed, sigma, batch, lr):
    """Adam on ``weights`` and the 1x1 ``head`` (both trained in place), shared by this module's ERF and the lab:
    each step draws ``batch`` random ``n x n`` crops of the grey ``photo``, adds Gaussian noise of std ``sigma``
    and minimises ``loss_of(noisy, clean)`` (both ``(B, 1, n, n)``). Returns the losses."""
    import torch

    gen = torch.Generator().manual_seed(seed + 1)
    for w in weights:
        w.requires_grad_(True)
    opt = torch.optim.Adam([*weights, head], lr=lr)
    losses = []
    for _ in range(steps):
        r, c = torch.randint(0, photo.shape[0] - n + 1, (2, batch), generator=gen).tolist()
        clean = torch.stack([photo[i:i + n, j:j + n] for i, j in zip(r, c)])[:, None]
        noisy = clean + sigma * torch.randn(clean.shape, generator=gen, dtype=torch.float64)
        loss = loss_of(noisy, clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for w in weights:
        w.requires_grad_(False)
    return np.array(losses)


def _train_denoiser(layers, weights, analytic, *, steps, stack, seed, sigma=0.2, batch=2, lr=3e-3):
    """Adam on a denoising task: noisy grey crops of the sklearn photo -> the clean pixel under each output unit.

    A 1x1 head maps the stack's channels to one grey value. Trains ``weights`` in place; returns (head, losses).
    """
    import torch

    n, row = analytic["input_size"], analytic["rows"][-1]
    photo = torch.from_numpy(demo_image(max(224, n)).mean(axis=2) - 0.5)  # grey, centred: (S, S)
    centre = np.clip(row["start"] + (row["rf"] - 1) // 2 + row["jump"] * np.arange(row["size"]), 0, n - 1)
    centre = torch.from_numpy(centre)  # input pixel under each output unit, per axis
    head = torch.zeros(1, weights[-1].shape[0], 1, 1, dtype=torch.float64, requires_grad=True)

    def loss_of(noisy, clean):
        pred = torch.nn.functional.conv2d(_apply_stack(noisy, layers, weights, **stack), head)
        return ((pred - clean[:, :, centre][:, :, :, centre]) ** 2).mean()

    losses = _adam_denoise(weights, head, photo, n, loss_of, steps=steps, seed=seed, sigma=sigma, batch=batch, lr=lr)
    return head.detach(), losses


def compute_effective_receptive_field(spec="conv3p1 " * 6, *, input_size: int = 41, init: str = "kaiming",
                                      relu: bool = True, batch_norm: bool = False, skip: bool = False,
                                      channels: int = 8, n_samples: int = 8, seed: int = 0,
                                      train_steps: int = 0) -> dict:
    """Mean |d out_center / d input| over random inputs for a small conv stack (torch autograd).

    ``init``: "kaiming" (He normal), "uniform" (every weight 1/(C k^2): an averaging filter). ``skip`` adds the
    input of a layer to its output where the shapes allow (a residual connection). ``train_steps > 0`` first
    trains the stack (plus a 1x1 head) as a denoiser of the sklearn photo and measures through the head.
    Returns the normalised map, the analytic box of the same unit, the ERF's standard deviation (pixels) along
    each axis and the training losses.
    """
    import torch

    if init not in ("kaiming", "uniform"):
        raise ValueError(f"The 'init' argument of compute_effective_receptive_field must be 'kaiming' or 'uniform'. "
                         f"Got {init!r} instead.")
    if isinstance(train_steps, bool) or not isinstance(train_steps, int) or not 0 <= train_steps <= 2000:
        raise ValueError(f"The 'train_steps' argument of compute_effective_receptive_field must be an int in "
                         f"[0, 2000]. Got {train_steps!r} instead.")
    layers = parse_layers(spec) if isinstance(spec, str) else list(spec)
    analytic = compute_receptive_field(layers, input_size)
    if analytic["error"]:
        return {"erf": None, "error": analytic["error"], "analytic": analytic}
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, 1, input_size, input_size, generator=gen, dtype=torch.float64, requires_grad=True)
    weights = _conv_weights(layers, init=init, channels=channels, generator=gen)
    stack = dict(relu=relu, batch_norm=batch_norm, skip=skip)
    losses = np.array([])
    if train_steps and weights:
        head, losses = _train_denoiser(layers, weights, analytic, steps=train_steps, stack=stack, seed=seed)
    h = _apply_stack(x, layers, weights, **stack)
    if losses.size:
        h = torch.nn.functional.conv2d(h, head)  # the trained prediction: one grey value per unit
    ci = h.shape[2] // 2
    h[:, :, ci, ci].sum().backward()  # the centre unit, all channels, every sample (samples are independent)
    erf = x.grad.abs().mean(dim=(0, 1)).numpy()
    if erf.max() > 0:
        erf = erf / erf.max()
    unit = compute_unit_field(analytic, len(layers) - 1, (0.5, 0.5))
    return {"erf": erf, "error": None, "analytic": analytic, "unit": unit, "std": _spread(erf),
            "train_loss": losses, "settings": dict(init=init, relu=relu, batch_norm=batch_norm, skip=skip,
                                                   train_steps=int(losses.size))}


def _spread(erf):
    """Standard deviation (pixels) of the ERF viewed as a distribution, per axis."""
    total = erf.sum()
    if total == 0:
        return (0.0, 0.0)
    out = []
    for axis in (1, 0):
        p = erf.sum(axis=axis) / total
        pos = np.arange(p.size)
        mean = (p * pos).sum()
        out.append(float(np.sqrt((p * (pos - mean) ** 2).sum())))
    return tuple(out)


def compute_erf_vs_depth(depths=(1, 2, 4, 8, 16), *, init: str = "uniform", relu: bool = False, seed: int = 0) -> dict:
    """ERF width (std) and analytic field size of stacks of ``3x3`` convs, for the sqrt(depth) law."""
    depths = [int(d) for d in depths]
    size = 2 * max(depths) + 11
    stds, rfs = [], []
    for d in depths:
        r = compute_effective_receptive_field("conv3p1 " * d, input_size=size, init=init, relu=relu, seed=seed,
                                              n_samples=4, channels=4)
        stds.append(r["std"][0])
        rfs.append(r["analytic"]["rows"][-1]["rf"])
    return {"depth": np.array(depths), "std": np.array(stds), "rf": np.array(rfs), "init": init, "relu": relu}


# ------------------------------------------------------------------------------------------------ plotting
def _image_uri(image) -> str:
    """A JPEG data URI (a photo compresses ~5x better than PNG; the figures stay small)."""
    from PIL import Image

    arr = np.asarray(np.clip(image, 0, 1) * 255, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def demo_image(size: int = 224) -> np.ndarray:
    """The centre square of scikit-learn's ``china.jpg``, resized to ``size x size``, float RGB in [0, 1]."""
    from PIL import Image

    from helpers.data import load_sample_image

    img = load_sample_image("china")  # (427, 640, 3)
    h, w = img.shape[:2]
    left = (w - h) // 2
    square = Image.fromarray((img[:, left:left + h] * 255).astype(np.uint8))
    return np.asarray(square.resize((size, size), Image.BILINEAR), dtype=np.float64) / 255.0


def _box_traces(result, layer, unit, scale, visible=True):
    import plotly.graph_objects as go

    f = compute_unit_field(result, layer, unit)
    r0, r1, c0, c1 = f["box"]
    q0, q1, d0, d1 = f["clipped"]
    j = f["layer"]["jump"]
    cy, cx = f["center"]

    def rect(a0, a1, b0, b1):  # pixel edges: a box over pixels a0..a1 spans a0-0.5 .. a1+0.5
        xs = np.array([b0, b1 + 1, b1 + 1, b0, b0]) - 0.5
        ys = np.array([a0, a0, a1 + 1, a1 + 1, a0]) - 0.5
        return xs * scale, ys * scale

    full, inside = rect(r0, r1, c0, c1), rect(q0, q1, d0, d1)
    unit_box = rect(cy - (j - 1) / 2, cy + (j - 1) / 2, cx - (j - 1) / 2, cx + (j - 1) / 2)
    return [go.Scatter(x=full[0], y=full[1], mode="lines", line=dict(color="white", dash="dash", width=1.5),
                       name="field incl. padding", visible=visible, hoverinfo="skip"),
            go.Scatter(x=inside[0], y=inside[1], mode="lines", fill="toself", fillcolor="rgba(255,200,0,0.25)",
                       line=dict(color="gold", width=2.5), name="receptive field", visible=visible, hoverinfo="skip"),
            go.Scatter(x=unit_box[0], y=unit_box[1], mode="lines", line=dict(color="red", width=2),
                       name="one unit's stride cell", visible=visible, hoverinfo="skip")], f


def _title(f, name):
    row = f["layer"]
    return (f"{name} · {row['name']}: output {row['size']}×{row['size']}, receptive field {row['rf']} px, "
            f"jump {row['jump']}, unit {f['unit']}")


def plot_receptive_field(result: dict, layer: int, unit=(0.5, 0.5), image=None, display_size: int = 224):
    """Plotly figure: the photo (resized to the network input) with the field of one unit of ``layer``."""
    import plotly.graph_objects as go

    image = demo_image(display_size) if image is None else image
    scale = display_size / result["input_size"]
    traces, f = _box_traces(result, layer, unit, scale)
    fig = go.Figure([go.Image(source=_image_uri(image), hoverinfo="skip")] + traces)
    pad = 0.35 * display_size
    fig.update_layout(title=_title(f, result["name"]), height=520, margin=dict(l=20, r=20, t=60, b=20),
                      xaxis=dict(range=[-pad, display_size + pad], showgrid=False, zeroline=False),
                      yaxis=dict(range=[display_size + pad, -pad], scaleanchor="x", showgrid=False, zeroline=False),
                      legend=dict(orientation="h", y=-0.02), plot_bgcolor="#333")
    return fig


def plot_effective_receptive_field(results):
    """Matplotlib: one ERF heat map per result, with the analytic receptive field as a box."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    results = [r for r in results if r.get("erf") is not None]
    fig, axes = plt.subplots(1, max(len(results), 1), figsize=(3.2 * max(len(results), 1), 3.4), squeeze=False)
    for ax, r in zip(axes[0], results):
        ax.imshow(r["erf"], cmap="magma", vmin=0, vmax=1)
        r0, r1, c0, c1 = r["unit"]["box"]
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False, ec="cyan", lw=1.5))
        s = r["settings"]
        flags = "+".join(k for k in ("relu", "batch_norm", "skip") if s[k]) or "linear"
        flags += f", trained {s['train_steps']} steps" if s.get("train_steps") else ""
        ax.set_title(f"{s['init']}, {flags}\nERF std {r['std'][0]:.1f} px, RF {r['analytic']['rows'][-1]['rf']} px",
                     fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_erf_vs_depth(result: dict):
    """Matplotlib: analytic field size (linear in depth) vs the ERF's width, 4 std (±2 std: about 95 % of the mass
    of the nearly Gaussian ERF, the fair comparison with a full width), with a fitted ``a sqrt(depth)``."""
    import matplotlib.pyplot as plt

    d, std, rf = result["depth"], result["std"], result["rf"]
    width = 4 * std  # ±2 std
    a = float((width * np.sqrt(d)).sum() / d.sum())  # least squares for width ≈ a sqrt(d)
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(d, rf, "s-", label="analytic receptive field (px)")
    ax.plot(d, width, "o-", label="effective field: ±2 std ≈ 95 % of the mass (px)")
    ax.plot(d, a * np.sqrt(d), "k--", lw=1, label=f"{a:.2f} √depth")
    ax.set_xlabel("number of 3×3 conv layers")
    ax.set_ylabel("pixels")
    ax.legend()
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------- interactive layers
def _unit_sliders():
    """The unit row and column sliders (fractions of the feature map) of both receptive-field explorers."""
    import ipywidgets as widgets

    return tuple(widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description=f"unit {axis}",
                                     continuous_update=False) for axis in ("row", "col"))


def _error_html(message: str) -> str:
    """An explorer's error message (a network it cannot read), in red, as HTML."""
    import html

    return f"<pre style='color:#b00'>{html.escape(message)}</pre>"


def receptive_field_explorer(*, image=None):
    """Preset or layer list, layer slider, unit position; the field drawn on the photo (needs a live kernel)."""
    import ipywidgets as widgets

    from .display import in_kernel, redraw, row, wire

    image = demo_image() if image is None else image
    net = widgets.Dropdown(options=list(PRESETS) + ["custom"], value="VGG-16", description="network")
    spec = widgets.Text(value="conv3p1 conv3p1 pool2 conv3p2d2 conv3p4d4", description="layers",
                        continuous_update=False)
    layer = widgets.IntSlider(value=0, min=0, max=20, description="layer", continuous_update=False)
    unit_row, unit_col = _unit_sliders()
    table, out = widgets.HTML(), widgets.Output()
    box = widgets.VBox([row(net, spec), row(layer, unit_row, unit_col), out, table])

    def update():
        try:
            result = compute_receptive_field(net.value if net.value != "custom" else spec.value)
        except ValueError as err:
            result = {"rows": [], "error": str(err)}
        box.result = result
        if not result["rows"]:
            table.value = _error_html(result["error"])
            if in_kernel():
                from IPython.display import clear_output

                with out:
                    clear_output()
            return
        with box.wiring.quiet():  # a shorter network lowers layer.max and may move the slider: no second redraw
            layer.max = len(result["rows"]) - 1
        fig = plot_receptive_field(result, min(layer.value, layer.max), (unit_row.value, unit_col.value), image)
        table.value = f"<pre>{format_table(result)}</pre>"
        redraw(out, fig, owner=box)

    return wire(box, dict(network=net, spec=spec, layer=layer, unit_row=unit_row, unit_col=unit_col), update)


def static_receptive_field(presets=("LeNet-5", "AlexNet", "VGG-16", "ResNet-18"), *, image=None,
                           display_size: int = 224):
    """One figure, one slider step per (preset, layer): the centre unit's field on the photo, no kernel needed."""
    import plotly.graph_objects as go

    image = demo_image(display_size) if image is None else image
    fig = go.Figure([go.Image(source=_image_uri(image), hoverinfo="skip")])
    steps, titles = [], []
    for name in presets:
        result = compute_receptive_field(name)
        for i in range(len(result["rows"])):
            traces, f = _box_traces(result, i, (0.5, 0.5), display_size / result["input_size"], visible=not steps)
            fig.add_traces(traces)
            titles.append(_title(f, name))
            steps.append(f"{name}: {f['layer']['name']}")
    n = len(steps)
    slider_steps = []
    for i, label in enumerate(steps):
        visible = [True] + [j // 3 == i for j in range(3 * n)]
        slider_steps.append({"method": "update", "label": label, "args": [{"visible": visible}, {"title": titles[i]}]})
    pad = 0.35 * display_size
    fig.update_layout(
        title=titles[0], height=620, margin=dict(l=20, r=20, t=60, b=20), plot_bgcolor="#333",
        xaxis=dict(range=[-pad, display_size + pad], showgrid=False, zeroline=False),
        yaxis=dict(range=[display_size + pad, -pad], scaleanchor="x", showgrid=False, zeroline=False),
        legend=dict(orientation="h", y=1.0, yanchor="bottom"),
        sliders=[{"active": 0, "steps": slider_steps, "currentvalue": {"prefix": ""}, "pad": {"t": 30}}],
    )
    return fig
