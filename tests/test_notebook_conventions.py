"""The notebook conventions, checked on every notebook of the book without running it.

Each failure message says what to do. nbval (``make nbval``) then re-runs the notebooks and compares
their stored outputs; these checks make sure there *are* trustworthy stored outputs to compare.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from tools.toc import toc_files, toc_notebooks

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"]["branch"]
INSTALL_LINE = f'%pip install --quiet "dlbook-helpers @ git+{REPO_URL}@{BRANCH}"'
COLAB_GUARD = 'if "google.colab" in sys.modules:'

ALL_NOTEBOOKS = sorted(p.relative_to(ROOT) for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
TOC_NOTEBOOKS = toc_notebooks(ROOT / "_toc.yml")

# Things that must never reach a stored output: machine paths, addresses, timings, device-bound reprs.
FORBIDDEN_OUTPUT = {
    "a machine path": re.compile(r"(/tmp/|/root/|/work/|/home/\w+/|[A-Z]:\\\\Users)"),
    "a memory address": re.compile(r"at 0x[0-9a-fA-F]{6,}"),
    "a timing": re.compile(r"(Wall time|CPU times|\d+(\.\d+)?\s?(ms|µs|us) per loop|\d+(\.\d+)?\s?it/s|elapsed)"),
    "a device-bound tensor repr": re.compile(r"device='(cuda|mps)"),
    "a NumPy 2 scalar repr (print float(x) or a rounded f-string)": re.compile(r"np\.(float|int)\d+\("),
    "a bare figure repr (end the cell with plt.show())": re.compile(r"^<Figure size [\d.]+x[\d.]+ with \d+ Axes>$"),
}


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / path, as_version=4)


LIVE_TAG = "live-widget"  # an explorer cell: not executed when outputs are stored (needs a front end)


def code_cells(nb, *, live: bool = False) -> list:
    """Non-empty code cells; without ``live``, the live-widget cells are left out."""
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()
            and (live or LIVE_TAG not in c.metadata.get("tags", []))]


def output_texts(cell):
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            yield out.text
        elif out.output_type in ("execute_result", "display_data"):
            data = out.get("data", {})
            # A figure's text/plain twin of its PNG is fine; a figure repr *without* the image is not.
            mimes = ("text/html", "text/markdown", "text/latex") if "image/png" in data else (
                "text/plain", "text/html", "text/markdown", "text/latex")
            for mime in mimes:
                if mime in data:
                    yield data[mime] if isinstance(data[mime], str) else "".join(data[mime])


def test_every_notebook_is_in_the_toc():
    listed = set(TOC_NOTEBOOKS)
    missing = [str(p) for p in ALL_NOTEBOOKS if p not in listed]
    assert not missing, f"Notebooks not listed in _toc.yml: {missing}. Add a `- file: book/NAME` entry (no extension)."


def test_every_toc_entry_exists():
    absent = [f for f in toc_files(ROOT / "_toc.yml") if not any((ROOT / (f + ext)).exists() for ext in (".ipynb", ".md"))]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}. Fix the path or remove the entry."


def test_the_book_has_notebooks():
    assert TOC_NOTEBOOKS, "_toc.yml lists no notebook at all"


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_kernelspec_is_python3(path):
    spec = read(path).metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"{path}: kernelspec is {spec!r}; re-run `make execute NB={path}`."


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_first_code_cell_is_the_setup_cell(path):
    cells = code_cells(read(path))
    assert cells, f"{path} has no code cell"
    first = cells[0].source
    hint = f"Copy the first code cell of tools/chapter_template.ipynb into {path}."
    assert COLAB_GUARD in first, f"{path}: the first code cell lacks the Colab guard `{COLAB_GUARD}`. {hint}"
    assert INSTALL_LINE in first, (
        f"{path}: the first code cell must install the helpers from the repository of _config.yml:\n"
        f"    {INSTALL_LINE}\n{hint}"
    )
    assert re.search(r"^rng = helpers\.setup\(seed=\d+\)", first, re.M), f"{path}: the setup cell must call `rng = helpers.setup(seed=...)`. {hint}"


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_executed_in_order_with_stored_outputs(path):
    counts = [c.execution_count for c in code_cells(read(path))]
    expected = list(range(1, len(counts) + 1))
    assert counts == expected, (
        f"{path}: execution counts are {counts}, expected {expected} (every cell run once, in order, on a fresh kernel). "
        f"Run `make execute NB={path}` and commit the notebook with its outputs."
    )


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_live_widget_cells_are_skipped_everywhere(path):
    for i, cell in enumerate(code_cells(read(path), live=True), start=1):
        tags = cell.metadata.get("tags", [])
        if LIVE_TAG in tags:
            assert "nbval-skip" in tags, f"{path}, code cell {i}: a `{LIVE_TAG}` cell must also be tagged `nbval-skip`."
            assert not cell.outputs and cell.execution_count is None, (
                f"{path}, code cell {i}: a `{LIVE_TAG}` cell must be stored unexecuted; run `make execute NB={path}`.")


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_no_unexpected_errors(path):
    for i, cell in enumerate(code_cells(read(path)), start=1):
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if "raises-exception" in cell.metadata.get("tags", []):
            assert errors, f"{path}, code cell {i}: tagged raises-exception but stores no error. Re-run `make execute NB={path}`."
        else:
            assert not errors, (
                f"{path}, code cell {i} stores an error ({errors[0].ename}). Fix it, or tag the cell `raises-exception` "
                "if the error is the lesson; then `make execute`."
            )


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_outputs_are_reproducible_text(path):
    problems = []
    for i, cell in enumerate(code_cells(read(path)), start=1):
        for text in output_texts(cell):
            for what, pattern in FORBIDDEN_OUTPUT.items():
                match = pattern.search(text)
                if match:
                    problems.append(f"code cell {i} prints {what}: {match.group(0)!r}")
    assert not problems, f"{path}: outputs that change between machines or runs:\n  " + "\n  ".join(problems)


RENDERABLE = {"text/html", "image/png", "image/jpeg", "image/svg+xml", "text/markdown", "text/latex", "text/plain",
              "application/javascript", "application/vnd.jupyter.widget-view+json"}


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_every_rich_output_has_an_html_fallback(path):
    """The HTML book drops mime types it cannot render (the build hides that warning for plotly's JSON)."""
    for i, cell in enumerate(code_cells(read(path)), start=1):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            unknown = set(data) - RENDERABLE
            if unknown:
                assert "text/html" in data, (
                    f"{path}, code cell {i}: output of type {sorted(unknown)} has no text/html twin, so the HTML book "
                    "would show nothing. Display plotly figures with helpers.widgets.show_plotly(fig).")


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_no_pasted_package_code(path):
    """Chapters show package code with helpers.show_source; they do not define long functions of their own."""
    for i, cell in enumerate(code_cells(read(path)), start=1):
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) <= 30, (
            f"{path}, code cell {i} has {len(lines)} lines of code: move the logic into src/helpers and "
            "show it with helpers.show_source(...)."
        )


# Portability: what nbval may not compare exactly must be asserted instead (README, "Portable outputs").
# e.g. "error 4.5e-10"; a bound ("< 1e-10", "≤ 1e-12", "tol=1e-10") is fine
NOISE = re.compile(r"(?<![\w.<≤=])(?<!< )(?<!≤ )\d(\.\d+)?e-(1\d|[2-9]\d)\b")
MEASURED_META = "dlbook_measured"
MASKED = re.compile(r"≈ -?(\d|\[)[^\s]*")  # what tests/nbval_sanitize.cfg masks
ASSERTS = re.compile(r"\bexpect(_below|_true)?\(|\bassert\b")


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_no_output_prints_rounding_noise(path):
    problems = []
    for i, cell in enumerate(code_cells(read(path)), start=1):
        if cell.source.lstrip().startswith("helpers.show_source") or "show_source(" in cell.source:
            continue  # listings of code may mention tolerances such as 1e-10
        for text in output_texts(cell):
            for match in NOISE.finditer(text):
                problems.append(f"code cell {i} prints {match.group(0).strip()!r}")
    assert not problems, (f"{path}: rounding noise is machine-dependent; print a bound with "
                          "helpers.expect_below(err, 1e-8, label=...) instead:\n  " + "\n  ".join(problems))


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=str)
def test_uncompared_outputs_are_asserted(path):
    """A measured number (``≈``) or a measured figure is not compared by nbval, so its cell must assert it."""
    problems = []
    for i, cell in enumerate(code_cells(read(path)), start=1):
        tags = cell.metadata.get("tags", [])
        if "nbval-ignore-output" in tags or cell.source.startswith("# NBVAL_IGNORE_OUTPUT"):
            problems.append(f"code cell {i} hides its whole output from nbval; assert its claims with helpers.expect")
        measured_figure = any(
            isinstance(out.get("data", {}).get("application/vnd.plotly.v1+json"), dict)
            and (out["data"]["application/vnd.plotly.v1+json"].get("layout", {}).get("meta") or {}).get(MEASURED_META)
            for out in cell.get("outputs", []))
        if measured_figure and not ASSERTS.search(cell.source):
            problems.append(f"code cell {i} shows a measured figure without asserting what it plots")
        listing = "show_source(" in cell.source  # a listing's docstrings may say "≈ 1.46": exact text, harmless
        masked = [] if listing else [m.group(0) for text in output_texts(cell) for m in MASKED.finditer(text)]
        if masked and not ASSERTS.search(cell.source):
            problems.append(f"code cell {i} prints {masked[0]!r}, which nbval masks, without asserting it "
                            "(print measured numbers with helpers.expect)")
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)
