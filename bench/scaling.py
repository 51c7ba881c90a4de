"""How conv2d and attention times grow with the problem size, and how close they come to the matmul peak.

- conv2d: N=8 images, 16 -> 32 channels, 3x3, padding 1, on n x n images: 2·N·C_out·C_in·9·n² flops, so the
  time should grow like n² (exponent 2) once fixed overheads are small.
- attention: batch x heads = 8, d = 64, sequence length L: QKᵀ and the weighted sum of V are 4·B·L²·d flops,
  so again exponent 2 (the softmax, O(L²) too, adds memory traffic but no matmul flops).

Achieved GFLOP/s = flops / median time, compared with the measured matmul peak of the same library and dtype
(:func:`bench.harness.matmul_peak`): the fraction of the core's arithmetic that the implementation uses.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .harness import fit_power_law, time_interleaved

CONV_SIZES = (8, 16, 32, 64, 128)
ATTENTION_SIZES = (64, 128, 256, 512, 1024)
QUICK_CONV_SIZES = (8, 16, 32, 64)
QUICK_ATTENTION_SIZES = (64, 128, 256, 512)

# Which measured peak each implementation is compared with.
PEAK_KEY = {"NumPy float64": "numpy_float64", "NumPy float32": "numpy_float32"}


def _conv_fns(n: int, devices) -> tuple[float, dict]:
    rng = np.random.default_rng(0)
    x64, w64, b64 = rng.standard_normal((8, 16, n, n)), 0.2 * rng.standard_normal((32, 16, 3, 3)), rng.standard_normal(32)
    x32, w32, b32 = (a.astype(np.float32) for a in (x64, w64, b64))
    fns = {"NumPy float64": lambda: hn.conv2d_forward(x64, w64, b64, padding=1),
           "NumPy float32": lambda: hn.conv2d_forward(x32, w32, b32, padding=1)}
    for device in devices:
        xt, wt, bt = (torch.from_numpy(a).to(device) for a in (x32, w32, b32))
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        fns[f"ours: ht.conv2d [{device}]"] = lambda xt=xt, wt=wt, bt=bt, s=sync: (ht.conv2d(xt, wt, bt, padding=1), s())
        fns[f"F.conv2d [{device}]"] = lambda xt=xt, wt=wt, bt=bt, s=sync: (F.conv2d(xt, wt, bt, padding=1), s())
    return 2.0 * 8 * 32 * 16 * 9 * n * n, fns


def _attention_fns(length: int, devices) -> tuple[float, dict]:
    rng = np.random.default_rng(0)
    q64, k64, v64 = (rng.standard_normal((8, length, 64)) for _ in range(3))
    q32, k32, v32 = (a.astype(np.float32) for a in (q64, k64, v64))
    fns = {"NumPy float64": lambda: hn.scaled_dot_product_attention_forward(q64, k64, v64),
           "NumPy float32": lambda: hn.scaled_dot_product_attention_forward(q32, k32, v32)}
    for device in devices:
        q, k, v = (torch.from_numpy(a).to(device) for a in (q32, k32, v32))
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        fns[f"ours: ht.scaled_dot_product_attention [{device}]"] = (
            lambda q=q, k=k, v=v, s=sync: (ht.scaled_dot_product_attention(q, k, v), s()))
        fns[f"F.scaled_dot_product_attention [{device}]"] = (
            lambda q=q, k=k, v=v, s=sync: (F.scaled_dot_product_attention(q, k, v), s()))
    return 4.0 * 8 * length * length * 64, fns


def _peak_for(impl: str, peak: dict) -> float | None:
    if "[cuda]" in impl:
        return None  # the CPU matmul peak says nothing about a GPU
    return peak.get(PEAK_KEY.get(impl, "torch_float32"))


def measure(kind: str, sizes, *, peak: dict, repeats: int = 5, cuda: bool = False, log=print) -> dict:
    """Times and GFLOP/s of every implementation at every size, the fitted exponents, and the theory's."""
    make = {"conv2d": _conv_fns, "attention": _attention_fns}[kind]
    devices = ["cpu"] + (["cuda"] if cuda else [])
    series: dict[str, dict] = {}
    with torch.no_grad():
        for size in sizes:
            flops, fns = make(size, devices)
            stats = time_interleaved(fns, repeats=repeats, max_total_s=15.0)
            for impl, s in stats.items():
                entry = series.setdefault(impl, {"sizes": [], "median_s": [], "min_s": [], "max_s": [],
                                                 "gflops": [], "flops": []})
                entry["sizes"].append(size)
                entry["flops"].append(flops)
                for key in ("median_s", "min_s", "max_s"):
                    entry[key].append(s[key])
                entry["gflops"].append(flops / s["median_s"] / 1e9)
            log(f"  {kind} size {size}")
    for impl, entry in series.items():
        entry["fit"] = fit_power_law(entry["sizes"], entry["median_s"])
        top = _peak_for(impl, peak)
        entry["peak_gflops"] = top
        entry["best_fraction_of_peak"] = max(entry["gflops"]) / top if top else None
    label = ("N=8, C 16→32, 3×3, padding 1; size = image side n" if kind == "conv2d"
             else "batch×heads=8, d=64; size = sequence length L")
    return {"kind": kind, "label": label, "theory_exponent": 2.0, "series": series}


def run(*, peak: dict, quick: bool = False, cuda: bool = False, log=print) -> dict:
    return {
        "conv2d": measure("conv2d", QUICK_CONV_SIZES if quick else CONV_SIZES, peak=peak,
                          repeats=3 if quick else 7, cuda=cuda, log=log),
        "attention": measure("attention", QUICK_ATTENTION_SIZES if quick else ATTENTION_SIZES, peak=peak,
                             repeats=3 if quick else 7, cuda=cuda, log=log),
    }
