"""Every live explorer of the book, run and driven in JupyterLab as a reader would (see ``conftest.py``)."""

from __future__ import annotations

import pytest

from .explorers import live_cells

CELLS = live_cells()


def test_the_book_has_live_explorers():
    assert len(CELLS) >= 10, [c.id for c in CELLS]
    assert "unknown" not in {c.explorer for c in CELLS}, [c.id for c in CELLS if c.explorer == "unknown"]


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_explorer_redraws_once_per_change_without_errors(live, cell):
    result = live.exercise(cell)
    failures = result.failures()
    assert not failures, f"{cell.id}:\n  " + "\n  ".join(failures)
