"""The appendix of lecture-note slips is generated from the chapters' fragments and links to real targets."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tools import make_slips_appendix as slips
from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_appendix_is_up_to_date():
    assert slips.PAGE.read_text() == slips.render(), (
        "book/appendix_notes_vs_pytorch.md is not what book/slips/ generates: run `python tools/make_slips_appendix.py`.")


def targets() -> set[str]:
    found = set()
    for path in toc_notebooks(ROOT / "_toc.yml"):
        for cell in nbformat.read(ROOT / path, as_version=4).cells:
            if cell.cell_type == "markdown":
                found.update(re.findall(r"^\(([\w-]+)\)=\s*$", cell.source, flags=re.M))
    return found


def test_every_row_links_to_a_target_in_a_chapter():
    labels = targets()
    for row in slips.rows():
        refs = re.findall(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`", row)
        assert refs, f"a slip row must start with {{ref}}`slip-chNN-name`: {row}"
        missing = [r for r in refs if r not in labels]
        assert not missing, f"{missing} has no (label)= target in any chapter's markdown: {row}"


def test_each_row_has_four_columns():
    for row in slips.rows():
        cells = [c for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]
        assert len(cells) == 4 and all(c.strip() for c in cells), f"a slip row needs four non-empty columns: {row}"


def test_no_slip_is_listed_twice():
    labels = [re.findall(r"\{ref\}`([\w-]+)`", row)[0] for row in slips.rows()]
    assert len(labels) == len(set(labels)), "a slip is listed twice"
