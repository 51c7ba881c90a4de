"""Run the benchmark suite: ``make bench`` or ``python -m bench.run [--quick] [--only SUITE[,SUITE]]``.

Writes ``bench/results/latest.json`` (everything measured), ``latest.md`` (Markdown tables, included by the
book's performance appendix) and PNG plots next to them. ``--quick`` is a fast smoke run (fewer repeats, smaller
sizes, no notebooks or book build) written to ``bench/results/quick/`` so it never replaces the full results.
``--only`` re-measures some suites and merges them into the existing results. ``--render`` rebuilds the
Markdown and plots from the JSON without measuring.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy and torch load; pin_threads() enforces it at run time too

from . import harness, report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
KERNEL_SUITES = ("linear", "conv", "pool", "batchnorm", "lstm", "attention", "optim")
SUITES = KERNEL_SUITES + ("training", "widgets", "scaling", "notebooks", "book")
QUICK_SKIPS = ("notebooks", "book")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast subset: fewer repeats, no notebooks or book build")
    p.add_argument("--only", default="", help=f"comma-separated suites to (re)measure: {', '.join(SUITES)}")
    p.add_argument("--threads", type=int, default=1, help="threads for torch and BLAS (default 1, as the book)")
    p.add_argument("--notebook-cap", type=float, default=90.0, help="seconds after which a notebook is stopped")
    p.add_argument("--notebooks", default="", help="comma-separated notebook names (default: all of book/)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default bench/results[/quick])")
    p.add_argument("--render", action="store_true", help="only rebuild latest.md and the plots from latest.json")
    args = p.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SUITES))
    if unknown:
        p.error(f"unknown suite(s) {unknown}; choose from {', '.join(SUITES)}")
    args.suites = only or [s for s in SUITES if not (args.quick and s in QUICK_SKIPS)]
    args.out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    return args


def measure(args, log=print) -> dict:
    """Run the chosen suites; returns the results of this run only."""
    threads = harness.pin_threads(args.threads)
    cuda = harness.cuda_status()
    load_start = harness.load_average()
    start = time.perf_counter()
    log(f"threads pinned: {threads}; {cuda['note']}; load average {load_start}")
    peak = harness.matmul_peak(repeats=5 if args.quick else 15)
    log(f"matmul peak GFLOP/s: {peak}")
    suites: dict = {}
    kernel_suites = [s for s in args.suites if s in KERNEL_SUITES]
    if kernel_suites:
        from . import kernels

        log("layers")
        suites["kernels"] = kernels.run(kernel_suites, repeats=5 if args.quick else 15, cuda=cuda["available"],
                                        log=log)
    if "training" in args.suites:
        from . import training

        log("training")
        suites["training"] = training.run(quick=args.quick, cuda=cuda["available"], log=log)
    if "widgets" in args.suites:
        from . import widgets

        log("widgets")
        suites["widgets"] = widgets.run(quick=args.quick, log=log)
    if "scaling" in args.suites:
        from . import scaling

        log("scaling")
        suites["scaling"] = scaling.run(peak=peak, quick=args.quick, cuda=cuda["available"], log=log)
    if "notebooks" in args.suites or "book" in args.suites:
        from . import notebooks

        if "notebooks" in args.suites:
            log("notebooks")
            names = [n.strip() for n in args.notebooks.split(",") if n.strip()] or None
            suites["notebooks"] = notebooks.time_notebooks(cap_s=args.notebook_cap, names=names, log=log)
        if "book" in args.suites:
            log("book build")
            suites["book"] = notebooks.time_book_build(log=log)
    meta = {"machine": harness.machine_info(), "threads": threads, "cuda": cuda, "quick": args.quick,
            "suites_run": args.suites, "load_average_start": load_start, "load_average_end": harness.load_average(),
            "duration_s": time.perf_counter() - start}
    return {"meta": meta, "peak": peak, "suites": suites}


def merge(old: dict, new: dict, suites_run) -> dict:
    """``new`` with the suites it did not measure taken from ``old`` (kernel blocks merged per suite)."""
    # The peak is what the scaling suite is compared with: keep the one measured alongside it.
    peak = new["peak"] if "scaling" in suites_run or "peak" not in old else old["peak"]
    merged = {"meta": new["meta"], "peak": peak, "suites": dict(old.get("suites", {})), "runs": old.get("runs", [])}
    for key, value in new["suites"].items():
        if key == "kernels":
            kept = [b for b in merged["suites"].get("kernels", []) if b["suite"] not in suites_run]
            value = sorted(kept + value, key=lambda b: KERNEL_SUITES.index(b["suite"]))
        merged["suites"][key] = value
    return merged


def write(results: dict, folder: Path) -> None:
    from . import plots

    folder.mkdir(parents=True, exist_ok=True)
    report.write_json(results, folder / "latest.json")
    plots.write_plots(results, folder)
    report.write_markdown(results, folder / "latest.md")


def main(argv=None) -> int:
    args = parse_args(argv)
    path = args.out / "latest.json"
    if args.render:
        write(report.read_json(path), args.out)
        print(f"rendered {args.out / 'latest.md'}")
        return 0
    new = measure(args)
    run_record = {key: new["meta"][key] for key in ("suites_run", "load_average_start", "load_average_end",
                                                    "duration_s", "quick")}
    run_record["date"] = new["meta"]["machine"]["date"]
    partial = bool(args.only) and path.exists()
    results = merge(report.read_json(path), new, args.suites) if partial else {**new, "runs": []}
    results["runs"] = results["runs"] + [run_record]
    write(results, args.out)
    if args.quick:  # never committed
        (args.out / ".gitignore").write_text("*\n", encoding="utf-8")
    print(f"wrote {path}, {args.out / 'latest.md'} and the plots in {new['meta']['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
