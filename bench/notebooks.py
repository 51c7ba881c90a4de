"""Time each chapter notebook executed headless, and the HTML build of the book, without touching either.

Notebooks are copied (with the rest of ``book/``) to a temporary folder and executed there exactly as
``tools/execute.py`` does (fresh ``python3`` kernel, pinned threads, live-widget cells skipped), so the book's
stored outputs are never overwritten. A notebook still running after ``cap_s`` seconds is stopped and reported as
over its cap, with the slowest cells so far: the first place to look when a chapter misses its 90 s target.
The build runs ``jupyter-book build -W -n --keep-going`` (what ``make book`` runs) into a temporary output folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _OverCap(Exception):
    pass


def _first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
    return (lines[0] if lines else source.strip()[:60])[:80]


def execute_copy(path: Path, *, cap_s: float) -> dict:
    """Execute the notebook at ``path`` (a temporary copy) and return its timing record."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from tools.execute import LIVE_TAG  # also pins the threads of the kernels it starts

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells: list[dict] = []
    clock = {"start": 0.0, "last": 0.0}

    def on_cell_executed(cell, cell_index, **_):
        now = time.perf_counter()
        cells.append({"index": cell_index, "seconds": now - clock["last"], "first_line": _first_line(cell.source)})
        clock["last"] = now
        if now - clock["start"] > cap_s:
            raise _OverCap

    client = NotebookClient(
        nb, timeout=int(cap_s), kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True, record_timing=False, skip_cells_with_tag=LIVE_TAG,  # as tools/execute.py
        on_cell_executed=on_cell_executed,
        timeout_func=lambda cell: max(1, int(cap_s - (time.perf_counter() - clock["start"])) + 1),
    )
    status = "ok"
    clock["start"] = clock["last"] = time.perf_counter()
    try:
        client.execute()
    except (_OverCap, CellTimeoutError):
        status = "stopped at cap"
    except CellExecutionError as err:
        status = f"error: {getattr(err, 'ename', type(err).__name__)} in cell {len(cells)}"
    except Exception as err:  # a broken notebook is a result, not a crash of the suite
        status = f"error: {type(err).__name__}: {str(err)[:80]}"
    seconds = time.perf_counter() - clock["start"]
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    slowest = sorted(cells, key=lambda c: -c["seconds"])[:3]
    return {"status": status, "seconds": seconds, "cells_run": len(cells), "code_cells": code_cells,
            "slowest_cells": [{**c, "seconds": round(c["seconds"], 2)} for c in slowest]}


def _stored_seconds(path: Path) -> int | None:
    """The run time tools/execute.py recorded when the stored outputs were made (rounded up to 5 s)."""
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return meta.get("dlbook", {}).get("cpu_seconds")


def time_notebooks(*, cap_s: float = 120.0, names=None, log=print) -> list[dict]:
    """Time every notebook of ``book/`` (or those named) in a temporary copy of the folder."""
    from tools.toc import toc_notebooks

    in_toc = {p.name for p in toc_notebooks()}
    paths = sorted((ROOT / "book").glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.name in names or p.stem in names]
    results = []
    with tempfile.TemporaryDirectory(prefix="dlbook-bench-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(ROOT / "book", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for path in paths:
            record = execute_copy(copy / path.name, cap_s=cap_s)
            record.update(notebook=path.name, in_toc=path.name in in_toc, stored_seconds=_stored_seconds(path),
                          cap_s=cap_s, target_s=90.0)
            record["met"] = record["status"] == "ok" and record["seconds"] <= 90.0
            log(f"  {path.name}: {record['status']}, {record['seconds']:.1f} s")
            results.append(record)
    return results


def time_book_build(*, log=print) -> dict:
    """Wall time of the HTML build with make book's flags, into a temporary folder that is then removed."""
    jb = Path(sys.executable).parent / "jupyter-book"
    out = Path(tempfile.mkdtemp(prefix="dlbook-bench-build-"))
    start = time.perf_counter()
    try:
        proc = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", "--path-output", str(out), "."],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
        text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # no terminal colours
        rc, tail = proc.returncode, text[-1500:]
        warnings = [line.strip() for line in text.splitlines() if "WARNING" in line]
    except (OSError, subprocess.TimeoutExpired) as err:
        rc, tail, warnings = -1, str(err), []
    seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    log(f"  book build: rc={rc}, {seconds:.1f} s")
    return {"seconds": seconds, "returncode": rc, "ok": rc == 0, "log_tail": "" if rc == 0 else tail,
            "warnings": len(warnings), "first_warnings": [w.replace(str(ROOT) + "/", "")[:200] for w in warnings[:3]],
            "command": "jupyter-book build -W -n --keep-going (execute_notebooks: off, as in make book)"}
