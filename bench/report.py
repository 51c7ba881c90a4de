"""Results as JSON and as Markdown tables, and the targets the book promises, checked against the numbers.

The JSON is the source of truth: the Markdown (and the plots, see :mod:`bench.plots`) can be rebuilt from it
alone with ``python -m bench.run --render``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

NOISE_NOTE = ("The machine was shared with other work while this ran (see the load average): absolute times are "
              "noisy; the ratios are steadier because the implementations compared are timed interleaved.")
QUIET_NOTE = ("Nothing else ran on the machine (load average about 1: the benchmark itself). Repeated runs still "
              "differ by about 10 %; the ratios are steadier because the implementations compared are timed interleaved.")
BUSY_LOAD = 1.5  # 1-minute load average above which another job shared the 2 cores

# Why a target is missed, where we know it; shown next to a missed target only.
WHY = {
    "torch_conv": ("ht.conv2d materialises the patch matrix (the unfold view is copied by the reshape: 9× the "
                   "input for 3×3) and then runs a batched matmul; F.conv2d calls oneDNN's direct convolution, "
                   "which never builds that matrix and blocks the loops for the cache."),
    "numpy_conv": ("the same 9× patch copy in NumPy, then np.matmul over a batch of per-image products; in "
                   "float64, the reference's dtype, every byte moved and every flop costs twice as much."),
    "optimizer_widget": ("the recompute is 300 steps × 8 optimizers of Python-level calls on 2-vectors: call and "
                         "validation overhead (microseconds each), not arithmetic, dominates; the surfaces with a "
                         "costlier gradient expression (Beale) and BFGS's line search are slowest."),
    "receptive_field": "most of the time is building the plotly figure with the photo, not the layer arithmetic.",
    "loss_lab": ("one run trains a real MLP for 30 epochs with our own optimizers (per-step Python overhead on "
                 "small batches); the machine's load adds directly to it."),
    "chapters": "the slowest cells of each chapter over its target are listed in the notebook table.",
    "cuda_twins": ("on a GPU a small layer is limited by launches, not arithmetic: each of our tensor operations "
                   "is one kernel launch (plus Python to validate the arguments), where the built-in is one fused "
                   "kernel; the rows of the layer tables show which twin and mode miss."),
    "book": "the whole book is the sum of the chapters (run one after the other) and the HTML build.",
}


# ------------------------------------------------------------------------------------------------ JSON
def write_json(results: dict, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=False, allow_nan=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------ formatting
def ms(seconds: float | None) -> str:
    """Milliseconds with 3 significant digits (or a dash)."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    value = 1e3 * seconds
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def table(header: list[str], rows: list[list]) -> str:
    """A GitHub/MyST Markdown table (pipes in cells escaped)."""
    cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def yes_no(met: bool | None) -> str:
    return "–" if met is None else ("✅ yes" if met else "❌ no")


# ------------------------------------------------------------------------------------------------ targets
def _find_row(blocks, group_prefix, mode, impl_prefix, dtype=None):
    for block in blocks:
        if block["group"] == group_prefix and block["mode"] == mode and "typical" in block["label"]:
            for row in block["rows"]:
                if row["impl"].startswith(impl_prefix) and row["device"] == "cpu" and dtype in (None, row["dtype"]):
                    return row
    return None


def _target(name, limit, measured, met, note_key, detail=""):
    return {"target": name, "limit": limit, "measured": measured, "met": met,
            "note": "" if met or met is None else WHY[note_key] + (f" {detail}" if detail else "")}


def evaluate_targets(results: dict) -> list[dict]:
    """The book's performance targets, each with its measured value and whether it is met (None: not measured)."""
    suites = results.get("suites", {})
    out = []
    nbs = suites.get("notebooks")
    build = suites.get("book")
    if nbs:
        measured = [nb for nb in nbs if nb["status"] == "ok"]
        slow = [nb for nb in nbs if not nb["met"]]
        worst = max(nbs, key=lambda nb: max(nb["seconds"], nb.get("stored_seconds") or 0))
        out.append(_target("each chapter executes in ≤ 90 s", "90 s",
                           f"{len(nbs) - len(slow)} of {len(nbs)} within; slowest {worst['notebook']} "
                           f"({_nb_time(worst)})", not slow, "chapters"))
        total = sum(_nb_seconds(nb) for nb in nbs) + (build["seconds"] if build else 0.0)
        exact = len(measured) == len(nbs) and build is not None
        out.append(_target("whole book (all chapters + HTML build) ≤ 10 min on 2 cores", "600 s",
                           f"{'' if exact else '≥ '}{total:.0f} s" + ("" if build else " (build not timed)"),
                           total <= 600 if exact or total > 600 else None, "book"))
    kernel_blocks = suites.get("kernels", [])
    for key, label, limit, prefix, dtype in (
            ("numpy_conv", "NumPy im2col conv2d ≤ 3× F.conv2d (typical layer, forward)", 3.0,
             "NumPy im2col", "float32"),
            ("torch_conv", "our torch conv2d ≤ 1.5× F.conv2d (typical layer, forward)", 1.5, "ours: ht.conv2d", None)):
        row = _find_row(kernel_blocks, "conv2d", "forward", prefix, dtype)
        if row is None:
            continue
        measured = f"{row['ratio']:.2f}× ({row['dtype']})"
        if key == "numpy_conv":
            r64 = _find_row(kernel_blocks, "conv2d", "forward", prefix, "float64")
            measured += f"; float64: {r64['ratio']:.2f}×" if r64 else ""
        out.append(_target(label, f"{limit}×", measured, row["ratio"] <= limit, key))
    cuda_rows = [(b, r) for b in kernel_blocks for r in b["rows"]
                 if r["device"] == "cuda" and r["kind"] == "ours (torch)" and r["impl"].startswith("ours: ht.")]
    if cuda_rows:
        worst_b, worst = max(cuda_rows, key=lambda br: br[1]["ratio"])
        over = sorted({f"{r['impl'].removeprefix('ours: ').split(' (')[0]} {b['mode']}"
                       for b, r in cuda_rows if r["ratio"] > 3.0})
        detail = f" Over 3×: {', '.join(over)}." if over else ""
        within = sum(r["ratio"] <= 3.0 for _, r in cuda_rows)
        out.append(_target("every benchmarked twin ≤ 3× its built-in on CUDA (float32, TF32 off)", "3.0×",
                           f"worst {worst['ratio']:.2f}× ({worst['impl'].removeprefix('ours: ')}, {worst_b['group']}, "
                           f"{worst_b['mode']}); {within} of {len(cuda_rows)} rows within", worst["ratio"] <= 3.0,
                           "cuda_twins", detail))
    widgets = suites.get("widgets", [])
    for key, widget, what, label in (
            ("optimizer_widget", "optimizer trajectories", "compute", "optimizer trajectories recompute ≤ 50 ms"),
            ("optimizer_widget", "optimizer trajectories", "compute + figure",
             "optimizer trajectories recompute + redraw ≤ 50 ms"),
            ("receptive_field", "receptive field", "compute + figure", "receptive-field recompute + redraw ≤ 50 ms"),
            ("loss_lab", "loss-curve lab", "one run", "loss-curve lab ≤ 2 s per run")):
        rows = [r for r in widgets if r["widget"] == widget and r["what"] == what]
        if not rows:
            continue
        worst = max(rows, key=lambda r: r["median_s"])
        within = sum(r["met"] for r in rows)
        out.append(_target(label, f"{1e3 * worst['target_s']:.0f} ms",
                           f"worst {ms(worst['median_s'])} ms ({worst['setting']}); {within} of {len(rows)} within",
                           within == len(rows), key))
    return out


def _nb_seconds(nb: dict) -> float:
    """Best estimate of a chapter's full run time: measured if it finished, else the larger of the time spent
    before it was stopped and the time tools/execute.py stored."""
    if nb["status"] == "ok":
        return nb["seconds"]
    return max(nb["seconds"], nb.get("stored_seconds") or 0)


def _nb_time(nb: dict) -> str:
    if nb["status"] == "ok":
        return f"{nb['seconds']:.0f} s"
    stored = nb.get("stored_seconds")
    return f"> {nb['seconds']:.0f} s, stopped" + (f"; {stored} s when its outputs were stored" if stored else "")


# ------------------------------------------------------------------------------------------------ Markdown
def _meta_md(results: dict) -> str:
    meta, m = results["meta"], results["meta"]["machine"]
    peak = results.get("peak", {})
    threads = meta["threads"]
    pools = ", ".join(f"{p['library']} {p['threads']}" for p in threads["pools"])
    load = [", ".join(str(v) for v in la) if la else "unknown"
            for la in (meta.get("load_average_start"), meta.get("load_average_end"))]
    rows = [
        ["CPU", f"{m['cpu']} ({m['cores']} cores visible)"],
        ["threads", f"{threads['requested']} (torch {threads['torch_threads']}; {pools})"],
        ["load average (1, 5, 15 min) at start → end", f"{load[0]} → {load[1]}"],
        ["Python / NumPy / torch", f"{m['python']} / {m['numpy']} / {m['torch']}"],
        ["date, duration", f"{m['date']}, {meta['duration_s']:.0f} s" + (" (quick run)" if meta.get("quick") else "")],
        ["CUDA", meta["cuda"]["note"]],
    ]
    runs = results.get("runs", [])
    for i, run in enumerate(runs[:-1]):  # results merged from earlier runs (python -m bench.run --only)
        remeasured = {s for later in runs[i + 1:] for s in later["suites_run"]}
        kept = [s for s in run["suites_run"] if s not in remeasured]
        if kept:
            rows.append([f"earlier run whose results are kept ({', '.join(kept)})",
                         f"{run['date']}, load {run['load_average_start']} → {run['load_average_end']}"])
    if peak:
        rows.append([f"measured matmul peak ({peak['size']}²)",
                     f"NumPy float64 {peak['numpy_float64']:.1f}, NumPy float32 {peak['numpy_float32']:.1f}, "
                     f"torch float32 {peak['torch_float32']:.1f} GFLOP/s"])
    start = meta.get("load_average_start") or [BUSY_LOAD + 1]
    return table(["", ""], rows) + f"\n\n{NOISE_NOTE if start[0] > BUSY_LOAD else QUIET_NOTE}"


def _kernels_md(blocks: list[dict]) -> str:
    parts = []
    order = []
    for b in blocks:
        if (b["group"], b["label"]) not in order:
            order.append((b["group"], b["label"]))
    for group, label in order:
        modes = {b["mode"]: b for b in blocks if (b["group"], b["label"]) == (group, label)}
        mode_names = list(modes)
        keys = []
        for b in modes.values():
            keys += [(r["impl"], r["dtype"], r["device"]) for r in b["rows"] if (r["impl"], r["dtype"], r["device"])
                     not in keys]
        header = ["implementation", "dtype", "device"]
        for mode in mode_names:
            header += [f"{mode}: median ms (min–max)", "× built-in"]
        if any("speedup_vs_cpu" in r for b in modes.values() for r in b["rows"]):
            header.append("CUDA speed-up")
        rows = []
        for key in keys:
            row, speedup = list(key), None
            for mode in mode_names:
                r = next((r for r in modes[mode]["rows"] if (r["impl"], r["dtype"], r["device"]) == key), None)
                if r is None:
                    row += ["–", "–"]
                    continue
                flag = "" if r["agrees"] else " ⚠ differs"
                row += [f"{ms(r['median_s'])} ({ms(r['min_s'])}–{ms(r['max_s'])})", times(r["ratio"]) + flag]
                speedup = r.get("speedup_vs_cpu", speedup)
            if len(header) > len(row):
                row.append(times(speedup) if speedup else "–")
            rows.append(row)
        ref = next(iter(modes.values()))["reference"]
        parts.append(f"### {group}\n\n{label}; built-in: `{ref}`.\n\n" + table(header, rows))
    return "\n\n".join(parts)


def _training_md(rows: list[dict]) -> str:
    body = [[r["what"], r["device"], r["device_name"], f"{r['seconds']:.2f}", f"{r['val_acc']:.3f}",
             times(r.get("speedup_vs_cpu"))] for r in rows]
    return ("The same chapter-10 run on each device: `cnn_training.fit(model, data, device=...)` (same seed, same "
            "batches; on CUDA the first batches include one-off start-up work, as in a notebook)."
            "\n\n" + table(["training", "device", "device name", "seconds", "validation accuracy", "speed-up"], body))


def _widgets_md(rows: list[dict]) -> str:
    body = [[r["widget"], r["setting"], r["what"], ms(r["median_s"]), f"{ms(r['min_s'])}–{ms(r['max_s'])}",
             ms(r["target_s"]), yes_no(r["met"])] for r in rows]
    return table(["widget", "setting", "measured", "median ms", "min–max ms", "target ms", "met"], body)


def _scaling_md(scaling: dict) -> str:
    parts = ["![Time against problem size, log-log, with fitted exponents](scaling_time.png)",
             "![Achieved GFLOP/s against the measured matmul peak](scaling_gflops.png)"]
    for kind, res in scaling.items():
        rows = []
        for impl, s in res["series"].items():
            fit = s["fit"]
            frac = s["best_fraction_of_peak"]
            rows.append([impl, f"{fit['exponent']:.2f} (R² {fit['r2']:.3f})", f"{max(s['gflops']):.1f}",
                         "–" if frac is None else f"{100 * frac:.0f} %",
                         ", ".join(ms(t) for t in s["median_s"])])
        sizes = ", ".join(str(n) for n in next(iter(res["series"].values()))["sizes"])
        parts.append(f"### {kind}\n\n{res['label']}; sizes {sizes}; theory: exponent {res['theory_exponent']:.0f}.\n\n"
                     + table(["implementation", "fitted exponent", "best GFLOP/s", "of matmul peak",
                              "median ms per size"], rows))
    return "\n\n".join(parts)


def _notebooks_md(nbs: list[dict]) -> str:
    rows = []
    for nb in nbs:
        slow = "; ".join(f"cell {c['index']} {c['seconds']:.1f} s `{c['first_line']}`" for c in nb["slowest_cells"])
        rows.append([nb["notebook"], "yes" if nb["in_toc"] else "not yet", nb["status"], f"{nb['seconds']:.1f}",
                     nb["stored_seconds"] if nb["stored_seconds"] is not None else "–", yes_no(nb["met"]), slow])
    cap = nbs[0]["cap_s"] if nbs else 0
    return (f"Each notebook runs in a temporary copy, one after the other; a run is stopped after {cap:.0f} s. "
            "The stored time is the one `tools/execute.py` recorded with the notebook's outputs.\n\n"
            + table(["notebook", "in the TOC", "status", "time s", "stored time s", "≤ 90 s", "slowest cells"], rows))


def render_markdown(results: dict) -> str:
    """The whole results page (its first line is a title that the book's appendix skips)."""
    suites = results.get("suites", {})
    parts = ["# Benchmark results", "## Machine and settings", _meta_md(results)]
    targets = evaluate_targets(results)
    if targets:
        parts += ["## Targets", table(["target", "limit", "measured", "met", "why it is missed"],
                                      [[t["target"], t["limit"], t["measured"], yes_no(t["met"]), t["note"]]
                                       for t in targets])]
    if suites.get("kernels"):
        parts += ["## Layers: NumPy reference vs our torch twin vs the built-in",
                  "Median per call over interleaved repeats; ratios are time ÷ the built-in's time on the same "
                  "device (lower is faster). ⚠ would mark a row whose output differs from the built-in's.",
                  "![Forward time of each implementation divided by the PyTorch built-in's](ratios.png)",
                  _kernels_md(suites["kernels"])]
    if results["meta"]["cuda"]["available"] is False:
        parts.append(f"*{results['meta']['cuda']['note']}.*")
    if suites.get("training"):
        parts += ["## A chapter's training, end to end, per device", _training_md(suites["training"])]
    if suites.get("widgets"):
        parts += ["## Widgets: recompute latency", _widgets_md(suites["widgets"])]
    if suites.get("scaling"):
        parts += ["## Scaling", _scaling_md(suites["scaling"])]
    if suites.get("notebooks"):
        parts += ["## Chapters executed headless", _notebooks_md(suites["notebooks"])]
    if suites.get("book"):
        b = suites["book"]
        text = f"`{b['command']}`: {b['seconds']:.0f} s, " + ("succeeded." if b["ok"] else
                                                                 f"failed (exit code {b['returncode']}).")
        if b.get("warnings"):
            text += (f" {b['warnings']} warnings (errors under `-W`; with `--keep-going` the build still runs to "
                     "the end, so the time is that of a full build), e.g.:\n\n"
                     + "\n".join(f"- `{w}`" for w in b["first_warnings"]))
        parts += ["## Book build", text]
    return "\n\n".join(parts) + "\n"


def write_markdown(results: dict, path: Path) -> None:
    Path(path).write_text(render_markdown(results), encoding="utf-8")
