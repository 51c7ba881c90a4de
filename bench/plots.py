"""PNG plots of the results (matplotlib, Agg): scaling on log-log axes, GFLOP/s against the peak, layer ratios."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PEAK_STYLE = {"numpy_float64": ("NumPy float64 peak", ":"), "numpy_float32": ("NumPy float32 peak", "-."),
              "torch_float32": ("torch float32 peak", "--")}


def _axis_label(kind: str) -> str:
    return "image side n (n × n pixels)" if kind == "conv2d" else "sequence length L"


def plot_scaling_time(scaling: dict, path: Path) -> None:
    """Median time (min–max bars) against size on log-log axes, with each fitted power law and its exponent."""
    fig, axes = plt.subplots(1, len(scaling), figsize=(6 * len(scaling), 4.4), squeeze=False)
    for ax, (kind, res) in zip(axes[0], scaling.items()):
        for impl, s in res["series"].items():
            n, t = np.array(s["sizes"], float), 1e3 * np.array(s["median_s"])
            err = [t - 1e3 * np.array(s["min_s"]), 1e3 * np.array(s["max_s"]) - t]
            line = ax.errorbar(n, t, yerr=err, fmt="o", ms=4, capsize=2)
            fit = s["fit"]
            grid = np.geomspace(n.min(), n.max(), 50)
            ax.plot(grid, 1e3 * fit["prefactor"] * grid ** fit["exponent"], "-", color=line[0].get_color(), lw=1,
                    label=f"{impl}: exponent {fit['exponent']:.2f}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(_axis_label(kind))
        ax.set_ylabel("median time per call (ms)")
        ax.set_title(f"{kind}: time ∝ size^p (theory p = {res['theory_exponent']:.0f})")
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scaling_gflops(scaling: dict, peak: dict, path: Path) -> None:
    """Achieved GFLOP/s (useful matmul flops / median time) against size, with the measured CPU peaks."""
    fig, axes = plt.subplots(1, len(scaling), figsize=(6 * len(scaling), 4.4), squeeze=False)
    for ax, (kind, res) in zip(axes[0], scaling.items()):
        for impl, s in res["series"].items():
            if "[cuda]" not in impl:
                ax.plot(s["sizes"], s["gflops"], "o-", ms=4, label=impl)
        for key, (label, style) in PEAK_STYLE.items():
            if key in peak:
                ax.axhline(peak[key], color="k", ls=style, lw=1, label=f"{label} {peak[key]:.0f}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel(_axis_label(kind))
        ax.set_ylabel("GFLOP/s (one thread)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{kind}: achieved GFLOP/s vs the matmul peak")
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ratios(blocks: list[dict], path: Path) -> None:
    """Forward time ÷ built-in for every non-built-in CPU row, log scale, one bar per implementation."""
    labels, values = [], []
    for b in blocks:
        for r in b["rows"]:
            if r["kind"] != "built-in" and r["device"] == "cpu" and b["mode"] in ("forward", "step"):
                short = r["impl"].replace("ours: ", "")
                labels.append(f"{b['group']} ({b['label'].split(' ')[0].rstrip(',')}): {short} {r['dtype']}")
                values.append(r["ratio"])
    if not values:
        return
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(values) + 1.2))
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=["#1f77b4" if "NumPy" in lab else "#ff7f0e" for lab in labels])
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xlabel("forward time ÷ PyTorch built-in (log scale; 1 = as fast)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_plots(results: dict, folder: Path) -> list[Path]:
    """Every plot the results allow; returns the files written."""
    folder = Path(folder)
    suites, written = results.get("suites", {}), []
    if suites.get("scaling"):
        plot_scaling_time(suites["scaling"], folder / "scaling_time.png")
        plot_scaling_gflops(suites["scaling"], results.get("peak", {}), folder / "scaling_gflops.png")
        written += [folder / "scaling_time.png", folder / "scaling_gflops.png"]
    if suites.get("kernels"):
        plot_ratios(suites["kernels"], folder / "ratios.png")
        written.append(folder / "ratios.png")
    return written
