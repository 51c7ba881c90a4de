"""Recompute latency of the flagship widgets: what a reader waits for after moving a control.

- optimizer trajectories: 8 optimizers x 300 steps on each surface (compute, and compute + plotly figure);
- receptive field: the per-layer table of a preset network and its figure on the demo photo (the explorer's
  redraw);
- loss-curve lab: one full training run of a small MLP on the digits (compute, and compute + figure).

Targets: recompute <= 50 ms for the first two; <= 2 s per loss-curve lab run.
"""

from __future__ import annotations

from .harness import time_one

SURFACES = ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "plateau", "rastrigin", "custom")
CUSTOM_EXPRESSION = "x^2 + 5*y^2 + sin(3*x)"
RF_PRESETS = ("LeNet-5", "AlexNet", "VGG-16", "ResNet-18")


def _row(widget: str, setting: str, what: str, stats: dict, target_s: float) -> dict:
    return {"widget": widget, "setting": setting, "what": what, **stats, "target_s": target_s,
            "met": stats["median_s"] <= target_s}


def optimizer_trajectories(*, repeats: int = 15, log=print) -> list[dict]:
    from helpers.widgets.optimizer_plots import plot_trajectories
    from helpers.widgets.optimizer_trajectories import OPTIMIZERS, compute_trajectories
    from helpers.widgets.surfaces import make_surface

    rows = []
    for name in SURFACES:
        s = make_surface(name, expression=CUSTOM_EXPRESSION)
        run = lambda s=s: compute_trajectories(s, OPTIMIZERS, steps=300)
        both = lambda s=s: plot_trajectories(s, compute_trajectories(s, OPTIMIZERS, steps=300))
        setting = f"{name}, {len(OPTIMIZERS)} optimizers × 300 steps"
        rows.append(_row("optimizer trajectories", setting, "compute", time_one(run, repeats=repeats), 0.050))
        rows.append(_row("optimizer trajectories", setting, "compute + figure",
                         time_one(both, repeats=max(3, repeats // 3)), 0.050))
    log(f"  optimizer trajectories: {len(SURFACES)} surfaces")
    return rows


def receptive_field(*, repeats: int = 15, log=print) -> list[dict]:
    from helpers.widgets.receptive_field import compute_receptive_field, demo_image, plot_receptive_field

    image = demo_image()
    rows = []
    for name in RF_PRESETS:
        run = lambda name=name: compute_receptive_field(name)
        layers = len(compute_receptive_field(name)["rows"])
        both = lambda name=name, mid=layers // 2: plot_receptive_field(compute_receptive_field(name), mid, (0.5, 0.5), image)
        rows.append(_row("receptive field", name, "compute", time_one(run, repeats=repeats), 0.050))
        rows.append(_row("receptive field", name, "compute + figure", time_one(both, repeats=max(3, repeats // 3)),
                         0.050))
    log(f"  receptive field: {len(RF_PRESETS)} presets")
    return rows


def _lab_settings():
    from helpers.widgets.loss_curve_runs import LabConfig

    return {
        "default (64×1, batch 32, 30 epochs)": LabConfig(),
        "largest (256×3, batch 32)": LabConfig(width=256, depth=3),
        "smallest batch (64×1, batch 8)": LabConfig(batch_size=8),
        "adam + dropout + warmup/cosine": LabConfig(optimizer="adam", lr=1e-3, dropout=0.3, schedule="warmup + cosine"),
    }


def loss_curve_lab(*, repeats: int = 5, log=print) -> list[dict]:
    try:
        from helpers.widgets.loss_curve_lab import plot_run
        from helpers.widgets.loss_curve_runs import compute_run
    except ImportError as err:  # the lab is optional while its chapter is being written
        log(f"  loss-curve lab: not available ({err})")
        return []
    rows = []
    for name, cfg in _lab_settings().items():
        run = lambda cfg=cfg: compute_run(cfg)
        both = lambda cfg=cfg: plot_run(compute_run(cfg))
        rows.append(_row("loss-curve lab", name, "one run", time_one(run, repeats=repeats, min_sample_s=0), 2.0))
        rows.append(_row("loss-curve lab", name, "one run + figure",
                         time_one(both, repeats=max(1, repeats // 2), min_sample_s=0), 2.0))
    log(f"  loss-curve lab: {len(rows) // 2} settings")
    return rows


def run(*, quick: bool = False, log=print) -> list[dict]:
    r = 5 if quick else 15
    return (optimizer_trajectories(repeats=r, log=log) + receptive_field(repeats=r, log=log)
            + loss_curve_lab(repeats=2 if quick else 5, log=log))
