"""What every checker shares: one report line (✅ or ❌ with what was expected), running the reader's code
safely, and the reference answers that several chapters check against."""

from __future__ import annotations

import math

import numpy as np


def report(ok: bool, name: str, detail: str = "") -> bool:
    print(f"✅ {name}: correct." if ok else f"❌ {name}: not yet. {detail}".rstrip())
    return bool(ok)


def not_attempted(name: str, task: str = "", *, why: str = "") -> None:
    """The verdict on an untouched stub (a function whose body is ``...``, or an answer still ``None``).

    Prints what to do instead of a ❌ and returns ``None`` (falsy, so ``if check(...)`` reads as "not yet"),
    which leaves nothing but this line in the stored output of an exercise cell.
    """
    print(f"⬜ {name}: not attempted yet{f' ({why})' if why else ''}. {task}".rstrip())


def call(fn, *args, name: str, convert=None, what: str = "your function"):
    """Run the reader's ``fn(*args)`` (then ``convert`` on its result) and return ``(True, result)``.

    If either raises, print the ❌ line naming the exception and return ``(False, None)``: a checker must
    never crash on a wrong answer.
    """
    try:
        result = fn(*args)
        return True, (result if convert is None else convert(result))
    except Exception as err:  # noqa: BLE001 - the reader's code may raise anything
        report(False, name, f"{what} raised {type(err).__name__}: {err}")
        return False, None


def attempt(fn, *args, name: str, task: str = "", convert=None, what: str = "your function",
            shape: tuple[int, ...] | None = None, shape_meaning: str = ""):
    """Run the reader's ``fn(*args)`` like :func:`call`, telling an untouched stub apart from a wrong answer.

    Returns ``(state, result)``: state ``True`` when it ran (``result`` converted), ``False`` when it raised or,
    given ``shape``, returned an array of another shape (❌ printed, with ``shape_meaning`` saying why that shape),
    ``None`` when it returned ``None`` (the stub's ``...`` body: :func:`not_attempted` printed with ``task``). A
    checker continues only ``if state``, and otherwise returns ``state``.
    """
    ok, result = call(fn, *args, name=name, what=what)
    if not ok:
        return False, None
    if result is None:
        not_attempted(name, task, why=f"{what} returns None")
        return None, None
    if convert is not None:
        try:
            result = convert(result)
        except Exception as err:  # noqa: BLE001 - the reader's result may be of any type
            report(False, name, f"{what} returned {type(result).__name__}, which could not be read as expected: {err}")
            return False, None
    if shape is not None and np.shape(result) != tuple(shape):
        meaning = f" ({shape_meaning})" if shape_meaning else ""
        report(False, name, f"expected shape {tuple(shape)}{meaning}, got {np.shape(result)}.")
        return False, None
    return True, result


def diagnose(got, mistakes, otherwise: str, *, same=np.allclose) -> str:
    """The hint for a wrong answer: each of ``mistakes`` is a pair ``(what that mistake computes, what to tell the
    reader)``; the first whose value ``same(got, value)`` matches gives the hint, ``otherwise`` when none does."""
    for value, hint in mistakes:
        if same(got, value):
            return hint
    return otherwise


def as_float(result):
    return np.asarray(result, dtype=float)


def as_int_tuple(result) -> tuple[int, ...]:
    return tuple(int(v) for v in result)


def reference_early_stopping(val_losses, patience: int) -> tuple[int, int]:
    """``(stop_epoch, best_epoch)``, epochs counted from 1: stop ``patience`` epochs after the last strict
    improvement (a tie is not one), or at the last epoch."""
    best, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def check_early_stopping_cases(early_stopping, cases, describe) -> bool:
    """Compare the reader's ``early_stopping(val_losses, patience) -> (stop_epoch, best_epoch)`` with the
    reference on ``cases`` (pairs ``(val_losses, patience)``); ``describe(losses, patience, expected, got)``
    words the first mismatch."""
    for losses, patience in cases:
        expected = reference_early_stopping(losses, patience)
        ok, got = call(early_stopping, list(losses), patience, name="early stopping", convert=as_int_tuple)
        if not ok:
            return False
        if got != expected:
            return report(False, "early stopping", describe(losses, patience, expected, got))
    return report(True, "early stopping")
