"""The benchmark harness's logic (statistics, fitting, writers, the CUDA-absent path). No timing is asserted."""

from __future__ import annotations

import json
import math
import types

import numpy as np
import pytest

from bench import harness, report
from bench.run import merge, parse_args


def test_summarize_median_min_max():
    s = harness.summarize([0.3, 0.1, 0.2, 10.0])
    assert s == {"median_s": pytest.approx(0.25), "min_s": 0.1, "max_s": 10.0, "repeats": 4}
    assert harness.summarize([2.0])["median_s"] == 2.0


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [-1.0]])
def test_summarize_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="summarize"):
        harness.summarize(bad)


def test_ratio():
    assert harness.ratio(3.0, 1.5) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="reference"):
        harness.ratio(1.0, 0.0)


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0, 0.5])
def test_fit_power_law_recovers_synthetic_exponent(exponent):
    n = np.array([8, 16, 32, 64, 128], dtype=float)
    fit = harness.fit_power_law(n, 3e-6 * n**exponent)
    assert fit["exponent"] == pytest.approx(exponent, abs=1e-9)
    assert fit["prefactor"] == pytest.approx(3e-6, rel=1e-9)
    assert fit["r2"] == pytest.approx(1.0)


def test_fit_power_law_with_noise_and_overhead():
    rng = np.random.default_rng(0)
    n = np.geomspace(16, 4096, 12)
    t = 1e-8 * n**2 * np.exp(0.05 * rng.standard_normal(12))
    fit = harness.fit_power_law(n, t)
    assert abs(fit["exponent"] - 2) < 0.05 and 0.99 < fit["r2"] <= 1
    # a fixed overhead flattens the small sizes: the fitted slope is below the asymptotic 2
    assert harness.fit_power_law(n, t + 1e-3)["exponent"] < 1.9


@pytest.mark.parametrize("sizes, times", [([1, 2], [1.0]), ([4], [1.0]), ([1, 0], [1.0, 2.0]), ([1, 2], [1.0, -1])])
def test_fit_power_law_rejects_bad_input(sizes, times):
    with pytest.raises(ValueError, match="fit_power_law"):
        harness.fit_power_law(sizes, times)


def test_time_interleaved_counts_calls_and_reports_each_function():
    calls = {"a": 0, "b": 0}

    def make(name):
        def fn():
            calls[name] += 1
        return fn

    stats = harness.time_interleaved({"a": make("a"), "b": make("b")}, repeats=4, warmup=2, min_sample_s=0.0)
    assert set(stats) == {"a", "b"}
    assert all(s["repeats"] == 4 and s["min_s"] <= s["median_s"] <= s["max_s"] for s in stats.values())
    # warm-up 2 + calibration 1 + 4 samples of one call each (min_sample_s=0 means one call per sample)
    assert calls == {"a": 7, "b": 7}
    with pytest.raises(ValueError, match="repeats"):
        harness.time_interleaved({"a": make("a")}, repeats=0)


def test_cuda_absent_path_says_so_and_never_fails():
    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=lambda: False))
    assert harness.cuda_status(fake) == {"available": False, "device": None, "note": harness.NO_CUDA_NOTE}

    def broken():
        raise RuntimeError("driver exploded")

    assert harness.cuda_status(types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=broken)))[
        "available"] is False


def test_cpu_model_reads_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Imaginary CPU 9000 @ 3.0GHz\nflags\t: avx2\n")
    assert harness.cpu_model(str(info)) == "Imaginary CPU 9000 @ 3.0GHz"
    assert harness.cpu_model(str(tmp_path / "missing"))  # falls back to something non-empty


def _results(cuda_available=False):
    row = lambda impl, kind, dtype, med, r: {"impl": impl, "kind": kind, "dtype": dtype, "device": "cpu",
                                             "median_s": med, "min_s": med * 0.9, "max_s": med * 1.2, "repeats": 5,
                                             "ratio": r, "agrees": True}
    conv = {"suite": "conv", "group": "conv2d", "label": "N=32 (a typical layer)", "mode": "forward",
            "reference": "F.conv2d",
            "rows": [row("ours: ht.conv2d (unfold view + matmul)", "ours (torch)", "float32", 0.008, 2.0),
                     row("F.conv2d", "built-in", "float32", 0.004, 1.0),
                     row("NumPy im2col conv2d_forward", "ours (NumPy)", "float64", 0.02, 5.0),
                     row("NumPy im2col conv2d_forward", "ours (NumPy)", "float32", 0.01, 2.5)]}
    widget = {"widget": "loss-curve lab", "setting": "default", "what": "one run", "median_s": 1.5, "min_s": 1.4,
              "max_s": 1.8, "repeats": 5, "target_s": 2.0, "met": True}
    nb = {"notebook": "01_x.ipynb", "in_toc": True, "status": "stopped at cap", "seconds": 90.5, "stored_seconds": 300,
          "cells_run": 3, "code_cells": 9, "cap_s": 90.0, "target_s": 90.0, "met": False,
          "slowest_cells": [{"index": 4, "seconds": 80.0, "first_line": "train(|model|)"}]}
    cuda = harness.NO_CUDA_NOTE if not cuda_available else "CUDA rows run on X"
    return {
        "meta": {"machine": {"cpu": "Imaginary", "cores": 2, "python": "3.11", "numpy": "2", "torch": "2",
                             "date": "today", "load_average": [1.0, 1.0, 1.0]},
                 "threads": {"requested": 1, "torch_threads": 1, "pools": [{"library": "openblas", "threads": 1}]},
                 "cuda": {"available": cuda_available, "device": None, "note": cuda}, "quick": False,
                 "load_average_start": [1.5, 2.0, 2.5], "load_average_end": [1.0, 1.0, 1.0], "duration_s": 42.0},
        "peak": {"size": 1024, "numpy_float64": 40.0, "numpy_float32": 90.0, "torch_float32": 85.0},
        "suites": {"kernels": [conv], "widgets": [widget], "notebooks": [nb],
                   "book": {"seconds": 60.0, "returncode": 0, "ok": True, "log_tail": "", "command": "jb"}},
    }


def test_targets_are_evaluated_from_the_numbers():
    targets = {t["target"]: t for t in report.evaluate_targets(_results())}
    numpy_conv = next(t for name, t in targets.items() if name.startswith("NumPy im2col"))
    torch_conv = next(t for name, t in targets.items() if name.startswith("our torch conv2d"))
    assert numpy_conv["met"] and "2.50×" in numpy_conv["measured"] and "5.00×" in numpy_conv["measured"]
    assert not torch_conv["met"] and torch_conv["note"] == report.WHY["torch_conv"]
    chapters = next(t for name, t in targets.items() if name.startswith("each chapter"))
    assert chapters["met"] is False and "0 of 1" in chapters["measured"]
    book = next(t for name, t in targets.items() if name.startswith("whole book"))
    # a stopped chapter counts with the larger of its cut-off time and its stored time: 300 + 60 s build
    assert book["measured"] == "≥ 360 s" and book["met"] is None
    lab = next(t for name, t in targets.items() if name.startswith("loss-curve lab"))
    assert lab["met"] and lab["note"] == ""


def test_json_round_trip_and_markdown(tmp_path):
    results = _results()
    report.write_json(results, tmp_path / "r" / "latest.json")
    assert report.read_json(tmp_path / "r" / "latest.json") == json.loads(json.dumps(results))
    md = report.render_markdown(results)
    assert md.startswith("# Benchmark results\n")
    assert f"*{harness.NO_CUDA_NOTE}.*" in md
    assert "| ours: ht.conv2d (unfold view + matmul) | float32 | cpu | 8 (7.2–9.6) | 2.00× |" in md
    assert "train(\\|model\\|)" in md  # pipes inside cells are escaped
    assert "❌ no" in md and "✅ yes" in md
    # every table row has as many cells as its header
    for block in md.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("|")]
        if lines:
            widths = {ln.replace("\\|", "").count("|") for ln in lines}
            assert len(widths) == 1, block
    report.write_markdown(results, tmp_path / "latest.md")
    assert (tmp_path / "latest.md").read_text(encoding="utf-8") == md


def test_json_writer_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        report.write_json({"x": math.nan}, tmp_path / "bad.json")


def test_markdown_without_the_cuda_note_when_cuda_ran():
    assert harness.NO_CUDA_NOTE not in report.render_markdown(_results(cuda_available=True))


def test_formatters():
    assert report.ms(0.0123456) == "12.3" and report.ms(2.5) == "2,500" and report.ms(None) == "–"
    assert report.times(1.234) == "1.23×" and report.times(None) == "–"
    assert report.table(["a", "b"], [[1, "x|y"]]) == "| a | b |\n|---|---|\n| 1 | x\\|y |"


def test_cli_and_merge_keep_unmeasured_suites():
    args = parse_args(["--only", "conv,widgets"])
    assert args.suites == ["conv", "widgets"]
    assert "notebooks" not in parse_args(["--quick"]).suites and parse_args(["--quick"]).out.name == "quick"
    with pytest.raises(SystemExit):
        parse_args(["--only", "nonsense"])
    old = _results()
    old["runs"] = [{"date": "before"}]
    old["suites"]["kernels"].append({**old["suites"]["kernels"][0], "suite": "linear", "group": "linear"})
    new = {"meta": {"new": True}, "peak": {"size": 1}, "suites": {"kernels": [{**old["suites"]["kernels"][0], "label": "new"}]}}
    merged = merge(old, new, ["conv"])
    assert merged["meta"] == {"new": True} and merged["suites"]["notebooks"] == old["suites"]["notebooks"]
    assert [(b["suite"], b["label"]) for b in merged["suites"]["kernels"]] == [("linear", "N=32 (a typical layer)"),
                                                                              ("conv", "new")]
    assert merged["runs"] == [{"date": "before"}]
    assert merged["peak"] == old["peak"]  # the peak stays with the scaling results it was measured with
    assert merge(old, new, ["scaling"])["peak"] == {"size": 1}
