"""Re-run notebooks in place on a fresh kernel, storing outputs and widget state.

This is the only way the stored outputs (which nbval checks) are produced:
``make execute`` or ``make execute NB=book/05_optimization.ipynb``.
Threads are pinned because float reductions depend on the thread count.

Before a notebook is stored, its fresh outputs are checked for portability: nbval runs it again with other CPU
float kernels forced (``tools/kernel_evidence.py``). When a checked output differs, the notebook is *not*
stored: the cells are listed, the new version is left in ``_build/nonportable/`` for inspection, and the command
fails. ``--no-portability-check`` skips this (used by tests on scratch notebooks).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("PYTHONHASHSEED", "0")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.kernel_evidence import FORCED  # noqa: E402

LIVE_TAG = "live-widget"


def execute(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """Execute one notebook in its own folder; return it with outputs and the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        # Live widgets (explorers) need a front end; they run on Colab or Jupyter, not here. Their cells carry
        # the tags `live-widget` and `nbval-skip`; the static variant beside them is what the HTML book shows.
        skip_cells_with_tag=LIVE_TAG,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:  # keep diffs small: no per-cell execution metadata
        cell.metadata.pop("execution", None)
        if LIVE_TAG in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
    # The chapter header of the HTML book shows this measured run time (rounded up to 5 s).
    nb.metadata["dlbook"] = {"cpu_seconds": int(5 * -(-seconds // 5))}
    return nb, seconds


def nbval_flags() -> list[str]:
    """The Makefile's NBVAL_FLAGS (one source of truth), with paths made absolute."""
    match = re.search(r"^NBVAL_FLAGS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    return shlex.split(match.group(1).replace("tests/", str(ROOT / "tests") + "/"))


def nonportable_cells(path: Path) -> list[str]:
    """nbval under forced kernels; the names of the cells whose checked outputs differ (empty: portable)."""
    env = {**os.environ, **FORCED, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *nbval_flags(), str(path)],
        cwd=path.parent, env=env, capture_output=True, text=True,
    )
    if result.returncode == 0:
        return []
    failed = re.findall(r"^FAILED \S+::(Cell \d+)", result.stdout, re.M)
    return failed or [result.stdout[-2000:] + result.stderr[-2000:]]


def store(path: Path, check: bool) -> float:
    nb, seconds = execute(path)
    if not check:
        nbformat.write(nb, path)
        return seconds
    candidate = path.with_name(f".{path.stem}.candidate.ipynb")  # same folder: same relative paths
    nbformat.write(nb, candidate)
    cells = nonportable_cells(candidate)
    if cells:
        keep = ROOT / "_build" / "nonportable" / path.name
        keep.parent.mkdir(parents=True, exist_ok=True)
        candidate.replace(keep)
        sys.exit(f"NOT stored {path}: these checked outputs change under other CPU kernels ({', '.join(cells)}).\n"
                 f"Make them portable (README, 'Portable outputs'); the new version is in {keep}.")
    candidate.replace(path)
    return seconds


def main(args: list[str]) -> None:
    check = "--no-portability-check" not in args
    paths = [a for a in args if not a.startswith("--")]
    if not paths:
        sys.exit("usage: python tools/execute.py [--no-portability-check] NOTEBOOK.ipynb [...]")
    for name in paths:
        seconds = store(Path(name).resolve(), check)
        print(f"executed {name} in {seconds:.1f} s" + (" (portable under forced kernels)" if check else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
