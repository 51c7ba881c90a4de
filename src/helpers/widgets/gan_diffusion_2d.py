"""GAN training and DDPM denoising on 2-D data, step by step.

Layers: :func:`compute_gan_history` / :func:`compute_ddpm_history` (train with
:mod:`helpers.labs.generative_training`, keep snapshots; a snapshot with non-finite points ends the history and is
reported as ``diverged_at``), :func:`plot_points_2d` (plotly scatter of samples over the data),
:func:`gan_training_explorer` / :func:`diffusion_explorer` (sliders) and :func:`static_gan_training` /
:func:`static_diffusion` (plotly figures with precomputed slider steps for the HTML book).
"""

from __future__ import annotations

import numpy as np

__all__ = ["compute_gan_history", "compute_ddpm_history", "plot_points_2d", "gan_training_explorer",
           "diffusion_explorer", "static_gan_training", "static_diffusion"]

_LIM = 3.2


def _finite_prefix(frames):
    """Number of leading frames whose points are all finite, and the index of the first bad one (or None)."""
    ok = np.array([np.all(np.isfinite(f)) for f in frames])
    bad = np.flatnonzero(~ok)
    return (len(frames), None) if bad.size == 0 else (int(bad[0]), int(bad[0]))


def compute_gan_history(**train_kwargs):
    """:func:`helpers.labs.generative_training.train_gan` with its snapshots cut at the first non-finite one.

    Adds ``diverged_at`` (the training step of that snapshot, or None)."""
    from ..labs.generative_training import train_gan

    out = train_gan(**train_kwargs)
    keep, bad = _finite_prefix(out["samples"])
    out["diverged_at"] = None if bad is None else int(out["steps"][bad])
    for key in ("samples", "steps", "coverage"):
        out[key] = out[key][:keep]
    return out


def compute_ddpm_history(data, *, n=400, sample_seed=0, **train_kwargs):
    """Train a DDPM on ``data`` (M, 2) and keep two paths indexed by t = 0 .. T: ``reverse`` (n samples,
    from x_T ~ N(0, I) at index T to x_0 at index 0) and ``forward`` (the first n data points noised with
    ``q_sample`` at every t, same noise for all t). ``diverged_at`` is the first t (counting down) with a
    non-finite reverse sample (None if all are finite); from there on ``reverse`` repeats the last finite frame."""
    import torch

    from .. import torch_impl as ht
    from ..labs.generative_training import ddpm_sample, train_ddpm

    model, alpha_bars, losses = train_ddpm(data, **train_kwargs)
    reverse = ddpm_sample(model, alpha_bars, n, seed=sample_seed)  # (T + 1, n, 2), index = t
    T = len(alpha_bars) - 1
    x0 = torch.as_tensor(np.asarray(data[:n]), dtype=torch.float32)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(sample_seed + 1))
    forward = np.stack([ht.q_sample(x0, torch.full((len(x0),), t), noise, alpha_bars=alpha_bars).numpy()
                        for t in range(T + 1)])
    _, bad = _finite_prefix(reverse[::-1])  # in sampling order: x_T first
    diverged_at = None if bad is None else T - bad
    if diverged_at is not None:  # show the last finite state from there on, and report the step
        reverse[: diverged_at + 1] = reverse[diverged_at + 1]
    return {"data": np.asarray(data, dtype=np.float64), "reverse": reverse, "forward": forward,
            "alpha_bars": alpha_bars.numpy().astype(np.float64), "losses": losses, "T": T,
            "diverged_at": diverged_at}


def _scatter(points, *, name, color, size=4, opacity=0.7, visible=True):
    import plotly.graph_objects as go

    p = np.clip(np.nan_to_num(np.asarray(points, dtype=np.float64)), -10 * _LIM, 10 * _LIM)
    return go.Scatter(x=np.round(p[:, 0], 3), y=np.round(p[:, 1], 3), mode="markers", name=name,
                      marker=dict(size=size, color=color, opacity=opacity), visible=visible)


def plot_points_2d(points, *, reference=None, title="", name="samples", reference_name="data", max_reference=800):
    """Plotly scatter of ``points`` (n, 2) over grey ``reference`` points (every k-th, at most ``max_reference``:
    enough to show the distribution, light enough to redraw fast); fixed square axes."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if reference is not None:
        reference = np.asarray(reference)[:: max(1, -(-len(reference) // max_reference))]
        fig.add_trace(_scatter(reference, name=reference_name, color="lightgrey", size=4, opacity=0.8))
    fig.add_trace(_scatter(points, name=name, color="crimson"))
    fig.update_layout(title=title, height=420, width=460, margin=dict(l=40, r=10, t=50, b=40))
    fig.update_xaxes(range=[-_LIM, _LIM])
    fig.update_yaxes(range=[-_LIM, _LIM], scaleanchor="x")
    return fig


def _gan_title(name, history, k):
    hits, quality = history["coverage"][k]
    modes = len(history["centers"])
    return f"{name}: step {int(history['steps'][k])}, {int(hits)}/{modes} modes, {quality:.0%} of samples on a mode"


def gan_training_explorer(histories):
    """``histories``: {name: compute_gan_history(...)}. A dropdown picks the run, a slider the snapshot."""
    import ipywidgets as W

    from .display import redraw, row, wire

    names = list(histories)
    run = W.Dropdown(options=names, value=names[0], description="run")
    k = W.IntSlider(value=0, min=0, max=len(histories[names[0]]["steps"]) - 1, description="snapshot",
                    continuous_update=False)
    out = W.Output()
    box = W.VBox([row(run, k), out])

    def update(*_):
        h = histories[run.value]
        i = min(k.value, len(h["steps"]) - 1)
        redraw(out, plot_points_2d(h["samples"][i], reference=h["real"], title=_gan_title(run.value, h, i)),
               owner=box)

    return wire(box, dict(run=run, snapshot=k), update)


def static_gan_training(histories):
    """One subplot per run; a slider over the snapshots (shared steps) shows the generated points.

    Unlike the explorer's, its title states no coverage numbers: they come from training and differ between
    machines, and the stored figure's strings are compared exactly (its points only by structure)."""
    from plotly.subplots import make_subplots

    names = list(histories)
    K = min(len(histories[n]["steps"]) for n in names)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names)
    for c, name in enumerate(names, start=1):
        fig.add_trace(_scatter(histories[name]["real"], name="data", color="lightgrey"), 1, c)
        for k in range(K):
            fig.add_trace(_scatter(histories[name]["samples"][k], name="G(z)", color="crimson",
                                   visible=k == K - 1), 1, c)
    per_run = K + 1
    steps = []
    for k in range(K):
        visible = [j == 0 or j == k + 1 for _ in names for j in range(per_run)]
        steps.append(dict(method="update", label=str(int(histories[names[0]]["steps"][k])), args=[{"visible": visible}]))
    fig.update_layout(sliders=[dict(active=K - 1, steps=steps, currentvalue=dict(prefix="training step "),
                                    pad=dict(t=30))],
                      title=dict(text="G(z) on a fixed batch of noise (red) over the data (grey)", font=dict(size=12)),
                      height=480, showlegend=False, margin=dict(l=40, r=10, t=90, b=40))
    for c in range(1, len(names) + 1):
        fig.update_xaxes(range=[-_LIM, _LIM], row=1, col=c)
        fig.update_yaxes(range=[-_LIM, _LIM], row=1, col=c)
    return fig


def diffusion_explorer(history):
    """A slider over t (T .. 0) and a dropdown: the reverse (sampling) or the forward (noising) process."""
    import ipywidgets as W

    from .display import redraw, row, wire

    T = history["T"]
    t = W.IntSlider(value=T, min=0, max=T, description="t", continuous_update=False)
    which = W.Dropdown(options=["reverse (sampling)", "forward (noising data)"], value="reverse (sampling)",
                       description="process")
    out = W.Output()
    box = W.VBox([row(t, which), out])

    def update(*_):
        path = history["reverse"] if which.value.startswith("reverse") else history["forward"]
        i = min(t.value, len(path) - 1)
        redraw(out, plot_points_2d(path[i], reference=history["data"], title=f"{which.value}: x_t at t = {i}"),
               owner=box)

    return wire(box, dict(t=t, process=which), update)


def static_diffusion(history, *, every=2):
    """Two subplots (forward noising of the data, reverse sampling) with one slider over t = T .. 0."""
    from plotly.subplots import make_subplots

    T = history["T"]
    ts = sorted(set(range(T, -1, -every)) | {0, T}, reverse=True)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("forward: q(x_t | x_0) on the data",
                                                        "reverse: sampling from x_T ~ N(0, I)"))
    for c in (1, 2):
        fig.add_trace(_scatter(history["data"][:1000], name="data", color="lightgrey"), 1, c)
    for i, t in enumerate(ts):
        fig.add_trace(_scatter(history["forward"][t], name="forward", color="royalblue", visible=i == len(ts) - 1),
                      1, 1)
        fig.add_trace(_scatter(history["reverse"][t], name="reverse", color="crimson", visible=i == len(ts) - 1),
                      1, 2)
    steps = []
    for i, t in enumerate(ts):
        visible = [True, True] + [j == i for j in range(len(ts)) for _ in range(2)]
        label = f"t = {t}, ᾱ_t = {history['alpha_bars'][t]:.3f}"
        steps.append(dict(method="update", label=str(t), args=[{"visible": visible}, {"title.text": label}]))
    fig.update_layout(sliders=[dict(active=len(ts) - 1, steps=steps, currentvalue=dict(prefix="t = "),
                                    pad=dict(t=30))],
                      title=steps[-1]["args"][1]["title.text"], height=460, showlegend=False,
                      margin=dict(l=40, r=10, t=80, b=40))
    for c in (1, 2):
        fig.update_xaxes(range=[-_LIM, _LIM], row=1, col=c)
        fig.update_yaxes(range=[-_LIM, _LIM], row=1, col=c)
    return fig
