"""The pieces of ``make test-gpu`` that run anywhere: the stdlib + IPython notebook runner and the orchestrator's
helpers (the GPU run itself needs a GPU machine; ``make test-gpu GPU_ARGS="--device cpu"`` is its dry run)."""

from __future__ import annotations

import json
import zipfile

import pytest

from tools import gpu_check, run_notebooks

pytest.importorskip("IPython")


def _notebook(path, cells):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source, "outputs": [],
                     **({"execution_count": None} if kind == "code" else {})} for kind, source, tags in cells]}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_runner_names_the_failing_cell_and_skips_what_it_should(tmp_path):
    good = _notebook(tmp_path / "good.ipynb", [
        ("markdown", "# title", ()),
        ("code", "%matplotlib inline\nimport matplotlib.pyplot as plt\nx = 2", ()),
        ("code", "raise ValueError('shown on purpose')", ("raises-exception",)),
        ("code", "1 / 0  # an explorer: needs a front end", ("live-widget", "nbval-skip")),
        ("code", "from IPython.display import display\ndisplay(x * 21)", ()),
    ])
    bad = _notebook(tmp_path / "bad.ipynb", [
        ("code", "y = 1", ()),
        ("markdown", "text", ()),
        ("code", "\n\nassert y == 2, 'y is not 2'\nprint('never')", ()),
        ("code", "print('not reached')", ()),
    ])
    out = tmp_path / "logs"
    assert run_notebooks.main([str(good), str(bad), "--out", str(out), "--timeout", "120"]) == 1
    results = {r["notebook"]: r for r in json.loads((out / "summary.json").read_text())["results"]}
    assert results["good.ipynb"]["status"] == "ok"
    assert (results["good.ipynb"]["ran"], results["good.ipynb"]["skipped"]) == (3, 1)
    assert "42" in (out / "good.log").read_text()
    failed = results["bad.ipynb"]
    assert (failed["status"], failed["cell"], failed["first_line"]) == ("error", 2, "assert y == 2, 'y is not 2'")
    assert failed["error"] == "AssertionError: y is not 2"
    assert "not reached" not in (out / "bad.log").read_text()
    assert "FAILED  bad.ipynb cell 2" in run_notebooks.describe(failed)


def test_toc_without_pyyaml_reads_the_same_notebooks(monkeypatch):
    expected = run_notebooks.toc_notebooks()
    assert expected and all(p.suffix == ".ipynb" for p in expected)
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)  # import yaml -> ImportError
    assert run_notebooks.toc_notebooks() == expected


def test_gpu_check_leaves_out_test_files_whose_imports_are_missing(tmp_path, monkeypatch):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("import numpy\nfrom helpers import data\nimport tests.devices\n")
    (tmp_path / "tests" / "test_b.py").write_text("import numpy\nimport not_a_module_here.sub\n")
    monkeypatch.setattr(gpu_check, "ROOT", tmp_path)
    monkeypatch.setattr(gpu_check, "DEVICE_TESTS", ("tests/test_a.py", "tests/test_b.py"))
    keep, left_out = gpu_check.runnable_tests(tmp_path / "no_site")
    assert keep == ["tests/test_a.py"] and left_out == {"tests/test_b.py": ["not_a_module_here"]}


def test_gpu_check_unpacks_only_missing_wheels(tmp_path, monkeypatch):
    (tmp_path / ".whl").mkdir()
    for dist, module in (("numpy", "numpy_fake"), ("surely_missing_pkg", "surely_missing_pkg")):
        with zipfile.ZipFile(tmp_path / ".whl" / f"{dist}-1.0-py3-none-any.whl", "w") as zf:
            zf.writestr(f"{module}/__init__.py", "VALUE = 1\n")
    monkeypatch.setattr(gpu_check, "ROOT", tmp_path)
    site = tmp_path / "_build" / "gpu" / "site"
    messages = []
    unpacked = gpu_check.unpack_missing_wheels(site, messages.append)
    assert unpacked == ["surely_missing_pkg-1.0-py3-none-any.whl"]  # numpy is installed: never shadowed
    assert (site / "surely_missing_pkg" / "__init__.py").exists() and not (site / "numpy_fake").exists()
    env = gpu_check.child_env(site)
    assert env["PYTHONPATH"].split(":")[:3] == [str(tmp_path / "src"), str(tmp_path), str(site)]


def test_gpu_check_archive_packs_the_results_but_not_the_wheels(tmp_path):
    import tarfile

    out = tmp_path / "gpu"
    (out / "notebooks").mkdir(parents=True)
    (out / "site" / "plotly").mkdir(parents=True)
    (out / "summary.md").write_text("PASSED\n")
    (out / "notebooks" / "01_introduction.log").write_text("ok\n")
    (out / "site" / "plotly" / "__init__.py").write_text("")
    target = gpu_check.archive(out, out / "results.tar.gz")  # inside the folder it packs: not packed itself
    with tarfile.open(target) as tar:
        names = sorted(tar.getnames())
        assert tar.extractfile("gpu/summary.md").read() == b"PASSED\n"
    assert names == ["gpu/notebooks", "gpu/notebooks/01_introduction.log", "gpu/summary.md"]


def test_gpu_check_without_cuda_says_so_and_still_archives(tmp_path, monkeypatch):
    import tarfile

    monkeypatch.setattr(gpu_check, "environment", lambda device: {
        "date": "today", "python": "3", "torch": "x", "torch_cuda": None, "numpy": "y", "cpus": 2, "commit": None,
        "cuda_available": False, "device": device})
    code = gpu_check.main(["--device", "cuda", "--out", str(tmp_path / "gpu"), "--archive", str(tmp_path / "r.tar.gz")])
    assert code == 1
    assert "torch sees no CUDA device" in (tmp_path / "gpu" / "summary.md").read_text()
    with tarfile.open(tmp_path / "r.tar.gz") as tar:
        assert {"gpu/summary.md", "gpu/environment.json"} <= set(tar.getnames())
