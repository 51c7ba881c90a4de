"""The parity registry: every NumPy/PyTorch pair, its input generator and its PyTorch built-in.

Each topic module in this folder (``layers.py``, ``losses.py``, ``conv.py`` ...) defines a list
``CASES`` of :class:`ParityCase`, plus optionally ``EXEMPT``: a dict ``{public_name: reason}``
for public names that are deliberately not parity-tested here (tested elsewhere; say where).
``tests/test_parity.py`` runs every case; ``tests/test_api.py`` fails for a public name that has
no twin or is neither registered nor exempt.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import ParityCase

__all__ = ["ParityCase", "all_cases", "all_exempt"]


def _topic_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name != "base":
            yield importlib.import_module(f"{__name__}.{info.name}")


def all_cases() -> list[ParityCase]:
    cases = [case for module in _topic_modules() for case in getattr(module, "CASES", [])]
    names = [c.id for c in cases]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"parity case ids must be unique; repeated: {sorted(duplicated)}")
    return cases


def all_exempt() -> dict[str, str]:
    exempt: dict[str, str] = {}
    for module in _topic_modules():
        exempt.update(getattr(module, "EXEMPT", {}))
    return exempt
