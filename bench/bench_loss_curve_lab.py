"""Speed of the loss-curve lab: the median wall time of one training run (compute only, and with the figure).

Not a test (timings depend on the machine and its load): run it by hand and quote the median.
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_loss_curve_lab.py
The target is <= 2 s per run with the default settings on a 2-core laptop CPU.
"""

from __future__ import annotations

import statistics
import time

import torch

from helpers.widgets.loss_curve_lab import plot_run
from helpers.widgets.loss_curve_runs import LabConfig, compute_run

SETTINGS = {
    "default (64×1, batch 32, 30 epochs)": LabConfig(),
    "largest (256×3, batch 32)": LabConfig(width=256, depth=3),
    "smallest batch (64×1, batch 8)": LabConfig(batch_size=8),
    "adam + dropout + warmup/cosine": LabConfig(optimizer="adam", lr=1e-3, dropout=0.3, schedule="warmup + cosine"),
}


def median_s(fn, repeats: int = 5) -> float:
    fn()  # warm-up (data loading, first torch calls)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    print(f"{'setting':<40} {'run (s)':>8} {'run + figure (s)':>17}")
    for name, cfg in SETTINGS.items():
        run = lambda cfg=cfg: compute_run(cfg)
        both = lambda cfg=cfg: plot_run(compute_run(cfg))
        print(f"{name:<40} {median_s(run):>8.2f} {median_s(both, 3):>17.2f}")


if __name__ == "__main__":
    main()
