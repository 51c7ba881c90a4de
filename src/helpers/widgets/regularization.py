"""Regularization strength λ vs the decision boundary and the train/validation error (chapter 4).

A small ReLU network (2 -> 64 -> 64 -> 2) is trained full batch with Adam (800 steps) on 30 noisy "two moons" points,
minimising ``mean cross-entropy + λ R(W)`` with ``R = sum W^2`` (L2) or ``R = sum |W|`` (L1) over the weight
matrices. Without penalty it draws a wiggly boundary around every training point (low training error,
higher validation error); a moderate λ smooths it; a huge λ flattens the net into underfitting. A
validation set of 400 points from the same distribution measures generalisation.

Layers: ``compute_`` (torch on the CPU, seeded, cached: the same arguments give the same run) /
``plot_`` / ``_explorer`` / ``static_`` (see :mod:`helpers.widgets`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ..core._validation import check_choice, check_int, check_real
from ..data import make_moons
from ..labs.approximation import build_mlp, weight_matrices

__all__ = ["DEFAULT_LAMBDAS", "compute_regularization", "compute_regularization_batch", "compute_regularization_path",
           "plot_regularization",
           "regularization_explorer", "static_regularization"]

DEFAULT_LAMBDAS = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
_LOW, _HIGH = (-1.6, -1.2), (2.6, 1.7)  # the plotted square of the input plane


@lru_cache(maxsize=256)
def _run(lam: float, kind: str, n_train: int, noise: float, steps: int, resolution: int, seed: int) -> dict:
    torch.manual_seed(seed)  # nothing below draws from it; set anyway so no hidden state leaks in
    x, y = make_moons(n_train, noise=noise, rng=seed)
    xv, yv = make_moons(400, noise=noise, rng=seed + 1000)
    model = build_mlp((2, 64, 64, 2), activation="relu", seed=seed)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    diverged_at = None
    for step in range(steps):
        opt.zero_grad()
        data = torch.nn.functional.cross_entropy(model(xt), yt)
        penalty = sum((w * w).sum() if kind == "l2" else w.abs().sum() for w in weight_matrices(model))
        total = data + lam * penalty
        if not torch.isfinite(total):
            diverged_at = step
            break
        total.backward()
        opt.step()
    gx = np.linspace(_LOW[0], _HIGH[0], resolution)
    gy = np.linspace(_LOW[1], _HIGH[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (R*R, 2), row = y index
    with torch.no_grad():
        prob = torch.softmax(model(torch.as_tensor(grid)), dim=1)[:, 1].numpy().reshape(resolution, resolution)
        out_t, out_v = model(xt), model(torch.as_tensor(xv))
        weights = torch.cat([w.reshape(-1) for w in weight_matrices(model)]).numpy()
    return {
        "lam": lam, "kind": kind, "x_train": x, "y_train": y, "x_val": xv, "y_val": yv, "gx": gx, "gy": gy,
        "prob": prob, "diverged_at": diverged_at,
        "train_error": float((out_t.argmax(1) != yt).double().mean()),
        "val_error": float((out_v.argmax(1).numpy() != yv).mean()),
        "train_loss": float(torch.nn.functional.cross_entropy(out_t, yt)),
        "val_loss": float(torch.nn.functional.cross_entropy(out_v, torch.as_tensor(yv))),
        "weight_l2": float(np.sum(weights**2)), "small_weights": float(np.mean(np.abs(weights) < 1e-3)),
    }


def compute_regularization(lam: float = 1e-3, *, kind: str = "l2", n_train: int = 30, noise: float = 0.4,
                           steps: int = 800, resolution: int = 50, seed: int = 1) -> dict:
    """Train the net with penalty ``lam * R(W)`` and return its decision map and errors.

    Keys: ``prob`` (resolution x resolution, P(class 1) on the grid ``gx``, ``gy``), the data, the train and
    validation error and cross-entropy, ``weight_l2`` (sum of squared weights), ``small_weights`` (fraction of
    weights with ``|w| < 1e-3``) and ``diverged_at`` (the step where the loss stopped being finite, else None).
    """
    lam = check_real(lam, "lam", "compute_regularization", low=0.0, high=10.0)
    check_choice(kind, "kind", "compute_regularization", ("l2", "l1"))
    n_train = check_int(n_train, "n_train", "compute_regularization", low=4)
    noise = check_real(noise, "noise", "compute_regularization", low=0.0, high=1.0)
    steps = check_int(steps, "steps", "compute_regularization", low=1)
    resolution = check_int(resolution, "resolution", "compute_regularization", low=2)
    seed = check_int(seed, "seed", "compute_regularization", low=0)
    return dict(_run(lam, kind, n_train, noise, steps, resolution, seed))


@lru_cache(maxsize=16)
def _run_batch(lams: tuple, kind: str, n_train: int, noise: float, steps: int, resolution: int, seed: int) -> tuple:
    """The training of :func:`_run` for several λ at once, in NumPy with the backward pass by hand.

    The nets (same data, same initial weights) are stacked along a leading batch axis; each run's gradient is its
    own (the runs do not interact) and Adam is :func:`helpers.numpy_impl.optim.adam_step`, PyTorch's formula. So
    each run is :func:`_run`'s computation, vectorised and without PyTorch's per-operation overhead: all of
    ``lams`` train in about the time one run of :func:`_run` takes. Rounding differs in the last bits, and 800
    Adam steps can carry that into the 10th digit (the tests compare both).
    """
    from ..numpy_impl.optim import adam_step

    x, y = make_moons(n_train, noise=noise, rng=seed)
    xv, yv = make_moons(400, noise=noise, rng=seed + 1000)
    linears = [m for m in build_mlp((2, 64, 64, 2), activation="relu", seed=seed) if isinstance(m, torch.nn.Linear)]
    B, lam = len(lams), np.asarray(lams, dtype=np.float64)[:, None, None]  # (B, 1, 1)
    params = []  # per layer: W (B, in, out) and b (B, 1, out), B copies of the same initial net
    for lin in linears:
        params += [np.repeat(lin.weight.detach().numpy().T[None], B, axis=0),
                   np.repeat(lin.bias.detach().numpy()[None, None], B, axis=0)]
    onehot = np.eye(2)[y]  # (N, 2)

    def forward(inputs):  # (N, 2) -> activations per layer, logits (B, N, 2)
        hs, h = [], np.broadcast_to(inputs, (B, *inputs.shape))
        for i in range(0, len(params), 2):
            hs.append(h)
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = np.maximum(h, 0.0)
        return hs, h

    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    diverged_at, frozen = [None] * B, {}
    for step in range(steps):
        hs, logits = forward(x)
        logp = log_softmax(logits)
        data = -(logp * onehot).sum(axis=-1).mean(axis=1)  # (B,)
        weights = params[0::2]
        penalty = sum((w * w).sum(axis=(1, 2)) if kind == "l2" else np.abs(w).sum(axis=(1, 2)) for w in weights)
        with np.errstate(all="ignore"):
            total = data + lam[:, 0, 0] * penalty
        for b in np.flatnonzero(~np.isfinite(total)):
            if diverged_at[b] is None:  # keep this run's last finite weights, as _run stops there
                diverged_at[b], frozen[b] = step, [p[b].copy() for p in params]
        if all(d is not None for d in diverged_at):
            break
        grads = [None] * len(params)
        d = (np.exp(logp) - onehot) / len(x)  # dL/dlogits (B, N, 2)
        for i in range(len(params) - 2, -1, -2):
            grads[i] = hs[i // 2].transpose(0, 2, 1) @ d + (2 * lam * params[i] if kind == "l2" else lam * np.sign(params[i]))
            grads[i + 1] = d.sum(axis=1, keepdims=True)
            if i:
                d = (d @ params[i].transpose(0, 2, 1)) * (hs[i // 2] > 0)
        for j in range(len(params)):
            params[j], m[j], v[j] = adam_step(params[j], grads[j], m[j], v[j], step=step + 1, lr=0.01)
    for b, saved in frozen.items():
        for p, value in zip(params, saved):
            p[b] = value
    gx = np.linspace(_LOW[0], _HIGH[0], resolution)
    gy = np.linspace(_LOW[1], _HIGH[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (R*R, 2), row = y index
    prob = np.exp(log_softmax(forward(grid)[1]))[..., 1].reshape(B, resolution, resolution)
    out_t, out_v = forward(x)[1], forward(xv)[1]
    loss_t = -(log_softmax(out_t) * onehot).sum(axis=-1).mean(axis=1)
    loss_v = -(log_softmax(out_v) * np.eye(2)[yv]).sum(axis=-1).mean(axis=1)
    runs = []
    for b in range(B):
        w = np.concatenate([p[b].T.reshape(-1) for p in params[0::2]])
        runs.append({
            "lam": float(lams[b]), "kind": kind, "x_train": x, "y_train": y, "x_val": xv, "y_val": yv,
            "gx": gx, "gy": gy, "prob": prob[b], "diverged_at": diverged_at[b],
            "train_error": float((out_t[b].argmax(1) != y).mean()), "val_error": float((out_v[b].argmax(1) != yv).mean()),
            "train_loss": float(loss_t[b]), "val_loss": float(loss_v[b]),
            "weight_l2": float(np.sum(w**2)), "small_weights": float(np.mean(np.abs(w) < 1e-3)),
        })
    return tuple(runs)


def compute_regularization_batch(lams, *, kind: str = "l2", n_train: int = 30, noise: float = 0.4, steps: int = 800,
                                 resolution: int = 50, seed: int = 1) -> list[dict]:
    """:func:`compute_regularization` for every λ of ``lams`` in one vectorised training (cached): what the
    explorer computes when the penalty or the noise changes, so that a change redraws in about a second."""
    func = "compute_regularization_batch"
    lams = tuple(check_real(float(v), "lams", func, low=0.0, high=10.0) for v in lams)
    check_choice(kind, "kind", func, ("l2", "l1"))
    n_train = check_int(n_train, "n_train", func, low=4)
    noise = check_real(noise, "noise", func, low=0.0, high=1.0)
    steps = check_int(steps, "steps", func, low=1)
    resolution = check_int(resolution, "resolution", func, low=2)
    seed = check_int(seed, "seed", func, low=0)
    return [dict(r) for r in _run_batch(lams, kind, n_train, noise, steps, resolution, seed)]


def compute_regularization_path(lams=DEFAULT_LAMBDAS, **kwargs) -> dict:
    """Train/validation errors for several λ (same data, same initial weights): the curves of the widget."""
    return _path([compute_regularization(float(lam), **kwargs) for lam in lams])


def _path(runs) -> dict:
    return {"lams": np.array([r["lam"] for r in runs]), "runs": runs,
            **{k: np.array([r[k] for r in runs]) for k in ("train_error", "val_error", "train_loss", "val_loss",
                                                           "weight_l2", "small_weights")}}


def _x_of(lams):
    """λ on a log axis: λ = 0 is drawn one decade left of the smallest positive λ."""
    lams = np.asarray(lams, dtype=np.float64)
    positive = lams[lams > 0]
    floor = positive.min() / 10 if positive.size else 1e-5
    return np.where(lams > 0, lams, floor)


def _setting(r: dict) -> str:
    return f"{'L2 (sum W²)' if r['kind'] == 'l2' else 'L1 (sum |W|)'}, λ = {r['lam']:g}"


def _title(r: dict) -> str:
    text = (f"{_setting(r)}: train error {r['train_error']:.3f}, validation error {r['val_error']:.3f}, "
            f"sum W² = {r['weight_l2']:.1f}")
    return text + (f" · diverged at step {r['diverged_at']}" if r["diverged_at"] is not None else "")


def _traces(r: dict, path: dict | None, *, visible=True):
    import plotly.graph_objects as go

    traces = [
        (go.Heatmap(x=np.round(r["gx"], 3), y=np.round(r["gy"], 3), z=np.round(r["prob"], 3), zmin=0, zmax=1,
                    colorscale="RdBu_r", showscale=False, opacity=0.75, visible=visible, name="P(class 1)"), 1, 1),
        (go.Scatter(x=np.round(r["x_train"][:, 0], 4), y=np.round(r["x_train"][:, 1], 4), mode="markers",
                    marker={"color": r["y_train"].tolist(), "colorscale": [[0, "#08306b"], [1, "#67000d"]],
                            "size": 9, "line": {"width": 1.5, "color": "white"}}, name="training points",
                    visible=visible), 1, 1),
    ]
    if path is not None:
        xs = np.round(_x_of(path["lams"]), 8)
        traces += [
            (go.Scatter(x=xs, y=path["train_error"], mode="lines+markers", name="train error",
                        line={"color": "#1f77b4"}, visible=visible), 1, 2),
            (go.Scatter(x=xs, y=path["val_error"], mode="lines+markers", name="validation error",
                        line={"color": "#d62728"}, visible=visible), 1, 2),
            (go.Scatter(x=[float(_x_of(np.append(path["lams"], r["lam"]))[-1])], y=[r["val_error"]], mode="markers",
                        marker={"size": 16, "symbol": "star", "color": "black"}, name="this λ",
                        visible=visible), 1, 2),
        ]
    return traces


def _figure(height=430):
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=("decision map P(class 1) and training points",
                                        "error vs λ (λ = 0 drawn at the left end)"))
    fig.update_xaxes(type="log", title_text="λ", row=1, col=2)
    fig.update_yaxes(title_text="error rate", rangemode="tozero", row=1, col=2)
    fig.update_layout(height=height, margin={"l": 40, "r": 20, "t": 80, "b": 40},
                      legend={"orientation": "h", "y": -0.15}, title={"font": {"size": 12}})
    return fig


def plot_regularization(result: dict, path: dict | None = None):
    """Decision map of one run (left) and, given a path, the train/validation error vs λ (right)."""
    fig = _figure()
    for trace, row, col in _traces(result, path):
        fig.add_trace(trace, row=row, col=col)
    fig.update_layout(title={"text": _title(result)})
    return fig


def regularization_explorer(*, n_train: int = 30, seed: int = 1, steps: int = 800, lams=DEFAULT_LAMBDAS):
    """λ (log slider), the penalty (L2/L1) and the label noise; needs a live kernel.

    A new penalty or noise trains the error-vs-λ curve (the values ``lams``) and the chosen λ together in one
    vectorised run (:func:`compute_regularization_batch`, about a second); a new λ trains that λ alone (a fraction
    of a second). Every run is kept, so going back is instant.
    """
    import ipywidgets as widgets

    from .display import redraw, row, wire

    lam = widgets.FloatLogSlider(value=1e-3, base=10, min=-5, max=0, step=0.25, description="λ",
                                 continuous_update=False)
    kind = widgets.Dropdown(options=[("L2", "l2"), ("L1", "l1")], value="l2", description="penalty")
    noise = widgets.FloatSlider(value=0.4, min=0.0, max=0.6, step=0.05, description="noise", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(lam, kind, noise), out])
    lams = tuple(float(v) for v in lams)
    runs: dict[tuple, dict] = {}  # (kind, noise) -> {λ: run}

    def update(*_):
        kw = {"kind": kind.value, "noise": round(float(noise.value), 4), "n_train": n_train, "seed": seed,
              "steps": steps}
        value = float(f"{float(lam.value):.12g}")
        known = runs.setdefault((kw["kind"], kw["noise"]), {})
        if not known:
            batch = compute_regularization_batch(lams + (value,), **kw)
            known.update((r["lam"], r) for r in batch)
        if value not in known:
            known[value] = compute_regularization_batch((value,), **kw)[0]
        result = (known[value], _path([known[v] for v in lams]))
        redraw(out, plot_regularization(*result), owner=box, result=result)

    return wire(box, dict(lam=lam, kind=kind, noise=noise), update)


def static_regularization(*, lams=DEFAULT_LAMBDAS, kinds=("l2",), noise: float = 0.4, seed: int = 1):
    """One figure with a slider over (penalty, λ); the decision map and the λ marker follow it.

    Show it with ``show_plotly(fig, measured=True)``: it plots trained networks.
    """
    fig = _figure(height=470)
    steps, per_step, n = [], None, 0
    for kind in kinds:
        path = compute_regularization_path(lams, kind=kind, noise=noise, seed=seed)
        for r in path["runs"]:
            traces = _traces(r, path, visible=n == 0)
            per_step = len(traces)
            for trace, row, col in traces:
                fig.add_trace(trace, row=row, col=col)
            # the stored figure's titles name the setting only: its trained numbers differ between machines in
            # their last digits (the chapter asserts them); the error-vs-λ panel plots them
            steps.append({"label": f"{kind.upper()} {r['lam']:g}", "title": _setting(r)})
            n += 1
    fig.update_layout(title={"text": steps[0]["title"]}, sliders=[{
        "active": 0, "pad": {"t": 50}, "currentvalue": {"prefix": "penalty and λ: "},
        "steps": [{"method": "update", "label": s["label"],
                   "args": [{"visible": [j // per_step == i for j in range(per_step * n)]}, {"title.text": s["title"]}]}
                  for i, s in enumerate(steps)]}])
    return fig
