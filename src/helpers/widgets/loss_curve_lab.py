"""The loss-curve lab, layers 2–4: the plotly figure, the live ipywidgets lab and its static variant.

``plot_run`` draws training/validation loss (left) and accuracy (right) per epoch, marks the early-stopping point
(lowest validation loss) and writes the run's status ("diverged at epoch k" instead of NaN curves); earlier runs
appear as faint curves. ``loss_curve_lab`` is the live lab (core ipywidgets only, works with 7.7 and 8): it trains
a real network on the digits (:mod:`helpers.widgets.loss_curve_runs`) when "train" is clicked, redraws while
training, and can set the learning rate by a learning-rate range test. ``static_loss_curve_lab`` shows the
precomputed grid ``data_files/loss_lab_grid.json`` (written by ``tools/precompute_loss_lab.py``) with a slider for
the learning rate and a menu for capacity × data, so it stays interactive in the HTML book without a kernel.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources

from .display import in_kernel, redraw
from .loss_curve_runs import (
    N_CLASSES,
    OPTIMIZERS,
    SCHEDULES,
    LabConfig,
    RunRecord,
    compute_lr_range_test,
    compute_run,
    grid_config,
    lab_data,
)

__all__ = ["COLORS", "plot_run", "loss_curve_lab", "load_grid", "static_loss_curve_lab", "compute_run",
           "LabConfig", "RunRecord"]

COLORS = {"train": "#1f77b4", "val": "#ff7f0e", "earlier": "#7f7f7f"}
GRID_FILE = "loss_lab_grid.json"


def _traces(record: RunRecord, *, visible=True, y_top: float, faint=False, legend=True):
    """Traces of one run: 4 curves, the early-stopping marker and the status text (loss axes x/y, accuracy x2/y2)."""
    import plotly.graph_objects as go

    e = record.epochs
    style = dict(opacity=0.35, line=dict(width=1)) if faint else dict(line=dict(width=2.5))
    label = f"earlier: lr {record.config.lr:.3g}, {record.config.width}×{record.config.depth}" if faint else ""
    out = []
    for part, color, dash in (("train", COLORS["train"], "solid"), ("val", COLORS["val"], "dash")):
        c = COLORS["earlier"] if faint else color
        for key, axes in (("loss", ("x", "y")), ("acc", ("x2", "y2"))):
            y = [min(v, y_top) if key == "loss" else v for v in getattr(record, f"{part}_{key}")]  # clip for display
            name = label or f"{'training' if part == 'train' else 'validation'} {key}"
            out.append(go.Scatter(x=e, y=y, mode="lines", name=name, visible=visible, xaxis=axes[0], yaxis=axes[1],
                                  line=dict(color=c, dash=dash, width=style["line"]["width"]),
                                  opacity=style.get("opacity", 1.0), legendgroup=label or f"{part}{key}",
                                  showlegend=legend and (not faint or (part, key) == ("val", "loss"))))
    if faint:
        return out
    b = record.best_epoch
    bx, by = ([b], [min(record.val_loss[e.index(b)], y_top)]) if b is not None else ([], [])
    out.append(go.Scatter(x=bx, y=by, mode="markers", marker=dict(symbol="star", size=14, color="black"),
                          name="early stopping (best val loss)", visible=visible, xaxis="x", yaxis="y",
                          showlegend=legend))
    text = html.escape(record.status())
    if record.diverged_at is not None:
        text = f"<b>{text}</b> (loss became non-finite or > {10:g}·ln {N_CLASSES})"
    out.append(go.Scatter(x=[max(record.config.epochs, 1) / 2], y=[0.93 * y_top], mode="text", text=[text],
                          textfont=dict(color="#b00" if record.diverged_at else "black", size=12), showlegend=False,
                          visible=visible, xaxis="x", yaxis="y", hoverinfo="skip"))
    return out


def _layout(fig, *, epochs: int, y_top: float, height: int = 430, title: str = ""):
    fig.update_layout(height=height, title=title, margin=dict(l=50, r=20, t=60, b=40), legend=dict(font=dict(size=10)),
                      xaxis=dict(domain=[0, 0.47], range=[0.5, epochs + 0.5], title="epoch"),
                      yaxis=dict(range=[0, y_top * 1.02], title="cross-entropy loss"),
                      xaxis2=dict(domain=[0.55, 1.0], range=[0.5, epochs + 0.5], title="epoch"),
                      yaxis2=dict(range=[0, 1.02], title="accuracy", anchor="x2"))
    return fig


def _y_top(records) -> float:
    """Top of the loss axis: the largest loss drawn, at least ln C + 0.2 and at most 2·ln C (larger values clip)."""
    top = max((max(r.train_loss + r.val_loss, default=0.0) for r in records), default=0.0)
    return min(max(top, math.log(N_CLASSES) + 0.2), 2 * math.log(N_CLASSES))


def plot_run(record: RunRecord, *, previous=(), title: str | None = None):
    """Loss and accuracy curves of ``record`` with ``previous`` runs faint behind it. Never displays."""
    import plotly.graph_objects as go

    records = [*previous, record]
    y_top = _y_top(records)
    fig = go.Figure()
    for i, r in enumerate(previous):
        fig.add_traces(_traces(r, y_top=y_top, faint=True, legend=i == len(previous) - 1))
    fig.add_traces(_traces(record, y_top=y_top))
    c = record.config
    title = title or (f"lr {c.lr:.3g} ({c.schedule}, {c.optimizer}), {c.width}×{c.depth} hidden, batch {c.batch_size},"
                      f" wd {c.weight_decay:g}, dropout {c.dropout:g}, noise {c.label_noise:g}, n = {record.n_train}")
    return _layout(fig, epochs=max(r.config.epochs for r in records), y_top=y_top, title=title)


def loss_curve_lab(*, config: LabConfig | None = None, max_previous: int = 4, train_now: bool = True):
    """The live lab. Returns a VBox with ``.controls``, ``.run()`` (the "train" button), ``.find_lr()``,
    ``.set_values(**controls)``, ``.records`` (this session's runs) and ``.figure`` (the latest plot)."""
    import ipywidgets as w


    cfg = config or LabConfig()
    n_max = len(lab_data(LabConfig())[1])  # the whole training split
    style, layout = {"description_width": "120px"}, w.Layout(width="340px")
    slider = dict(continuous_update=False)  # a value is sent when the slider is released, exactly as shown
    c = dict(
        lr=w.FloatLogSlider(value=cfg.lr, base=10, min=-4, max=1, step=0.1, description="learning rate", **slider),
        schedule=w.Dropdown(options=list(SCHEDULES), value=cfg.schedule, description="schedule"),
        optimizer=w.Dropdown(options=list(OPTIMIZERS), value=cfg.optimizer, description="optimizer"),
        batch_size=w.Dropdown(options=[(str(b), b) for b in (8, 16, 32, 64, 128, 256)] + [("full", 2048)],
                              value=cfg.batch_size, description="batch size"),
        width=w.Dropdown(options=[2, 4, 8, 16, 32, 64, 128, 256], value=cfg.width, description="hidden width"),
        depth=w.IntSlider(value=cfg.depth, min=1, max=3, description="hidden layers", **slider),
        weight_decay=w.Dropdown(options=[0.0, 1e-4, 1e-3, 1e-2, 1e-1], value=cfg.weight_decay,
                                description="weight decay"),
        dropout=w.FloatSlider(value=cfg.dropout, min=0, max=0.8, step=0.05, description="dropout p", **slider),
        label_noise=w.FloatSlider(value=cfg.label_noise, min=0, max=0.9, step=0.05, description="label noise",
                                  **slider),
        train_size=w.IntSlider(value=min(cfg.train_size or n_max, n_max), min=20, max=n_max,
                               description="training size", **slider),
        epochs=w.IntSlider(value=cfg.epochs, min=2, max=60, description="epochs", **slider),
        seed=w.IntSlider(value=cfg.seed, min=0, max=9, description="seed", **slider),
    )
    for ctl in c.values():
        ctl.style, ctl.layout = style, layout
    train_b, lr_b, clear_b = (w.Button(description=d, layout=w.Layout(width="auto"))
                              for d in ("train", "LR range test → set lr", "forget earlier"))
    progress, readout, out = w.HTML(), w.HTML(), w.Output()
    # The controls keep their width; the buttons and read-outs take the rest, or move below when there is no room.
    side = w.VBox([w.HBox([train_b, lr_b, clear_b], layout=w.Layout(flex_flow="row wrap")), progress, readout],
                  layout=w.Layout(flex="1 1 300px", min_width="280px"))
    box = w.VBox([w.HBox([w.VBox(list(c.values()), layout=w.Layout(flex="0 0 auto")), side],
                         layout=w.Layout(flex_flow="row wrap")), out])
    box.controls, box.records, box.figure = c, [], None

    def current() -> LabConfig:
        values = {k: v.value for k, v in c.items()}
        values["train_size"] = None if values["train_size"] >= n_max else values["train_size"]
        return LabConfig(patience=cfg.patience, **values)

    def draw(record):
        box.figure = plot_run(record, previous=box.records[-max_previous:])
        if in_kernel():  # outside a kernel (tests, scripts) there is nowhere to draw
            redraw(out, box.figure)

    def run(_=None):
        config = current()
        every = max(1, config.epochs // 6)

        def on_epoch(record):
            progress.value = f"training … epoch {record.epochs[-1]}/{config.epochs}"
            if in_kernel() and record.epochs[-1] % every == 0:
                draw(record)

        record = compute_run(config, callback=on_epoch)
        draw(record)
        box.records.append(record)
        progress.value = f"done: {html.escape(record.status())}"
        readout.value = (f"<small>{record.n_params:,} parameters, {record.n_train} training examples; early "
                         f"stopping with patience {config.patience} would stop at epoch "
                         f"{record.stop_epoch or '— (never)'}</small>")
        return record

    def find_lr(_=None):
        result = compute_lr_range_test(current())
        s = result.suggestions
        if math.isfinite(s["steepest"]):
            c["lr"].value = float(min(max(s["steepest"], 1e-4), 10.0))
        progress.value = f"range test: {html.escape(result.summary())}. Learning rate set to the steepest slope."
        return result

    def clear(_=None):
        box.records.clear()

    def set_values(**values):
        for name, value in values.items():
            c[name].value = value

    train_b.on_click(run)
    lr_b.on_click(find_lr)
    clear_b.on_click(clear)
    box.run, box.find_lr, box.set_values, box.buttons = run, find_lr, set_values, (train_b, lr_b, clear_b)
    if train_now:
        run()
    return box


def load_grid() -> dict:
    """The precomputed grid shipped with the package (see ``tools/precompute_loss_lab.py``)."""
    return json.loads(resources.files("helpers").joinpath("data_files", GRID_FILE).read_text())


def static_loss_curve_lab(grid: dict | None = None):
    """All precomputed runs in one plotly figure: a slider picks the learning rate, a menu capacity × data.

    Only the chosen state's traces are visible; the other learning rates of the same capacity stay as faint curves.
    """
    import plotly.graph_objects as go

    grid = grid or load_grid()
    S, C, K = len(grid["scenarios"]), len(grid["capacities"]), len(grid["lrs"])
    records = {(s, c, k): RunRecord.from_dict(grid["runs"][s][c][k], grid_config(grid, s, c, k))
               for s in range(S) for c in range(C) for k in range(K)}
    y_top = _y_top(records.values())
    fig, index = go.Figure(), {}
    for key, r in records.items():
        first = len(fig.data)
        fig.add_traces(_traces(r, visible=False, y_top=y_top, legend=key == (0, 0, 0)))
        index[key] = range(first, len(fig.data))
    n = len(fig.data)

    def visibility(s, c, k):
        vis = [False] * n
        for i in index[(s, c, k)]:
            vis[i] = True
        return vis

    k0 = min(range(K), key=lambda k: abs(math.log(grid["lrs"][k] / 0.05)))  # start near lr = 0.05
    sliders = {}
    for s in range(S):
        for c in range(C):
            steps = [dict(method="restyle", label=f"{lr:.3g}", args=[{"visible": visibility(s, c, k)}])
                     for k, lr in enumerate(grid["lrs"])]
            sliders[(s, c)] = [dict(active=k0, currentvalue=dict(prefix="learning rate = "), steps=steps,
                                    pad=dict(t=45), x=0.0, len=0.8)]

    def label(s, c):
        w, d = grid["capacities"][c]
        return f"{w}×{d} hidden · {grid['scenarios'][s]['name']}"

    buttons = [dict(label=label(s, c), method="update",
                    args=[{"visible": visibility(s, c, k0)}, {"sliders": sliders[(s, c)]}])
               for s in range(S) for c in range(C)]
    for i, v in enumerate(visibility(0, 0, k0)):
        fig.data[i].visible = v
    fig.update_layout(updatemenus=[dict(buttons=buttons, direction="down", x=1.0, xanchor="right", y=1.2)],
                      sliders=sliders[(0, 0)])
    b = grid["base"]
    title = f"Precomputed runs ({b['optimizer']}, {b['schedule']} lr, batch {b['batch_size']}, {b['epochs']} epochs)"
    return _layout(fig, epochs=b["epochs"], y_top=y_top, height=520, title=title)
