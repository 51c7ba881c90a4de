"""The loss-curve lab, layers 2–4: the plotly figure, the live ipywidgets lab and its static variant.

``plot_run`` draws training/validation loss (left) and accuracy (right) per epoch, marks the epoch of lowest
validation loss (★, hindsight) and where early stopping with the run's patience halts (✕), and writes the run's
regime (:func:`~helpers.widgets.loss_curve_runs.classify_regime`: diverged, under-fitting, over-fitting, good fit)
and status ("diverged at epoch k" instead of NaN curves); earlier runs appear as faint curves; with ``smoothing``
> 0 the per-update training loss is drawn faint with its moving average on top. ``plot_range_test`` shows a
learning-rate range test (raw and smoothed loss, both suggestions) beside a run at each suggestion.

``loss_curve_lab`` is the live lab (core ipywidgets only, works with 7.7 and 8): it trains a real network on the
digits (:mod:`helpers.widgets.loss_curve_runs`) when "train" is clicked, redraws while training, and runs the range
test with a run at each suggestion. The static variants, interactive in the HTML book without a kernel, are built by
the same functions from precomputed runs: ``static_loss_curve_lab`` (the grid ``helpers/data/files/loss_lab_grid.json``
written by ``tools/precompute_loss_lab.py``: data · capacity, batch size, regulariser menus and a learning-rate
slider) and ``static_range_test_figure`` (a smoothing slider over one range test and its two runs).
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources

from .display import in_kernel, redraw, wire
from .loss_curve_runs import (
    N_CLASSES,
    OPTIMIZERS,
    SCHEDULES,
    LabConfig,
    RunRecord,
    classify_regime,
    compute_range_test_runs,
    compute_run,
    ema,
    grid_run,
    lab_data,
)

__all__ = ["COLORS", "plot_run", "plot_range_test", "loss_curve_lab", "load_grid", "static_loss_curve_lab",
           "static_range_test_figure", "compute_run", "LabConfig", "RunRecord"]

COLORS = {"train": "#1f77b4", "val": "#ff7f0e", "earlier": "#7f7f7f", "steepest": "#2ca02c", "min_over_10": "#d62728"}
REGIME_COLORS = {"diverged": "#b00", "under-fitting": "#8c564b", "over-fitting": "#9467bd", "good fit": "#2a7d2a"}
GRID_FILE = "loss_lab_grid.json"


def status_text(record: RunRecord) -> str:
    """The regime (from the curves, coloured), the hindsight best epoch and the patience stop, as the title's
    second and third lines say them."""
    regime, why = classify_regime(record)
    text = (f"<span style='color:{REGIME_COLORS[regime]}'><b>{regime}</b></span> ({html.escape(why)})<br>"
            f"{html.escape(record.status())}")
    if record.diverged_at is not None:
        return text + f" (loss non-finite or > {10:g}·ln {N_CLASSES})"
    stop = record.stop_epoch
    if stop is None:
        return text + f"; patience {record.config.patience} never stops it"
    kept = record.epochs[min(range(stop), key=lambda i: record.val_loss[i])]
    return text + f"; patience {record.config.patience} stops at {stop}, keeps epoch {kept}"


def _marks(record: RunRecord, y_top: float):
    """x, y of the best-epoch ★ and the patience-stop ✕ (empty lists when there is none)."""
    e, clip = record.epochs, lambda v: min(v, y_top)
    b, stop = record.best_epoch, record.stop_epoch
    best = ([b], [clip(record.val_loss[e.index(b)])]) if b is not None else ([], [])
    halt = ([stop], [clip(record.val_loss[e.index(stop)])]) if stop is not None else ([], [])
    return best, halt


def _trace_data(record: RunRecord, y_top: float) -> list[dict]:
    """What the 6 traces of one run show: 4 curves, ★ and ✕ (the static lab rewrites these)."""
    e = record.epochs
    out = []
    for part in ("train", "val"):
        for key in ("loss", "acc"):
            y = [min(v, y_top) if key == "loss" else v for v in getattr(record, f"{part}_{key}")]  # clip for display
            out.append(dict(x=list(e), y=y))
    (bx, by), (sx, sy) = _marks(record, y_top)
    out += [dict(x=bx, y=by), dict(x=sx, y=sy)]
    return out


def _traces(record: RunRecord, *, visible=True, y_top: float, faint=False, legend=True):
    """Traces of one run: 4 curves, the best-epoch ★ and the patience-stop ✕ (loss axes x/y, accuracy x2/y2); a
    faint (earlier) run has the 4 curves only. The regime and status go into the title (:func:`status_text`)."""
    import plotly.graph_objects as go

    style = dict(opacity=0.35, line=dict(width=1)) if faint else dict(line=dict(width=2.5))
    label = f"earlier: lr {record.config.lr:.3g}, {record.config.width}×{record.config.depth}" if faint else ""
    data = _trace_data(record, y_top)
    out = []
    for j, (part, key) in enumerate((("train", "loss"), ("train", "acc"), ("val", "loss"), ("val", "acc"))):
        c = COLORS["earlier"] if faint else COLORS[part]
        axes = ("x", "y") if key == "loss" else ("x2", "y2")
        name = label or f"{'training' if part == 'train' else 'validation'} {key}"
        out.append(go.Scatter(**data[j], mode="lines", name=name, visible=visible, xaxis=axes[0], yaxis=axes[1],
                              line=dict(color=c, dash="solid" if part == "train" else "dash",
                                        width=style["line"]["width"]),
                              opacity=style.get("opacity", 1.0), legendgroup=label or f"{part}{key}",
                              showlegend=legend and (not faint or (part, key) == ("val", "loss"))))
    if faint:
        return out
    out.append(go.Scatter(**data[4], mode="markers", marker=dict(symbol="star", size=14, color="black"),
                          name="lowest val loss (hindsight)", visible=visible, xaxis="x", yaxis="y",
                          showlegend=legend))
    out.append(go.Scatter(**data[5], mode="markers", marker=dict(symbol="x", size=12, color="#d62728"),
                          name=f"patience-{record.config.patience} stop", visible=visible, xaxis="x", yaxis="y",
                          showlegend=legend))
    return out


def _step_traces(record: RunRecord, smoothing: float, y_top: float, *, color=COLORS["train"], name="", axes=("x", "y")):
    """The per-update training loss, faint, and its moving average (x in epochs: update t at (t + 1)/updates)."""
    import plotly.graph_objects as go

    if not record.step_loss or not record.epochs:
        return []
    per_epoch = len(record.step_loss) / len(record.epochs)
    x = [(t + 1) / per_epoch for t in range(len(record.step_loss))]
    raw = [min(v, y_top) for v in record.step_loss]
    smooth = [min(v, y_top) for v in ema(record.step_loss, smoothing)]
    name = name or "training loss per update"
    return [go.Scatter(x=x, y=raw, mode="lines", line=dict(color=color, width=0.6), opacity=0.25, xaxis=axes[0],
                       yaxis=axes[1], name=f"{name} (raw)", hoverinfo="skip"),
            go.Scatter(x=x, y=smooth, mode="lines", line=dict(color=color, width=1.5), xaxis=axes[0], yaxis=axes[1],
                       name=f"{name}, EMA β = {smoothing:g}")]


def _layout(fig, *, epochs: int, y_top: float, height: int = 500, title: str = ""):
    fig.update_layout(height=height, title=dict(text=title, x=0.01, y=1, yanchor="top", pad=dict(t=12),
                                                font=dict(size=14)),
                      margin=dict(l=50, r=20, t=110, b=40), legend=dict(font=dict(size=10)),
                      xaxis=dict(domain=[0, 0.47], range=[0.5, epochs + 0.5], title="epoch"),
                      yaxis=dict(range=[0, y_top * 1.02], title="cross-entropy loss"),
                      xaxis2=dict(domain=[0.55, 1.0], range=[0.5, epochs + 0.5], title="epoch"),
                      yaxis2=dict(range=[0, 1.02], title="accuracy", anchor="x2"))
    return fig


def _y_top(records) -> float:
    """Top of the loss axis: the largest loss drawn, at least ln C + 0.2 and at most 2·ln C (larger values clip)."""
    top = max((max(r.train_loss + r.val_loss, default=0.0) for r in records), default=0.0)
    return min(max(top, math.log(N_CLASSES) + 0.2), 2 * math.log(N_CLASSES))


def plot_run(record: RunRecord, *, previous=(), title: str | None = None, smoothing: float = 0.0):
    """Loss and accuracy curves of ``record`` with ``previous`` runs faint behind it. With ``smoothing`` β > 0 the
    per-update training loss is added, raw (faint) and as its moving average (:func:`ema`). Never displays."""
    import plotly.graph_objects as go

    records = [*previous, record]
    y_top = _y_top(records)
    fig = go.Figure()
    for i, r in enumerate(previous):
        fig.add_traces(_traces(r, y_top=y_top, faint=True, legend=i == len(previous) - 1))
    if smoothing > 0:
        fig.add_traces(_step_traces(record, smoothing, y_top))
    fig.add_traces(_traces(record, y_top=y_top))
    c = record.config
    title = title or (f"lr {c.lr:.3g} ({c.schedule}, {c.optimizer}), {c.width}×{c.depth} hidden, batch {c.batch_size},"
                      f"<br>wd {c.weight_decay:g}, dropout {c.dropout:g}, noise {c.label_noise:g}, n = {record.n_train}"
                      f"<br><sup>{status_text(record)}</sup>")
    return _layout(fig, epochs=max(r.config.epochs for r in records), y_top=y_top, title=title)


_RT_KEYS = (("steepest", "steepest slope"), ("min_over_10", "minimum / 10"))


def _range_test_data(result, runs: dict, smoothing: float, y_top: float) -> list[dict]:
    """What the range-test figure's traces show for one smoothing β (see :func:`plot_range_test` for the list)."""
    from .static_states import rounded

    lrs, losses = list(map(float, result.lrs)), [float(v) for v in result.losses]
    clip = lambda values: [min(v, y_top) for v in values]
    out = [dict(x=rounded(lrs, 4), y=rounded(clip(losses), 3)),
           dict(x=rounded(lrs, 4), y=rounded(clip(ema(losses, smoothing)), 3))]
    for key, _ in _RT_KEYS:
        lr = float(result.suggestions[key])
        out.append(dict(x=rounded([lr, lr], 4), y=[0.0, y_top]))
    for key, _ in _RT_KEYS:
        r = runs.get(key)
        if r is None or not r.step_loss:
            out += [dict(x=[], y=[])] * 5
            continue
        per_epoch = len(r.step_loss) / max(len(r.epochs), 1)
        x = rounded([(t + 1) / per_epoch for t in range(len(r.step_loss))], 4)
        (bx, by), (sx, sy) = _marks(r, y_top)
        out += [dict(x=x, y=rounded(clip(r.step_loss), 3)), dict(x=x, y=rounded(clip(ema(r.step_loss, smoothing)), 3)),
                dict(x=list(r.epochs), y=rounded(clip(r.val_loss), 4)), dict(x=bx, y=rounded(by, 4)),
                dict(x=sx, y=rounded(sy, 4))]
    return out


def _range_test_figure(result, runs: dict, smoothing: float):
    import plotly.graph_objects as go

    y_top = 2 * math.log(N_CLASSES)
    data = _range_test_data(result, runs, smoothing, y_top)
    traces = [dict(mode="lines", line=dict(color="#7f7f7f", width=1), opacity=0.5, name="range test: raw loss",
                   xaxis="x", yaxis="y"),
              dict(mode="lines", line=dict(color="black", width=2), name="range test: moving average",
                   xaxis="x", yaxis="y")]
    for key, label in _RT_KEYS:
        lr = result.suggestions[key]
        traces.append(dict(mode="lines", line=dict(color=COLORS[key], dash="dot", width=2),
                           name=f"{label}: lr {lr:.3g}", xaxis="x", yaxis="y"))
    for key, label in _RT_KEYS:
        c = COLORS[key]
        r = runs.get(key)
        tail = f" at lr {result.suggestions[key]:.3g}" + (f": {classify_regime(r)[0]}" if r is not None else "")
        traces += [dict(mode="lines", line=dict(color=c, width=0.6), opacity=0.25, name=f"{label}: training loss "
                        "per update (raw)", xaxis="x2", yaxis="y2", showlegend=False, hoverinfo="skip"),
                   dict(mode="lines", line=dict(color=c, width=1.5), name=f"{label}{tail}: training loss (EMA)",
                        xaxis="x2", yaxis="y2"),
                   dict(mode="lines+markers", line=dict(color=c, dash="dash", width=2), marker=dict(size=4),
                        name=f"{label}: validation loss", xaxis="x2", yaxis="y2"),
                   dict(mode="markers", marker=dict(symbol="star", size=13, color=c, line=dict(color="black", width=1)),
                        name="lowest val loss (hindsight)", xaxis="x2", yaxis="y2", showlegend=key == "steepest"),
                   dict(mode="markers", marker=dict(symbol="x", size=11, color=c, line=dict(color="black", width=1)),
                        name="patience stop", xaxis="x2", yaxis="y2", showlegend=key == "steepest")]
    fig = go.Figure([go.Scatter(**t, **d) for t, d in zip(traces, data)])
    epochs = max((r.config.epochs for r in runs.values()), default=1)
    fig.update_layout(
        height=780, margin=dict(l=55, r=15, t=120, b=40), legend=dict(orientation="h", y=-0.08, font=dict(size=10)),
        title=dict(x=0.01, y=1, yanchor="top", pad=dict(t=12), text=f"Learning-rate range test ({len(result.lrs)} updates),<br>then a run at each suggestion"
                        f"<br><sup>moving average β = {smoothing:g}; the suggestions use β = 0.98</sup>"),
        xaxis=dict(type="log", domain=[0, 1], anchor="y", title=dict(text="learning rate (one per update)", standoff=4)),
        yaxis=dict(domain=[0.58, 1], range=[0, y_top * 1.02], title="training loss"),
        xaxis2=dict(domain=[0, 1], anchor="y2", range=[0, epochs + 0.5], title=dict(text="epoch", standoff=4)),
        yaxis2=dict(domain=[0, 0.42], range=[0, y_top * 1.02], title="loss"))
    return fig


def plot_range_test(result, runs: dict, *, smoothing: float = 0.9):
    """Top: the range test's loss per update (raw, faint, and its moving average with ``smoothing`` β) against the
    learning rate, with both suggestions; bottom: the run at each suggestion (training loss per update, raw and
    smoothed; validation loss per epoch, ★ lowest, ✕ patience stop). ``runs`` as from
    :func:`~helpers.widgets.loss_curve_runs.compute_range_test_runs`. Never displays."""
    return _range_test_figure(result, runs, smoothing)


def static_range_test_figure(result, runs: dict, smoothings=(0.0, 0.6, 0.9, 0.98), *, default: int | None = None):
    """:func:`plot_range_test` with a smoothing slider over precomputed states (no kernel needed); the raw curves
    are stored once, the moving averages once per β. It opens on ``smoothings[default]`` (default: the β nearest
    0.9)."""
    from .static_states import Control, states_figure

    smoothings = [float(b) for b in smoothings]
    if default is None:
        default = min(range(len(smoothings)), key=lambda i: abs(smoothings[i] - 0.9))
    fig = _range_test_figure(result, runs, smoothings[default])
    y_top = 2 * math.log(N_CLASSES)

    def render(state):
        b = smoothings[state[0]]
        data = _range_test_data(result, runs, b, y_top)
        title = (f"Learning-rate range test ({len(result.lrs)} updates),<br>then a run at each suggestion"
                 f"<br><sup>moving average β = {b:g}; the suggestions use β = 0.98</sup>")
        return data, {"title.text": title}

    smooth_traces = {1, 5, 10}  # the moving averages; every other trace is the same for every β
    levels = [0 if i in smooth_traces else -1 for i in range(len(fig.data))]
    control = Control("smoothing", [f"{b:g}" for b in smoothings], default=default, kind="slider",
                      style=dict(x=0.0, len=1.0, y=1.0, yanchor="bottom", pad=dict(t=0, b=25),
                                 currentvalue=dict(prefix="moving average β = ", font=dict(size=12))))
    fig.update_layout(margin=dict(t=210))
    return states_figure(fig, [control], render, default=(default,), levels=levels)


def loss_curve_lab(*, config: LabConfig | None = None, max_previous: int = 4, train_now: bool = True):
    """The live lab. Returns a VBox with the explorers' attributes (see :mod:`helpers.widgets`: ``.controls``,
    ``.wiring``, ``.set_values(**values)``, ``.figure`` and ``.result``, the run or the ``(range test, runs)`` that
    the figure shows), ``.run()`` (the "train" button), ``.find_lr()`` (the range test and a run at each suggestion;
    the learning rate is set to the better one), ``.records`` (this session's runs), ``.range_test`` (the latest
    range test, its runs and its figure) and ``.buttons``. Only the smoothing slider redraws (the latest run, with
    its per-update training loss smoothed); the other controls take effect in the next run."""
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
        smoothing=w.FloatSlider(value=0.9, min=0, max=0.99, step=0.01, description="smoothing β", **slider),
    )
    for ctl in c.values():
        ctl.style, ctl.layout = style, layout
    train_b, lr_b, clear_b = (w.Button(description=d, layout=w.Layout(width="auto"))
                              for d in ("train", "LR range test → run both", "forget earlier"))
    progress, readout, out = w.HTML(), w.HTML(), w.Output()
    # The controls keep their width; the buttons and read-outs take the rest, or move below when there is no room.
    side = w.VBox([w.HBox([train_b, lr_b, clear_b], layout=w.Layout(flex_flow="row wrap")), progress, readout],
                  layout=w.Layout(flex="1 1 300px", min_width="280px"))
    box = w.VBox([w.HBox([w.VBox(list(c.values()), layout=w.Layout(flex="0 0 auto")), side],
                         layout=w.Layout(flex_flow="row wrap")), out])
    box.records, box.range_test = [], None

    def current() -> LabConfig:
        values = {k: v.value for k, v in c.items() if k != "smoothing"}
        values["train_size"] = None if values["train_size"] >= n_max else values["train_size"]
        return LabConfig(patience=cfg.patience, **values)

    def draw(record, previous=None):
        previous = box.records[-max_previous:] if previous is None else previous
        redraw(out, plot_run(record, previous=previous, smoothing=float(c["smoothing"].value)), owner=box,
               result=record)

    def draw_range_test(result, runs):
        fig = plot_range_test(result, runs, smoothing=float(c["smoothing"].value))
        box.range_test = (result, runs, fig)
        redraw(out, fig, owner=box, result=(result, runs))

    def resmooth(_=None):
        if box.range_test is not None and box.figure is box.range_test[2]:
            draw_range_test(*box.range_test[:2])
        elif box.records:
            draw(box.records[-1], previous=box.records[-1 - max_previous:-1])

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
        progress.value = "range test, then a run at each suggestion …"
        result, runs = compute_range_test_runs(current())
        draw_range_test(result, runs)
        box.records.extend(runs.values())
        scores = {k: min(r.val_loss) for k, r in runs.items() if r.val_loss}
        msg = f"range test: {html.escape(result.summary())}. "
        if scores:
            best = min(scores, key=scores.get)
            c["lr"].value = float(min(max(result.suggestions[best], 1e-4), 10.0))
            msg += "; ".join(f"{k}: best val loss {v:.3f}" for k, v in scores.items())
            msg += f". Learning rate set to the better one ({best})."
        else:
            msg += "Both runs diverged; the learning rate is unchanged."
        progress.value = msg
        return result

    def clear(_=None):
        box.records.clear()

    train_b.on_click(run)
    lr_b.on_click(find_lr)
    clear_b.on_click(clear)
    box.run, box.find_lr, box.buttons, box.resmooth = run, find_lr, (train_b, lr_b, clear_b), resmooth
    wire(box, c, resmooth, watch=("smoothing",))  # draws nothing yet: there is no run
    if train_now:
        run()
    return box


def load_grid() -> dict:
    """The precomputed grid shipped with the package (see ``tools/precompute_loss_lab.py``)."""
    return json.loads(resources.files("helpers.data").joinpath("files", GRID_FILE).read_text())


def static_loss_curve_lab(grid: dict | None = None, *, default: tuple | None = None):
    """The precomputed runs in one plotly figure: one menu per grid axis but the last (data · capacity, batch size,
    regulariser) and a slider for the last (the learning rate). Each state rewrites one run's traces (curves, ★,
    ✕, regime and status) through :mod:`helpers.widgets.static_states`; a menu resets the controls after it.
    """
    import plotly.graph_objects as go

    from .static_states import Control, states_figure

    grid = grid or load_grid()
    axes = grid["axes"]
    shape = [len(options) for _, options in axes]
    records = {}

    def record(state):
        if state not in records:
            records[state] = grid_run(grid, *state)
        return records[state]

    import itertools

    y_tops = {i: _y_top([record(i)]) for i in itertools.product(*(range(n) for n in shape))}  # each run its own
    lrs = [o.get("lr", grid["base"]["lr"]) for o in axes[-1][1]]
    k0 = min(range(len(lrs)), key=lambda k: abs(math.log(lrs[k] / 0.05)))  # the slider starts near lr = 0.05
    default = tuple(default) if default is not None else (0,) * (len(axes) - 1) + (k0,)
    height, top, bottom = 740, 270, 170
    controls = [Control(name, [o["name"] for o in options], kind="menu",
                        style=dict(x=0.0, xanchor="left", y=1 + (top - 100 - 38 * j) / (height - top - bottom),
                                   yanchor="top", pad=dict(t=0, b=0, l=0, r=0), font=dict(size=11)))
                for j, (name, options) in enumerate(axes[:-1])]
    controls.append(Control(axes[-1][0], [o["name"] for o in axes[-1][1]], default=k0, kind="slider",
                            style=dict(x=0.0, len=1.0, y=-0.2, yanchor="top", pad=dict(t=0, b=0),
                                       currentvalue=dict(prefix=f"{axes[-1][0]} = ", font=dict(size=12)))))

    def title(state):
        r = record(state)
        c = r.config
        return (f"{c.optimizer.upper()} (momentum 0.9), lr {c.lr:g}, {c.schedule} rate,<br>{c.epochs} epochs, "
                f"n = {r.n_train}<br><sup>{status_text(r)}</sup>")

    def render(state):
        y_top = y_tops[state]
        return _trace_data(record(state), y_top), {"title.text": title(state), "yaxis.range": [0, 1.02 * y_top]}

    fig = go.Figure(_traces(record(default), y_top=y_tops[default]))
    _layout(fig, epochs=grid["base"]["epochs"], y_top=y_tops[default], height=height, title=title(default))
    fig.update_layout(margin=dict(t=top, b=bottom), legend=dict(orientation="h", y=-0.45, yanchor="top"))
    return states_figure(fig, controls, render, default=default)
