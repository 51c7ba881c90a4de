"""Speed of the optimizer widget: recompute (and optionally redraw) 8 optimizers x 300 steps.

Not a test (timings depend on the machine and its load): run it by hand and quote the median.
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_optimizer_widget.py
"""

from __future__ import annotations

import statistics
import time

from helpers.widgets.optimizer_plots import plot_trajectories
from helpers.widgets.optimizer_trajectories import OPTIMIZERS, compute_trajectories
from helpers.widgets.surfaces import make_surface


def median_ms(fn, repeats: int = 15) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    print(f"{'surface':<12} {'compute (ms)':>13} {'compute + figure (ms)':>22}")
    for name in ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle", "plateau", "rastrigin", "custom"):
        s = make_surface(name, expression="x^2 + 5*y^2 + sin(3*x)")
        run = lambda s=s: compute_trajectories(s, OPTIMIZERS, steps=300)
        both = lambda s=s: plot_trajectories(s, compute_trajectories(s, OPTIMIZERS, steps=300))
        print(f"{name:<12} {median_ms(run):>13.1f} {median_ms(both, 5):>22.1f}")


if __name__ == "__main__":
    main()
