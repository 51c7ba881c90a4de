"""Proof that the live test fails on a broken explorer: one that raises in its update, one that draws its figure
twice, one that redraws too slowly; a correct one beside them passes. The explorers are in
``fixtures/broken_explorers.ipynb`` and go through exactly the check of the book's explorers."""

from __future__ import annotations

import pytest

from .explorers import live_cells

CELLS = live_cells(["tests_live/fixtures/broken_explorers.ipynb"])
EXPECTED = {
    "good_explorer": None,
    "raising_explorer": "ValueError: deliberately broken explorer",
    "twice_explorer": "2 figures in the output",
    "slow_explorer": "(limit ",
}


def test_the_fixture_has_every_kind_of_broken_explorer():
    assert [c.explorer for c in CELLS] == list(EXPECTED)


@pytest.mark.parametrize("cell", CELLS, ids=[c.explorer for c in CELLS])
def test_the_live_check_rejects_a_broken_explorer(live, cell):
    failures = live.exercise(cell).failures()
    expected = EXPECTED[cell.explorer]
    if expected is None:
        assert not failures, failures
    else:
        assert any(expected in f for f in failures), f"{cell.explorer} was not caught; failures: {failures}"
