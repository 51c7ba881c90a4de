"""The reference solutions a chapter shows in its collapsed "Solution" dropdowns, run as code.

The exercise tests execute exactly what the reader sees behind "Solution (try first)", so a solution on the page
cannot drift from what its checker accepts.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

BOOK = Path(__file__).resolve().parent.parent / "book"
_CODE = re.compile(r"```python\n(.*?)```", re.S)


def dropdown_cells(notebook: str) -> list[str]:
    """The markdown cells of ``book/<notebook>`` that hold a solution dropdown."""
    nb = nbformat.read(BOOK / notebook, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown" and "{dropdown} Solution" in c.source]


def solutions(notebook: str, namespace: dict | None = None) -> dict:
    """Execute every ```python block of the notebook's solution dropdowns in one namespace and return it."""
    ns = dict(namespace or {})
    for cell in dropdown_cells(notebook):
        for block in _CODE.findall(cell):
            exec(compile(block, f"{notebook}:solution", "exec"), ns)  # noqa: S102 - the book's own code
    return ns


def exercise_outputs(notebook: str, module: str) -> list[tuple[str, str]]:
    """``(source, stored stdout)`` of every code cell that calls a checker of ``module`` (e.g. "ch11")."""
    nb = nbformat.read(BOOK / notebook, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and f"{module}.check_" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            found.append((cell.source, text))
    return found
