"""Precompute the static loss-curve lab: every data set · capacity × batch size × regulariser × learning rate, as compact JSON.

The grid (288 runs) takes a few minutes on one CPU thread, too long for the chapter's time budget, so it ships as
package data (``src/helpers/data/files/loss_lab_grid.json``). The runs are deterministic (seeded, one thread);
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

OUT = Path(__file__).resolve().parent.parent / "src" / "helpers" / "data" / "files" / "loss_lab_grid.json"

# Axes in the order of the static lab's controls (each resets the ones after it): data and capacity first, the
# learning-rate slider last. Regulariser combines weight decay (PyTorch's, on SGD) and dropout in one menu: every
# further menu multiplies the page weight (a menu's buttons carry the options of the menus after it).
SETUPS = ({"name": "1,079 clean images · 64×1 hidden", "width": 64, "depth": 1},
          {"name": "1,079 clean images · 4×1 hidden", "width": 4, "depth": 1},
          {"name": "200 images, 20 % wrong labels · 64×1", "width": 64, "depth": 1, "train_size": 200,
           "label_noise": 0.2},
          {"name": "200 images, 20 % wrong labels · 256×2", "width": 256, "depth": 2, "train_size": 200,
           "label_noise": 0.2})
BATCHES = tuple({"name": f"batch {b}", "batch_size": b} for b in (32, 8, 256))
REGULARISERS = ({"name": "no regulariser"}, {"name": "weight decay 0.01", "weight_decay": 0.01},
                {"name": "dropout 0.5", "dropout": 0.5},
                {"name": "weight decay 0.01 + dropout 0.5", "weight_decay": 0.01, "dropout": 0.5})
LRS = tuple({"name": f"{lr:g}", "lr": lr} for lr in (0.001, 0.01, 0.03, 0.1, 0.3, 1.0))
AXES = [("data · capacity", SETUPS), ("batch size", BATCHES), ("regulariser", REGULARISERS), ("learning rate", LRS)]
BASE = LabConfig(epochs=30, batch_size=32, optimizer="sgd", schedule="constant", seed=0)


def main() -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    grid = compute_grid(AXES, BASE)
    text = json.dumps(grid, separators=(",", ":"))
    OUT.write_text(text + "\n")
    n = len(SETUPS) * len(BATCHES) * len(REGULARISERS) * len(LRS)
    print(f"wrote {OUT.name}: {len(text) / 1024:.0f} KiB, {n} runs in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
