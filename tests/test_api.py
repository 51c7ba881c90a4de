"""The public API of the two implementations mirrors itself, and the parity registry covers it.

* Every module of ``helpers.numpy_impl.MODULES`` has a twin in ``helpers.torch_impl`` and vice versa.
* NumPy ``X_forward`` + ``X_backward`` <-> torch ``X`` with the signature of ``X_forward`` (names, kinds,
  simple defaults). The one allowed rename: NumPy's ``rng`` (np.random.Generator) is torch's ``generator``.
* Every other public name exists in both with the same signature (for classes: the constructor; torch
  may append options with defaults, e.g. ``inplace`` of a ``torch.nn`` class). Methods are not compared:
  a torch class follows its torch base class (``Optimizer.step(closure)``), the NumPy one cannot.
* Every public NumPy name is covered by a registry case (forward/backward pairs) or listed in an ``EXEMPT``
  dict of ``tests/registry`` with a reason; registry cases use the public functions themselves.
* The flat re-exports (``hn.relu_forward``) do not collide.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from tests.registry import all_cases, all_exempt

RENAMES = {"rng": "generator"}  # NumPy parameter name -> torch parameter name
SIMPLE = (int, float, str, bool, type(None), tuple)


def _module(package, name):
    return importlib.import_module(f"{package.__name__}.{name}")


def _public(module) -> list[str]:
    return list(module.__all__)


def _signature_problems(np_obj, t_obj, *, extra_ok=False) -> list[str]:
    """Differences between two signatures: parameter names, kinds, and simple default values.

    ``extra_ok``: torch may add trailing parameters with defaults (a class built on ``torch.nn``
    inherits options such as ``inplace``); the NumPy parameters must still come first, unchanged.
    """
    try:
        a, b = inspect.signature(np_obj), inspect.signature(t_obj)
    except (TypeError, ValueError):
        return []
    pa, pb = list(a.parameters.values()), list(b.parameters.values())
    optional = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    extra = pb[len(pa):]
    if extra_ok and extra and all(q.default is not q.empty or q.kind in optional for q in extra):
        pb = pb[: len(pa)]
    names_a = [RENAMES.get(p.name, p.name) for p in pa]
    names_b = [p.name for p in pb]
    if names_a != names_b:
        return [f"parameters {names_a} (NumPy, renamed) != {names_b} (torch)"]
    problems = []
    for p, q in zip(pa, pb, strict=True):
        if p.kind != q.kind:
            problems.append(f"{p.name!r} is {p.kind.description} in NumPy but {q.kind.description} in torch")
        if (p.default is p.empty) != (q.default is q.empty):
            problems.append(f"{p.name!r} has a default in only one implementation")
        elif isinstance(p.default, SIMPLE) and isinstance(q.default, SIMPLE) and p.default != q.default:
            problems.append(f"{p.name!r} defaults to {p.default!r} in NumPy but {q.default!r} in torch")
    return problems


def _pairs(mod):
    """(numpy name, torch name, numpy object, torch object or None) for the public NumPy names of ``mod``."""
    np_mod, t_mod = _module(hn, mod), _module(ht, mod)
    for name in _public(np_mod):
        if name.endswith("_backward"):
            continue
        t_name = name.removesuffix("_forward")
        yield name, t_name, getattr(np_mod, name), getattr(t_mod, t_name, None)


def test_same_modules():
    assert tuple(hn.MODULES) == tuple(ht.MODULES), "numpy_impl.MODULES and torch_impl.MODULES must agree"


@pytest.mark.parametrize("mod", hn.MODULES)
def test_module_has_docstring_and_all(mod):
    for package in (hn, ht):
        module = _module(package, mod)
        assert module.__doc__ and module.__doc__.strip(), f"{module.__name__} needs a module docstring"
        assert hasattr(module, "__all__"), f"{module.__name__} must define __all__"
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"{module.__name__}.__all__ lists names it does not define: {missing}"


@pytest.mark.parametrize("mod", hn.MODULES)
def test_numpy_names_have_torch_twins(mod):
    np_mod, t_mod = _module(hn, mod), _module(ht, mod)
    public = set(_public(np_mod))
    problems = []
    for name in sorted(public):
        if name.endswith("_forward"):
            stem = name.removesuffix("_forward")
            if f"{stem}_backward" not in public:
                problems.append(f"{name}: no {stem}_backward in numpy_impl.{mod}.__all__")
            if stem not in t_mod.__all__:
                problems.append(f"{name}: no torch twin {stem!r} in torch_impl.{mod}.__all__")
        elif name.endswith("_backward"):
            if f"{name.removesuffix('_backward')}_forward" not in public:
                problems.append(f"{name}: no matching _forward")
        elif name not in t_mod.__all__:
            problems.append(f"{name}: missing from torch_impl.{mod}.__all__ (same name expected)")
    assert not problems, f"numpy_impl.{mod} vs torch_impl.{mod}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("mod", hn.MODULES)
def test_torch_names_have_numpy_twins(mod):
    np_public = set(_public(_module(hn, mod)))
    extra = [n for n in _public(_module(ht, mod)) if n not in np_public and f"{n}_forward" not in np_public]
    assert not extra, f"torch_impl.{mod} has public names without a NumPy twin: {extra}"


@pytest.mark.parametrize("mod", hn.MODULES)
def test_signatures_match(mod):
    problems = []
    for name, t_name, np_obj, t_obj in _pairs(mod):
        if t_obj is None:
            continue  # missing twins are reported by test_numpy_names_have_torch_twins
        if callable(np_obj) != callable(t_obj):
            problems.append(f"{name}: callable in only one implementation")
            continue
        if not callable(np_obj):
            continue  # constants: same name is enough
        # X_forward <-> X exactly; other names (classes: their constructors) may gain torch-only options
        extra_ok = not name.endswith("_forward")
        found = _signature_problems(np_obj, t_obj, extra_ok=extra_ok)
        problems += [f"{name} vs {t_name}: {p}" for p in found]
    assert not problems, f"signatures of numpy_impl.{mod} vs torch_impl.{mod}:\n  " + "\n  ".join(problems)


def test_registry_or_exempt_covers_every_public_name():
    cases, exempt = all_cases(), all_exempt()
    registered = {c.name for c in cases}
    missing = []
    for mod in hn.MODULES:
        for name in _public(_module(hn, mod)):
            if name in exempt:
                continue
            if name.endswith("_forward") and name.removesuffix("_forward") in registered:
                continue
            if name.endswith("_backward") and (name.removesuffix("_backward") in registered
                                               or f"{name.removesuffix('_backward')}_forward" in exempt):
                continue
            missing.append(f"numpy_impl.{mod}.{name}")
    assert not missing, ("public NumPy names neither in a ParityCase of tests/registry nor in an EXEMPT dict "
                         "(with a reason and where it is tested instead):\n  " + "\n  ".join(missing))


def test_exemptions_are_real_and_explained():
    public = {n for mod in hn.MODULES for n in _public(_module(hn, mod))}
    exempt = all_exempt()
    stale = sorted(n for n in exempt if n not in public)
    assert not stale, f"EXEMPT lists names that are not public NumPy names (stale?): {stale}"
    unexplained = sorted(n for n, reason in exempt.items() if not isinstance(reason, str) or len(reason) < 10)
    assert not unexplained, f"EXEMPT entries need a reason (and where they are tested instead): {unexplained}"


def test_registry_cases_use_the_public_functions():
    """A case must test the package's own functions, not wrappers (conversions belong in ``builtin``)."""
    problems = []
    for case in all_cases():
        fwd = getattr(hn, f"{case.name}_forward", None)
        if case.numpy_forward is not fwd:
            problems.append(f"{case.id}: numpy_forward is not helpers.numpy_impl.{case.name}_forward")
        if case.numpy_backward is not getattr(hn, f"{case.name}_backward", None):
            problems.append(f"{case.id}: numpy_backward is not helpers.numpy_impl.{case.name}_backward")
        if case.torch_fn is not getattr(ht, case.name, None):
            problems.append(f"{case.id}: torch_fn is not helpers.torch_impl.{case.name}")
        if case.builtin is not None and case.builtin is case.torch_fn:
            problems.append(f"{case.id}: the built-in oracle is our own torch twin")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", [hn, ht], ids=["numpy_impl", "torch_impl"])
def test_flat_reexports_do_not_collide(package):
    seen: dict[str, str] = {}
    collisions = []
    for mod in package.MODULES:
        for name in _public(_module(package, mod)):
            if name in seen:
                collisions.append(f"{name!r} in both {seen[name]} and {mod}")
            seen[name] = mod
            if name in package.MODULES or name == "MODULES":
                collisions.append(f"{name!r} of {mod} shadows a module name or MODULES")
    assert not collisions, f"{package.__name__} flat re-exports collide:\n  " + "\n  ".join(collisions)
    for name, mod in seen.items():
        assert getattr(package, name) is getattr(_module(package, mod), name), f"{package.__name__}.{name}"
