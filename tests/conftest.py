"""Shared test set-up: hypothesis profiles and pinned threads."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# `ci` is derandomised with modest example counts (the default, and what CI runs);
# `dev` explores more: HYPOTHESIS_PROFILE=dev make unit
settings.register_profile(
    "ci", derandomize=True, max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)


# Make `tools` importable from the tests (it is not part of the installed package).
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # unit tests draw figures without a screen
