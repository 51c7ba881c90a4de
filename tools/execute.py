"""Re-run notebooks in place on a fresh kernel, storing outputs and widget state.

This is the only way the stored outputs (which nbval checks) are produced:
``make execute`` or ``make execute NB=book/05_optimization.ipynb``.
Threads are pinned because float reductions depend on the thread count.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("PYTHONHASHSEED", "0")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

LIVE_TAG = "live-widget"


def execute(path: Path) -> float:
    """Execute one notebook in its own folder and write it back; return the wall time in seconds."""
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
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> None:
    if not paths:
        sys.exit("usage: python tools/execute.py NOTEBOOK.ipynb [...]")
    for name in paths:
        seconds = execute(Path(name))
        print(f"executed {name} in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
