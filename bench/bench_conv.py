"""Moved into the benchmark suite (chapter 9 still names this script): runs ``python -m bench.run --quick --only conv``.

The conv2d timings now live in :mod:`bench.kernels`; the tables land in ``bench/results/quick/latest.md``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["--quick", "--only", "conv"]))
