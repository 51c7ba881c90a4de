"""How every checker reports: one line, ✅ or ❌ with what was expected."""

from __future__ import annotations


def report(ok: bool, name: str, detail: str = "") -> bool:
    print(f"✅ {name}: correct." if ok else f"❌ {name}: not yet. {detail}".rstrip())
    return bool(ok)
