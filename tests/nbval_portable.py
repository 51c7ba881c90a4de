"""pytest plugin for the notebook regression tests: compare plotly figures portably.

Loaded by the Makefile's ``NBVAL_FLAGS`` (``-p tests.nbval_portable``). nbval compares plotly's JSON output as a
dict, exactly, and its sanitiser only rewrites strings. This plugin extends nbval's per-value sanitising:

* the HTML ``div`` that ``helpers.widgets.show_plotly`` emits next to the JSON holds the same figure again; it is
  reduced to a placeholder, so each figure is compared once, through its JSON;
* a figure marked measured (``show_plotly(fig, measured=True)``: trained or sampled data) is compared by its
  structure only: trace types, names, modes and array sizes, and every string of its layout. The numbers it
  plots must be asserted in the same cell with ``helpers.expect`` (``tests/test_notebook_conventions.py``
  checks that).

Every other figure is compared value by value; ``show_plotly`` has already rounded its floats to a few
significant digits, far above the noise of any float kernel.
"""

from __future__ import annotations

import re

MEASURED_META = "dlbook_measured"  # helpers.widgets.display.MEASURED_META (the tests do not import helpers here)
_PLOTLY_DIV = re.compile(r"Plotly\.newPlot\(")


def is_plotly_figure(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("data"), list) and isinstance(value.get("layout"), dict)


def is_measured(figure: dict) -> bool:
    meta = figure.get("layout", {}).get("meta")
    return isinstance(meta, dict) and bool(meta.get(MEASURED_META))


def structure(node):
    """The figure with every number replaced by its kind and every array by its length."""
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return "<number>"
    if isinstance(node, list):
        if node and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in node):
            return f"<{len(node)} numbers>"
        return [structure(v) for v in node]
    if isinstance(node, dict):
        if "bdata" in node:  # plotly's typed array: keep dtype family and byte length
            return f"<typed array {str(node.get('dtype', ''))[:1]} {len(node['bdata'])}>"
        return {k: structure(v) for k, v in node.items() if k != "template"}
    return node


def portable(value):
    """What nbval compares for one output value."""
    if isinstance(value, str) and _PLOTLY_DIV.search(value):
        return "<plotly div: compared through the figure's JSON>"
    if is_plotly_figure(value) and is_measured(value):
        return structure(value)
    return value


def pytest_configure(config):
    from nbval.plugin import IPyNbCell

    if getattr(IPyNbCell.sanitize, "_dlbook_portable", False):
        return
    original = IPyNbCell.sanitize

    def sanitize(self, s):
        return original(self, portable(s))

    sanitize._dlbook_portable = True
    IPyNbCell.sanitize = sanitize
