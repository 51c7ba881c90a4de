"""Print the parity coverage of the helper package as a Markdown table.

One row per operation (``<op>_forward`` of ``helpers.numpy_impl``): does it have a NumPy backward,
a torch twin, a PyTorch built-in oracle in ``tests/registry`` and a finite-difference check, and
which registry cases test it (or why it is exempt).

    .venv/bin/python tools/coverage_table.py [module ...]
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TORCH_CALL = re.compile(r"\b(?:F|torch(?:\.nn)?(?:\.functional)?|nn(?:\.functional)?)\.[A-Za-z_][\w.]*")


_HELPERS = ("stack", "cat", "where", "zeros", "ones", "tensor", "as_tensor", "from_numpy", "float", "arange",
            "Tensor", "Generator", "manual_seed", "no_grad", "cumprod", "sqrt", "exp", "log", "zeros_like",
            "ones_like", "eye")


def builtin_name(fn) -> str:
    """A readable name for a registry's built-in: ``F.linear``, ``torch.sigmoid``, or what a wrapper calls."""
    if fn is None:
        return ""
    module = getattr(fn, "__module__", "") or ""
    name = getattr(fn, "__name__", "")
    if module in ("torch.nn.functional", "torch._C._nn"):
        return f"F.{name}"
    if module.startswith("torch.nn.modules"):
        return f"nn.{name}"
    if module.startswith("torch"):
        return f"{module}.{name}"
    # a closure made by a factory, e.g. _builtin_cell(torch.nn.RNNCell): name the torch objects it holds
    try:
        held = [v for v in inspect.getclosurevars(fn).nonlocals.values()
                if (getattr(v, "__module__", "") or "").startswith("torch") and hasattr(v, "__name__")]
    except TypeError:
        held = []
    if held:
        return " + ".join(dict.fromkeys(builtin_name(v) for v in held))
    try:
        calls = list(dict.fromkeys(_TORCH_CALL.findall(inspect.getsource(fn))))
    except (OSError, TypeError):
        calls = []
    calls = [c for c in calls if c.rsplit(".", 1)[-1] not in _HELPERS]
    calls.sort(key=lambda c: not c.startswith(("F.", "nn.", "torch.nn")))  # prefer nn / functional calls
    return " + ".join(dict.fromkeys(c.replace("torch.nn.functional.", "F.").replace("torch.nn.", "nn.")
                                    for c in calls[:2])) or name


def rows(modules=None) -> list[dict[str, str]]:
    """The table as a list of rows (dicts with the column names as keys)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import helpers.numpy_impl as hn
    import helpers.torch_impl as ht
    from tests.registry import all_cases, all_exempt

    cases, exempt = all_cases(), all_exempt()
    table = []
    for mod in modules or hn.MODULES:
        np_mod = importlib.import_module(f"helpers.numpy_impl.{mod}")
        t_mod = importlib.import_module(f"helpers.torch_impl.{mod}")
        for name in np_mod.__all__:
            if not name.endswith("_forward"):
                continue
            stem = name.removesuffix("_forward")
            mine = [c for c in cases if c.name == stem]
            builtins = sorted({builtin_name(c.builtin) for c in mine if c.builtin is not None})
            table.append({
                "operation": stem,
                "module": mod,
                "NumPy fwd/bwd": "yes" if f"{stem}_backward" in np_mod.__all__ else "forward only",
                "torch": "yes" if stem in getattr(t_mod, "__all__", ()) and hasattr(ht, stem) else "MISSING",
                "built-in": ", ".join(f"`{b}`" for b in builtins)
                or "none" + "".join(f" ({c.notes})" for c in mine[:1] if c.notes),
                "finite differences": "yes" if any(c.finite_differences for c in mine) else "no",
                "parity cases": ", ".join(c.id for c in mine) if mine else
                f"exempt: {exempt.get(name, 'NOT REGISTERED')}",
            })
    return table


def markdown(table) -> str:
    if not table:
        return "(no operations)"
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row[h].replace("|", "\\|") for h in header) + " |" for row in table]
    return "\n".join(lines)


def main(argv=None) -> int:
    table = rows(argv or None)
    print(markdown(table))
    with_builtin = sum(not r["built-in"].startswith("none") for r in table)
    with_fd = sum(r["finite differences"] == "yes" for r in table)
    print(f"\n{len(table)} operations; {with_builtin} with a PyTorch built-in oracle; "
          f"{with_fd} checked by finite differences.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
