"""Speed of our convolutions against F.conv2d on CPU (a benchmark, not a test).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_conv.py

A typical layer: N=32 images, 16 -> 32 channels, 32x32 pixels, 3x3 kernel, padding 1, float32 for the torch
versions and float64 for NumPy (the reference's dtype) as well as float32. Prints the median of several runs
and the ratio to F.conv2d.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


def median_times(fns: dict, repeats: int = 25) -> dict:
    """Median seconds per function; runs are interleaved so that load on a shared machine hits all alike."""
    times = {name: [] for name in fns}
    for fn in fns.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 16, 32, 32)).astype(np.float32)
    w = rng.standard_normal((32, 16, 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
    xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))
    print(f"torch {torch.__version__}, 1 thread; N=32, C 16->32, 32x32, 3x3, padding 1; forward only")
    with torch.no_grad():
        result = median_times({
            "F.conv2d (float32)": lambda: F.conv2d(xt, wt, bt, padding=1),
            "ours: torch strided-view im2col conv2d (float32)": lambda: ht.conv2d(xt, wt, bt, padding=1),
            "ours: NumPy im2col conv2d_forward (float32)": lambda: hn.conv2d_forward(x, w, b, padding=1),
            "ours: NumPy im2col conv2d_forward (float64)": lambda: hn.conv2d_forward(x64, w64, b64, padding=1),
        })
    ref = result["F.conv2d (float32)"]
    for name, seconds in result.items():
        print(f"{name:<50} {1e3 * seconds:8.2f} ms   {seconds / ref:5.2f} x F.conv2d")


if __name__ == "__main__":
    main()
