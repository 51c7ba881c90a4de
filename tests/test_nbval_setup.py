"""Prove that the notebook regression tests can fail: nbval, run with the Makefile's exact flags,
passes on a freshly executed notebook and fails once one stored output is changed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def makefile_nbval_flags() -> list[str]:
    match = re.search(r"^NBVAL_FLAGS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile must define NBVAL_FLAGS := ..."
    return shlex.split(match.group(1).replace("tests/", str(ROOT / "tests") + "/"))


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *makefile_nbval_flags(), str(path)],
        cwd=path.parent, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # for the plugin `-p tests.nbval_portable`
    )


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory) -> Path:
    """A small notebook that starts like every chapter, executed by tools/execute.py."""
    template = nbformat.read(ROOT / "tools" / "chapter_template.ipynb", as_version=4)
    nb = nbformat.v4.new_notebook(metadata=template.metadata)
    nb.cells = [
        template.cells[1],  # the standard setup cell
        nbformat.v4.new_code_cell("x = rng.normal(size=3)\nprint([round(float(v), 4) for v in x])"),
        nbformat.v4.new_code_cell("print(hn.perceptron_predict(np.eye(2), np.array([1.0, -1.0]), 0.0))"),
    ]
    path = tmp_path_factory.mktemp("nbval") / "probe.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), str(path)], check=True, capture_output=True)
    return path


def test_nbval_passes_on_a_freshly_executed_notebook(executed_notebook):
    result = run_nbval(executed_notebook)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_nbval_fails_when_a_stored_output_is_changed(executed_notebook, tmp_path):
    nb = nbformat.read(executed_notebook, as_version=4)
    stream = nb.cells[1].outputs[0]
    assert stream.output_type == "stream"
    stream.text = stream.text.replace("0.", "9.", 1)  # one digit of one stored number
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    result = run_nbval(broken)
    assert result.returncode != 0
    assert "1 failed" in result.stdout and "2 passed" in result.stdout, result.stdout


def test_nbval_fails_on_an_unexecuted_cell_output_mismatch(executed_notebook, tmp_path):
    """Clearing outputs (an unexecuted notebook) must not pass silently either."""
    nb = nbformat.read(executed_notebook, as_version=4)
    for cell in nb.cells:
        cell.outputs = []
    cleared = tmp_path / "cleared.ipynb"
    nbformat.write(nb, cleared)
    result = run_nbval(cleared)
    assert result.returncode != 0, "nbval accepted a notebook whose printed outputs were removed"


@pytest.fixture(scope="module")
def measured_notebook(tmp_path_factory) -> Path:
    """A notebook with a measured number (helpers.expect), a measured figure and an exact figure."""
    template = nbformat.read(ROOT / "tools" / "chapter_template.ipynb", as_version=4)
    nb = nbformat.v4.new_notebook(metadata=template.metadata)
    figure = ("import plotly.graph_objects as go\nfrom helpers.widgets import show_plotly\n"
              "fig = go.Figure(go.Scatter(x=np.arange(4.0), y=np.array([0.5, 0.25, 0.125, 1 / 3])))\n")
    nb.cells = [
        template.cells[1],
        nbformat.v4.new_code_cell("loss = 0.2931\nprint('epochs: 5')\nhelpers.expect(loss, near=0.3, tol=0.05, "
                                  "label='train loss')"),
        nbformat.v4.new_code_cell(figure + "helpers.expect(fig.data[0].y[-1], lo=0.3, show=False)\n"
                                  "show_plotly(fig, measured=True)"),
        nbformat.v4.new_code_cell(figure + "show_plotly(fig)"),
    ]
    path = tmp_path_factory.mktemp("nbval_measured") / "measured.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), "--no-portability-check", str(path)],
                   check=True, capture_output=True)
    return path


def _edit_and_run(path: Path, tmp_path: Path, edit) -> subprocess.CompletedProcess:
    nb = nbformat.read(path, as_version=4)
    edit(nb.cells)
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    return run_nbval(edited)


def _plotly(cell) -> dict:
    return next(o for o in cell.outputs if "application/vnd.plotly.v1+json" in o.get("data", {}))["data"][
        "application/vnd.plotly.v1+json"]


def _set_y(cell, values) -> None:
    """Store other y values, encoded as show_plotly stores them (a float64 typed array)."""
    import base64

    import numpy as np

    data = base64.b64encode(np.asarray(values, dtype=np.float64).tobytes()).decode("ascii")
    _plotly(cell)["data"][0]["y"] = {"dtype": "f8", "bdata": data}


def test_measured_outputs_pass_unchanged(measured_notebook):
    result = run_nbval(measured_notebook)
    assert result.returncode == 0 and "4 passed" in result.stdout, result.stdout + result.stderr
    nb = nbformat.read(measured_notebook, as_version=4)
    assert _plotly(nb.cells[3])["data"][0]["y"]["bdata"], "show_plotly stores a typed array"


@pytest.mark.parametrize("edit, passes", [
    # another machine's last digits of a measured number: masked
    (lambda cells: setattr(cells[1].outputs[0], "text", cells[1].outputs[0].text.replace("0.293", "0.281")), True),
    # the claim or an exact line is still compared
    (lambda cells: setattr(cells[1].outputs[0], "text", cells[1].outputs[0].text.replace("± 0.05", "± 0.5")), False),
    (lambda cells: setattr(cells[1].outputs[0], "text", cells[1].outputs[0].text.replace("epochs: 5", "epochs: 4")),
     False),
    # the value a cell ends with is masked too
    (lambda cells: cells[1].outputs[-1]["data"].update({"text/plain": "≈ 0.2811"}), True),
    # a measured figure: other values pass, another number of points fails
    (lambda cells: _set_y(cells[2], [0.5, 0.26, 0.12, 0.3]), True),
    (lambda cells: _set_y(cells[2], [0.5, 0.26, 0.12]), False),
    # an exact figure: any other value fails
    (lambda cells: _set_y(cells[3], [0.5, 0.25, 0.125, 0.3334]), False),
], ids=["measured-digits", "claim", "exact-line", "final-value", "measured-figure-values", "measured-figure-size", "exact-figure"])
def test_what_the_portable_comparison_still_catches(measured_notebook, tmp_path, edit, passes):
    result = _edit_and_run(measured_notebook, tmp_path, edit)
    assert (result.returncode == 0) == passes, result.stdout[-3000:]


def test_execute_refuses_to_store_a_non_portable_output(tmp_path):
    """tools/execute.py re-runs a notebook under forced kernels and keeps the old file when an output differs."""
    template = nbformat.read(ROOT / "tools" / "chapter_template.ipynb", as_version=4)
    nb = nbformat.v4.new_notebook(metadata=template.metadata)
    nb.cells = [template.cells[1], nbformat.v4.new_code_cell(
        "a = np.random.default_rng(0).standard_normal((96, 257)).astype(np.float32)\n"
        "print(hash((a @ a.T).tobytes()))  # the last bits of an OpenBLAS float32 matmul")]
    path = tmp_path / "fragile.ipynb"
    nbformat.write(nb, path)
    before = path.read_text()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "execute.py"), str(path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and "NOT stored" in result.stderr and "Cell 1" in result.stderr, result.stderr
    assert path.read_text() == before, "a non-portable execution must not overwrite the notebook"
    (ROOT / "_build" / "nonportable" / path.name).unlink()
