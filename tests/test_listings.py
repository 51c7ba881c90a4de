"""The functions the book prints with ``show_source`` read like the algorithm: at most two lines of argument
checking before the maths (the checks live in ``helpers.core._validation``; issue: code a maintainer can live in).

The listed functions are found in the notebooks themselves: every ``show_source(<name>)`` of every chapter, with the
names resolved by the chapter's own import lines.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
MAX_CHECK_LINES = 2
_SHOWN = re.compile(r"show_source\(([\w.]+)\)")
_MAGIC = re.compile(r"^(\s*)[%!].*$", re.M)
_CHECK_CALL = re.compile(r"(^|\.)_?(check|validate)\w*$")


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _imports(sources: list[str]) -> str:
    """The top-level import statements of a chapter (they bind every name its show_source calls use)."""
    lines = []
    for src in sources:
        try:  # line magics (the setup cell's %pip) become `pass`; a cell magic's body is not Python
            tree = ast.parse(_MAGIC.sub(r"\1pass", src))
        except SyntaxError:
            continue
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(lines)


def shown_functions() -> list[tuple[str, str, object]]:
    """``(chapter, expression, function)`` for every ``show_source`` of a function (classes are not measured)."""
    found = []
    for notebook in sorted(p for p in BOOK.glob("*.ipynb") if not p.name.startswith(".")):
        sources = _code_cells(notebook)
        namespace: dict = {}
        exec(_imports(sources), namespace)  # noqa: S102 - the book's own imports
        for expr in sorted({m.group(1) for src in sources for m in _SHOWN.finditer(src)}):
            try:
                obj = eval(expr, namespace)  # noqa: S307 - a dotted name from the book
            except (NameError, AttributeError):
                continue  # defined in a cell of the chapter, not in the package
            if inspect.isfunction(obj):
                found.append((notebook.stem, expr, obj))
    return found


def _is_check(stmt: ast.stmt) -> bool:
    """A statement that only checks arguments: a call to check_*/validate_* (maybe assigned), or `if ...: raise`."""
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    if isinstance(stmt, ast.Assign) and isinstance(value, ast.Constant) and isinstance(value.value, str):
        return True  # `func = "affine_forward"`: the name the checks below put in their messages
    if isinstance(value, ast.Call) and _CHECK_CALL.search(ast.unparse(value.func)):
        return True
    return isinstance(stmt, ast.If) and not stmt.orelse and all(isinstance(s, ast.Raise) for s in stmt.body)


def check_lines(func) -> int:
    """How many source lines of argument checking stand before the first statement of the algorithm."""
    body = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    lines = 0
    for stmt in body:
        if not _is_check(stmt):
            break
        lines += stmt.end_lineno - stmt.lineno + 1
    return lines


SHOWN = shown_functions()


def test_the_book_shows_many_package_functions():
    assert len(SHOWN) >= 80, f"only {len(SHOWN)} show_source calls resolved: the resolution is broken"


@pytest.mark.parametrize("chapter, expr, func", SHOWN, ids=[f"{c}:{e}" for c, e, _ in SHOWN])
def test_listing_shows_the_algorithm_first(chapter, expr, func):
    n = check_lines(func)
    assert n <= MAX_CHECK_LINES, (
        f"{expr}, shown in {chapter}, starts with {n} lines of argument checks: move them into one call of a "
        f"checker in helpers.core._validation so the listing shows the algorithm first.")


def test_the_measure_counts_checks_and_stops_at_the_algorithm():
    def buried(x, w):
        """Doc."""
        fn = "buried"
        check_x(x, fn)  # noqa: F821
        if w is None:
            raise ValueError("w")
        y = x * w
        check_y(y)  # noqa: F821 - after the maths: not counted
        return y

    def clean(x):
        return x + 1

    assert check_lines(buried) == 4
    assert check_lines(clean) == 0
