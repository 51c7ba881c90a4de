"""Latent traversal of a 2-D latent space (VAE or autoencoder on 8x8 digits): move z, watch the decoded image.

Layers: :func:`compute_latent_grid` (decode a grid of codes), :func:`plot_latent_traversal` (plotly: the encoded
digits in latent space with the current z, and the decoded image), :func:`latent_traversal_explorer` (two
sliders) and :func:`static_latent_traversal` (a slider over z_1; each step shows the column of images along z_2).
``decode`` is any callable mapping codes (M, latent) to flattened images (M, H*W) with values in [0, 1].
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_array, check_int

__all__ = ["compute_latent_grid", "plot_latent_traversal", "latent_traversal_explorer", "static_latent_traversal"]


def _raw(decode, z):
    out = decode(np.asarray(z, dtype=np.float32))
    return np.asarray(out.detach().cpu() if hasattr(out, "detach") else out, dtype=np.float64)


def _decode(decode, z, image_shape):
    out = _raw(decode, z).reshape((len(z),) + tuple(image_shape))
    return np.where(np.isfinite(out), np.clip(out, 0.0, 1.0), 0.0)  # never draw NaN


def compute_latent_grid(decode, values, *, latent_dim=2, dims=(0, 1), base=None, image_shape=(8, 8)):
    """``images[i, j]`` = decode(z) with ``z[dims[0]] = values[i]``, ``z[dims[1]] = values[j]``, other entries
    from ``base`` (default 0). Returns ``{"values", "images" (K, K, H, W), "nonfinite"}`` where ``nonfinite``
    counts decoded pixels that were NaN/inf (drawn as 0)."""
    values = np.asarray(values, dtype=np.float64)
    check_array(values, "values", "compute_latent_grid", ndim=1)
    check_int(latent_dim, "latent_dim", "compute_latent_grid", low=1)
    if not np.all(np.isfinite(values)):
        raise ValueError("The 'values' argument of compute_latent_grid must be finite. Got non-finite entries.")
    if len(set(dims)) != 2 or not all(0 <= d < latent_dim for d in dims):
        raise ValueError(f"The 'dims' argument of compute_latent_grid must be two different axes in "
                         f"[0, {latent_dim - 1}]. Got {dims!r} instead.")
    K = len(values)
    z = np.tile(np.zeros(latent_dim) if base is None else np.asarray(base, dtype=np.float64), (K * K, 1))
    z[:, dims[0]] = np.repeat(values, K)
    z[:, dims[1]] = np.tile(values, K)
    raw = _raw(decode, z).reshape((K, K) + tuple(image_shape))
    nonfinite = int(np.sum(~np.isfinite(raw)))
    images = np.where(np.isfinite(raw), np.clip(raw, 0.0, 1.0), 0.0)  # never draw NaN
    return {"values": values, "images": images, "nonfinite": nonfinite}


def _column(images):
    """(K, H, W) images in order of increasing z_2 -> one (K*(H+1) - 1, W) picture, highest z_2 on top,
    with 1-pixel white gaps, already flipped for ``go.Heatmap`` (whose row 0 is at the bottom)."""
    K, H, W = images.shape
    out = np.ones((K * (H + 1) - 1, W))
    for k, image in enumerate(images[::-1]):  # top of the picture = largest z_2
        out[k * (H + 1):k * (H + 1) + H] = image
    return out[::-1]


def plot_latent_traversal(image, z, *, codes=None, labels=None, title=""):
    """Plotly figure: left, the codes of the data (coloured by label) and the current ``z`` (a star);
    right, the decoded ``image`` (H, W)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], subplot_titles=("latent space", "decoded"))
    if codes is not None:
        codes = np.asarray(codes)
        # SVG, not WebGL: a redraw of a few thousand points costs less than a new WebGL context (the explorer
        # redraws this figure on every change, and browsers without a GPU render WebGL in software)
        fig.add_trace(go.Scatter(x=np.round(codes[:, 0], 3), y=np.round(codes[:, 1], 3), mode="markers",
                                 marker=dict(size=4, color=labels, colorscale="Turbo", opacity=0.6),
                                 text=None if labels is None else [str(int(v)) for v in labels],
                                 hoverinfo="text", showlegend=False), 1, 1)
    fig.add_trace(go.Scatter(x=[float(z[0])], y=[float(z[1])], mode="markers",
                             marker=dict(size=16, symbol="star", color="black"), showlegend=False), 1, 1)
    fig.add_trace(go.Heatmap(z=np.round(np.asarray(image)[::-1], 3), colorscale="Greys", zmin=0, zmax=1,
                             showscale=False), 1, 2)
    fig.update_xaxes(title_text="z₁", row=1, col=1)
    fig.update_yaxes(title_text="z₂", row=1, col=1)
    fig.update_xaxes(visible=False, row=1, col=2)
    fig.update_yaxes(visible=False, scaleanchor="x2", row=1, col=2)
    fig.update_layout(title=title, height=360, margin=dict(l=40, r=10, t=60, b=40))
    return fig


def latent_traversal_explorer(decode, *, codes=None, labels=None, limit=3.0, image_shape=(8, 8)):
    """Two sliders for (z_1, z_2); the decoded digit and the position in latent space update live."""
    import ipywidgets as W

    from .display import redraw, row, wire

    z1 = W.FloatSlider(value=0.0, min=-limit, max=limit, step=0.1, description="z₁", continuous_update=False)
    z2 = W.FloatSlider(value=0.0, min=-limit, max=limit, step=0.1, description="z₂", continuous_update=False)
    out = W.Output()
    box = W.VBox([row(z1, z2), out])

    def update(*_):
        z = (z1.value, z2.value)
        image = _decode(decode, np.array([z]), image_shape)[0]
        fig = plot_latent_traversal(image, z, codes=codes, labels=labels, title=f"z = ({z[0]:.1f}, {z[1]:.1f})")
        redraw(out, fig, owner=box, result=image)

    return wire(box, dict(z1=z1, z2=z2), update)


def static_latent_traversal(decode, values, *, codes=None, labels=None, image_shape=(8, 8)):
    """A plotly figure with a slider over z_1 = ``values``; each step shows the decoded images along z_2
    (bottom to top = ``values``) and a vertical line at z_1 in the latent-space scatter."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    grid = compute_latent_grid(decode, values, image_shape=image_shape)
    values, K = grid["values"], len(grid["values"])
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4],
                        subplot_titles=("latent space (line: current z₁)", "decoded along z₂ (bottom → top)"))
    if codes is not None:
        fig.add_trace(go.Scattergl(x=np.round(codes[:, 0], 3), y=np.round(codes[:, 1], 3), mode="markers",
                                   marker=dict(size=4, color=labels, colorscale="Turbo", opacity=0.6),
                                   hoverinfo="skip", showlegend=False), 1, 1)
    fixed = len(fig.data)
    for i in range(K):
        column = _column(grid["images"][i])  # (K*(H+1)-1, W)
        fig.add_trace(go.Scatter(x=[values[i]] * 2, y=[values[0], values[-1]], mode="lines", visible=i == K // 2,
                                 line=dict(color="black", width=3), showlegend=False), 1, 1)
        fig.add_trace(go.Heatmap(z=np.round(column, 3), colorscale="Greys", zmin=0, zmax=1, showscale=False,
                                 visible=i == K // 2), 1, 2)
    steps = []
    for i in range(K):
        visible = [True] * fixed + [k == i for k in range(K) for _ in range(2)]
        steps.append(dict(method="update", label=f"{values[i]:.1f}", args=[{"visible": visible}]))
    fig.update_layout(sliders=[dict(active=K // 2, steps=steps, currentvalue=dict(prefix="z₁ = "), pad=dict(t=30))],
                      height=460, margin=dict(l=40, r=10, t=60, b=40))
    fig.update_xaxes(title_text="z₁", row=1, col=1)
    fig.update_yaxes(title_text="z₂", row=1, col=1)
    fig.update_xaxes(visible=False, row=1, col=2)
    fig.update_yaxes(visible=False, scaleanchor="x2", row=1, col=2)
    return fig
