"""Shared test set-up: hypothesis profiles, pinned threads and the ``--device`` option.

``pytest --device=cpu|cuda|mps|all`` (default ``cpu``) chooses where the device-parametrised tests put their
tensors: every test that takes a ``device`` argument runs once per chosen device and is skipped, with the
reason, when that device is absent here. ``make test-gpu`` runs them with ``--device=cuda``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# `ci` is derandomised with modest example counts (the default, and what CI runs);
# `dev` explores more: HYPOTHESIS_PROFILE=dev make unit
settings.register_profile(
    "ci", derandomize=True, max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEVICES = ("cpu", "cuda", "mps")


def pytest_addoption(parser):
    parser.addoption("--device", default="cpu", choices=(*DEVICES, "all"),
                     help="where the device-parametrised tests run (parity, optimizers, training): "
                          "cpu (default), cuda, mps, or all three (absent devices are skipped)")


def device_available(name: str) -> bool:
    import torch

    if name == "cuda":
        return torch.cuda.is_available()
    if name == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend is not None and backend.is_available())
    return True


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)
    if config.getoption("device") in ("cuda", "all"):
        # cuDNN convolutions (and, if enabled, cuBLAS matmuls) use TF32 by default on Ampere and later GPUs:
        # float32 results then differ from IEEE float32 at ~1e-3 relative. The tests compare float32 values
        # with IEEE tolerances, so they run with TF32 off (the legacy flags: readable in every torch >= 2.0).
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def pytest_generate_tests(metafunc):
    """A test with a ``device`` argument runs once per device chosen by ``--device`` (a torch.device)."""
    if "device" not in metafunc.fixturenames:
        return
    import torch

    chosen = metafunc.config.getoption("device")
    params = []
    for name in DEVICES if chosen == "all" else (chosen,):
        marks = () if device_available(name) else pytest.mark.skip(reason=f"no {name} device on this machine")
        params.append(pytest.param(torch.device(name), id=name, marks=marks))
    metafunc.parametrize("device", params)


# Make `tools` importable from the tests (it is not part of the installed package).
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # unit tests draw figures without a screen
