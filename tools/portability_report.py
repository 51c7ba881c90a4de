"""Count how the stored outputs of the book are checked: exactly, rounded, or by assertion.

    python tools/portability_report.py book/*.ipynb

A cell's checked outputs fall into these kinds (a cell may have several):
* exact: text nbval compares character by character;
* masked + asserted: a measured number printed by ``helpers.expect`` (``≈``), which nbval masks and the cell asserts;
* rounded figure: a plotly figure stored rounded to 4 significant digits, compared value by value;
* measured figure: a plotly figure of trained/sampled data, compared by structure, its numbers asserted.
"""

from __future__ import annotations

import sys
from collections import Counter

import nbformat

MEASURED_META = "dlbook_measured"
PLOTLY = "application/vnd.plotly.v1+json"


def kinds(cell) -> set[str]:
    found = set()
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        texts = [out.get("text", "")] + [v for k, v in data.items() if k.startswith("text/") and isinstance(v, str)]
        if PLOTLY in data:
            meta = data[PLOTLY].get("layout", {}).get("meta") or {}
            found.add("measured figure" if isinstance(meta, dict) and meta.get(MEASURED_META) else "rounded figure")
            continue
        if any("≈" in t for t in texts):
            found.add("masked + asserted")
        if any(t.strip() for t in texts):
            found.add("exact")
    return found


def main(paths: list[str]) -> None:
    total, cells_checked = Counter(), 0
    print(f"{'notebook':40s} {'cells':>5s} {'exact':>6s} {'masked+asserted':>16s} {'rounded fig':>12s} {'measured fig':>13s}")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        counts, n = Counter(), 0
        for cell in nb.cells:
            if cell.cell_type != "code" or "nbval-skip" in cell.metadata.get("tags", []):
                continue
            n += 1
            counts.update(kinds(cell))
        total.update(counts)
        cells_checked += n
        print(f"{path:40s} {n:5d} {counts['exact']:6d} {counts['masked + asserted']:16d} "
              f"{counts['rounded figure']:12d} {counts['measured figure']:13d}")
    print(f"{'all':40s} {cells_checked:5d} {total['exact']:6d} {total['masked + asserted']:16d} "
          f"{total['rounded figure']:12d} {total['measured figure']:13d}")
    print("(cells with text compared exactly / with a measured number masked and asserted / with a plotly figure "
          "compared rounded / with a measured figure compared by structure; a cell can count in several columns)")


if __name__ == "__main__":
    main(sys.argv[1:])
