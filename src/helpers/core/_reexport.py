"""Flat re-exports for the two implementation packages (``hn.relu_forward`` as well as ``hn.layers.relu_forward``)."""

from __future__ import annotations

from importlib import import_module


def reexport(package: str, modules: tuple[str, ...], namespace: dict) -> list[str]:
    """Import ``package.<module>`` for each module, bind it and its ``__all__`` in ``namespace``; return the names."""
    names: list[str] = []
    for name in modules:
        module = import_module(f"{package}.{name}")
        namespace[name] = module
        for public in module.__all__:
            if public in namespace and namespace[public] is not getattr(module, public):
                raise ImportError(f"{package}.{name}.{public} would shadow another public name of {package}")
            namespace[public] = getattr(module, public)
            names.append(public)
    return names
