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
