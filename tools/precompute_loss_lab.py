"""Precompute the static loss-curve lab: every learning rate × capacity × data scenario, written as compact JSON.

The grid takes about half a minute on one CPU thread, too long for the chapter's time budget, so it ships as
package data (``src/helpers/data_files/loss_lab_grid.json``). The runs are deterministic (seeded, one thread);
``tests/test_widgets_loss_curve_lab.py`` recomputes a few grid points and compares them with the stored ones.

    OMP_NUM_THREADS=1 .venv/bin/python tools/precompute_loss_lab.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402

from helpers.widgets.loss_curve_runs import LabConfig, compute_grid  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "src" / "helpers" / "data_files" / "loss_lab_grid.json"

LRS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
CAPACITIES = ((4, 1), (16, 1), (64, 1), (256, 2))  # (hidden width, hidden layers)
SCENARIOS = ({"name": "all 1,079 clean training examples"},
             {"name": "200 examples, 20 % wrong labels", "train_size": 200, "label_noise": 0.2})
BASE = LabConfig(epochs=30, batch_size=32, optimizer="sgd", schedule="constant", seed=0)


def main() -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    grid = compute_grid(LRS, CAPACITIES, SCENARIOS, BASE)
    text = json.dumps(grid, separators=(",", ":"))
    OUT.write_text(text + "\n")
    print(f"wrote {OUT.name}: {len(text) / 1024:.0f} KiB, "
          f"{len(LRS) * len(CAPACITIES) * len(SCENARIOS)} runs in {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
