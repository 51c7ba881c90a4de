"""The benchmark harness: careful timing, statistics, pinned threads, the machine's description and its matmul peak.

Timing rules (all suites use them):
- every function is called once (``warmup`` times) before it is timed: first calls pay for imports, caches and
  memory allocation;
- a *sample* calls the function ``number`` times, calibrated so that one sample lasts at least ``min_sample_s``
  (the clock's resolution and Python's call overhead then do not matter);
- the functions compared in one group are timed *interleaved* (A, B, C, A, B, C, ...), so a burst of load from
  another process on a shared machine slows them alike and their ratios stay meaningful;
- we report the median (robust to such bursts) and the min–max range of the per-call times.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

NO_CUDA_NOTE = "no CUDA device: CUDA rows skipped"


# ------------------------------------------------------------------------------------------------ statistics
def summarize(times: Sequence[float]) -> dict:
    """Median, min and max of per-call times in seconds, and how many samples they come from."""
    if len(times) == 0:
        raise ValueError("summarize needs at least one time. Got an empty sequence instead.")
    values = [float(t) for t in times]
    if not all(math.isfinite(t) and t >= 0 for t in values):
        raise ValueError(f"summarize needs finite, non-negative times. Got {values!r} instead.")
    return {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values), "repeats": len(values)}


def ratio(seconds: float, reference: float) -> float:
    """How many times slower than the reference (1.0 = as fast; < 1 = faster)."""
    if reference <= 0:
        raise ValueError(f"The 'reference' time must be > 0. Got {reference!r} instead.")
    return seconds / reference


def fit_power_law(sizes: Sequence[float], times: Sequence[float]) -> dict:
    """Least-squares fit of ``log t = log a + p log n``: the exponent p, the prefactor a and R² of the fit.

    On a log-log plot a power law ``t = a n^p`` is a straight line of slope p; a cost that grows like n² but
    starts with a fixed overhead shows a smaller slope at small n.
    """
    n = np.asarray(sizes, dtype=float)
    t = np.asarray(times, dtype=float)
    if n.shape != t.shape or n.ndim != 1 or len(n) < 2:
        raise ValueError(f"fit_power_law needs two 1-D sequences of equal length >= 2. Got {n.shape} and {t.shape}.")
    if np.any(n <= 0) or np.any(t <= 0):
        raise ValueError("fit_power_law needs positive sizes and times (logarithms are taken).")
    x, y = np.log(n), np.log(t)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    spread = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - float(np.sum(residual**2) / spread) if spread > 0 else 1.0
    return {"exponent": float(slope), "prefactor": float(np.exp(intercept)), "r2": r2}


# ------------------------------------------------------------------------------------------------ timing
def _calibrate(fn: Callable[[], object], min_sample_s: float, max_number: int = 10_000) -> int:
    """Calls per sample so that one sample lasts at least ``min_sample_s`` (1 for slow functions)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    if once >= min_sample_s:
        return 1
    return int(min(max_number, math.ceil(min_sample_s / max(once, 1e-7))))


def time_interleaved(fns: Mapping[str, Callable[[], object]], *, repeats: int = 15, warmup: int = 1,
                     min_sample_s: float = 0.005, max_total_s: float | None = None) -> dict[str, dict]:
    """Per-call time statistics (see :func:`summarize`) of each function, timed interleaved.

    ``max_total_s`` stops the repetitions early (after at least 3 rounds) once that much time has passed, so
    that a slow function on a loaded machine cannot hold up the whole suite.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"Need repeats >= 1 and warmup >= 0. Got repeats={repeats}, warmup={warmup} instead.")
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    numbers = {name: _calibrate(fn, min_sample_s) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    start_all = time.perf_counter()
    for r in range(repeats):
        for name, fn in fns.items():
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
        if max_total_s is not None and r >= 2 and time.perf_counter() - start_all > max_total_s:
            break
    return {name: summarize(t) for name, t in times.items()}


def time_one(fn: Callable[[], object], **options) -> dict:
    """Statistics of one function (see :func:`time_interleaved`)."""
    return time_interleaved({"fn": fn}, **options)["fn"]


# ------------------------------------------------------------------------------------------------ threads
def pin_threads(n: int = 1) -> dict:
    """Limit torch and every BLAS/OpenMP pool to ``n`` threads; return what each library now uses.

    The environment variables (OMP_NUM_THREADS, ...) only act before the libraries load; torch's setter and
    threadpoolctl act at run time, so the pinning holds however the suite was started.
    """
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    if n < 1:
        raise ValueError(f"The 'n' argument of pin_threads must be an int >= 1. Got {n!r} instead.")
    torch.set_num_threads(n)
    threadpool_limits(limits=n)  # process-wide; stays in force after the call
    pools = [{"library": p.get("internal_api"), "api": p.get("user_api"), "threads": p.get("num_threads")}
             for p in threadpool_info()]
    return {"requested": n, "torch_threads": torch.get_num_threads(), "pools": pools}


# ------------------------------------------------------------------------------------------------ machine
def cpu_model(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        with open(cpuinfo, encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (how many processes wanted a core), or None where unknown."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def cuda_status(torch_module=None) -> dict:
    """Whether the torch rows also run on a CUDA device; without one, the note the results print."""
    if torch_module is None:
        import torch as torch_module
    try:
        available = bool(torch_module.cuda.is_available())
    except Exception:  # a broken driver must not fail the suite
        available = False
    if not available:
        return {"available": False, "device": None, "note": NO_CUDA_NOTE}
    name = torch_module.cuda.get_device_name(0)
    version = getattr(getattr(torch_module, "version", None), "cuda", None)
    note = (f"CUDA rows run on {name}" + (f" (CUDA {version})" if version else "")
            + "; float32 without TF32 unless a row says TF32, timers read after torch.cuda.synchronize()")
    return {"available": True, "device": name, "cuda_version": version, "note": note}


def machine_info() -> dict:
    """CPU, core count, load, and the versions of Python, NumPy and torch."""
    import torch

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": torch.__version__,
        "load_average": load_average(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def matmul_peak(size: int = 1024, *, repeats: int = 5) -> dict:
    """Measured GFLOP/s of an ``size x size`` matmul (2 n³ flops): NumPy float64 and float32, torch float32.

    With one thread this is close to what one core can do at all (its SIMD units kept busy by a tuned BLAS):
    the ceiling against which the convolutions' and attention's achieved GFLOP/s are compared.
    """
    import torch

    rng = np.random.default_rng(0)
    a64, b64 = rng.standard_normal((size, size)), rng.standard_normal((size, size))
    a32, b32 = a64.astype(np.float32), b64.astype(np.float32)
    ta, tb = torch.from_numpy(a32), torch.from_numpy(b32)
    stats = time_interleaved({
        "numpy_float64": lambda: a64 @ b64,
        "numpy_float32": lambda: a32 @ b32,
        "torch_float32": lambda: ta @ tb,
    }, repeats=repeats, min_sample_s=0.0)
    flops = 2.0 * size**3
    # The best run is the honest peak: anything slower was disturbed.
    return {"size": size, **{name: flops / s["min_s"] / 1e9 for name, s in stats.items()}}
