"""Assemble the appendix "Where the lecture notes and PyTorch disagree" from the chapters' fragments.

Each chapter keeps the lecture-notes boxes that change the code a PyTorch user writes. Every other slip of the
notes is one table row in ``book/slips/chNN.md`` (``| {ref}`slip-chNN-name` | the notes say | what is true | how the
book shows it |``), next to a MyST target ``(slip-chNN-name)=`` on the chapter cell that demonstrates it. This
tool writes the one table of ``book/appendix_notes_vs_pytorch.md``; ``tests/test_slips_appendix.py`` fails when
the committed page is not what it generates.

    python tools/make_slips_appendix.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAGMENTS = ROOT / "book" / "slips"
PAGE = ROOT / "book" / "appendix_notes_vs_pytorch.md"
ROW = re.compile(r"^\|.*\|\s*$")

INTRO = """\
# Where the lecture notes and PyTorch disagree

The book follows the order of five sets of lecture notes and slides: two student summaries of the Technical
University of Munich's *Introduction to Deep Learning* lecture {cite}`i2dl_summary,i2dl_ss19`, B. Yang's *Deep
Learning* lecture notes {cite}`yang_dl_notes`, and two slide decks {cite}`dl_overview_slides,basics_of_dl_recap`.
Like any notes, they contain slips: a sign, an index, a number that does not add up.

A slip that changes the code you write with PyTorch (the sign of the cross-entropy, the factor 2 of the mean
squared error, `weight_decay` = 2λ, dropout's scaling, batch norm's momentum, the LSTM's gate order) is explained in
its chapter, in a box titled *The lecture notes vs PyTorch*, next to code that shows both forms. Every other slip is
listed here, once, with a link to the cell that demonstrates it, so a reader who studies from the notes can check a
formula without the chapters being cluttered by corrections.

"""
HEADER = ("| where in the book | the notes say | what is true | how the book shows it |\n"
          "|---|---|---|---|\n")


def rows() -> list[str]:
    found = []
    for fragment in sorted(FRAGMENTS.glob("ch*.md")):
        for line in fragment.read_text().splitlines():
            if ROW.match(line) and not re.match(r"^\|\s*-{3,}", line) and "where in the book" not in line:
                found.append(line.strip())
    return found


_BARE_REF = re.compile(r"\{ref\}`(slip-ch0?(\d+[ab]?)-[\w-]+)`")


def _linked(row: str) -> str:
    """A MyST target on a paragraph or code cell has no title for {ref} to show: give the link its text."""
    return _BARE_REF.sub(lambda m: f"{{ref}}`chapter {m[2]} <{m[1]}>`", row)


def render() -> str:
    body = [_linked(row) for row in rows()]
    if not body:
        return INTRO + "No slips are listed yet.\n"
    return INTRO + HEADER + "\n".join(body) + "\n"


def main() -> int:
    PAGE.write_text(render())
    print(f"wrote {PAGE.relative_to(ROOT)} with {len(rows())} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
