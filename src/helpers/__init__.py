"""Helper package of the interactive deep-learning book.

The package is the single source of truth for every algorithm the book teaches:
``helpers.numpy_impl`` holds readable NumPy references (forward *and* backward by hand),
``helpers.torch_impl`` the PyTorch twins with the same names and signatures, and
``helpers.widgets`` the interactive figures. Importing ``helpers`` is cheap: torch and
the plotting libraries are imported only by the functions that need them.

==========================  ==============================================================================
subpackage                  what it holds
==========================  ==============================================================================
``helpers.numpy_impl``      NumPy references of every algorithm, forward and backward by hand
``helpers.torch_impl``      the PyTorch twins (same module names, function names and signatures)
``helpers.autodiff``        reverse-mode autodiff from scratch: ``scalar`` (``Value``), ``tensor`` (``Tensor``)
``helpers.data``            the data loaders (``from helpers import data``), ``shapes``, ``text``,
                            ``augmentation``, and the package data in ``files/``
``helpers.labs``            the chapters' experiments and training loops (CNNs, RNNs, detection,
                            generative models, RL, learning-rate finder, ``running_fast`` ...)
``helpers.widgets``         the interactive figures
``helpers.diagrams``        still diagrams drawn from the package's own formulas and modules
``helpers.exercises``       the checkers of the chapters' exercises
``helpers.core``            shared pieces: argument validation, ``expect``, gradient checks (``testing``),
                            the training history, schedules, conv arithmetic, weight bridge, plotting
==========================  ==============================================================================

This module itself holds ``device()``, ``setup()``, ``show_source()`` and re-exports ``expect``,
``expect_below`` and ``expect_true`` from :mod:`helpers.core.expect`.
"""

from __future__ import annotations

import inspect
import os
import random
import textwrap

__version__ = "0.1.0"

from helpers.core.expect import expect, expect_below, expect_true  # noqa: E402  (plain Python, cheap to import)

__all__ = ["__version__", "device", "setup", "show_source", "on_colab", "expect", "expect_below", "expect_true"]


def on_colab() -> bool:
    """True when running inside a Google Colab kernel."""
    import sys

    return "google.colab" in sys.modules


def device(prefer: str | None = None):
    """The best available torch device: CUDA, then Apple MPS, then CPU.

    ``prefer`` ("cuda", "mps" or "cpu") forces a choice and raises ``ValueError`` when it is not available.
    """
    import torch

    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": _mps_available(torch)}
    if prefer is not None:
        if prefer not in available:
            raise ValueError(f"The 'prefer' argument of device must be one of {sorted(available)}. Got {prefer!r}.")
        if not available[prefer]:
            raise ValueError(f"device(prefer={prefer!r}) was asked for, but no {prefer} device is available here.")
        return torch.device(prefer)
    for name in ("cuda", "mps"):
        if available[name]:
            return torch.device(name)
    return torch.device("cpu")


def _mps_available(torch) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def setup(seed: int = 0, *, threads: int | None = 1, deterministic: bool = True):
    """Prepare a notebook for reproducible output and return a seeded NumPy ``Generator``.

    Seeds Python, NumPy and torch; asks torch for deterministic algorithms; pins the number of CPU
    threads (float reductions depend on it; ``threads=None`` leaves it alone); rounds printed arrays;
    makes inline figures PNG (SVG embeds a date, which breaks output comparison).
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"The 'seed' argument of setup must be an int >= 0. Got {seed!r} instead.")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"The 'threads' argument of setup must be None or an int >= 1. Got {threads!r} instead.")
    import numpy as np
    import torch

    if deterministic:
        # cuBLAS needs this to be deterministic; harmless elsewhere.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    if threads is not None:
        torch.set_num_threads(threads)
        _limit_blas_threads(threads)
    np.set_printoptions(precision=4, suppress=True, legacy=False)
    torch.set_printoptions(precision=4, sci_mode=False)
    _configure_inline_figures()
    return np.random.default_rng(seed)


def _limit_blas_threads(threads: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: the environment variables of the Makefile do the same job
        return
    threadpool_limits(limits=threads)


def _configure_inline_figures() -> None:
    try:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.max_open_warning": 0})
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and "IPKernelApp" in getattr(shell, "config", {}):
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")


def source(obj) -> str:
    """The source code of a helper function or class, dedented."""
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as err:
        raise TypeError(f"show_source expects a function, class or module of the helpers package. Got {obj!r}.") from err


def show_source(obj) -> None:
    """Display the source of ``obj`` as a highlighted code block (so chapters teach the tested code)."""
    text = source(obj)
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", ""))
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
    header = f"`{module}.{name}`" if name and module != name else f"`{module}`"
    display(Markdown(f"{header}\n\n```python\n{text}```"))
