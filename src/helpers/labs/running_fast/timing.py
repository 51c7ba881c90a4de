"""Putting data on a device, and timing code on a device that runs asynchronously.

A CUDA (or MPS) operation called from Python is only *queued*: the call returns as soon as the kernel is
launched, long before it has finished. A timer read right after the call measures the launch (microseconds),
not the work. ``torch.cuda.synchronize()`` blocks until the queue is empty, so :func:`time_it` synchronises
before it starts the clock and again before it stops it. Anything that needs a value on the host (``.item()``,
``.cpu()``, ``print(tensor)``) synchronises implicitly.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch

__all__ = ["synchronize", "time_it", "Timing", "to_device"]


def synchronize(device) -> None:
    """Wait until every queued operation on ``device`` has finished (a no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@dataclass(frozen=True)
class Timing:
    """Seconds per call of ``repeats`` timed calls (after ``warmup`` untimed ones)."""

    median: float
    best: float
    worst: float
    repeats: int


def time_it(fn, *, device, repeats: int = 10, warmup: int = 2, sync: bool = True) -> Timing:
    """Time ``fn()`` on ``device``: warm up, then synchronise around every timed call.

    ``sync=False`` leaves the synchronisation out, to show what goes wrong: on a GPU it measures only how long
    it takes to *queue* the work.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"time_it needs repeats >= 1 and warmup >= 0. Got repeats={repeats}, warmup={warmup}.")
    for _ in range(warmup):  # first calls pay for lazy initialisation, autotuning, compilation
        fn()
    times = []
    for _ in range(repeats):
        if sync:
            synchronize(device)  # do not let earlier queued work leak into this measurement
        start = time.perf_counter()
        fn()
        if sync:
            synchronize(device)  # wait for the work itself, not just its launch
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), max(times), repeats)


def to_device(batch, device, *, non_blocking: bool = False):
    """``batch`` with every tensor moved to ``device``; dicts, lists and tuples are rebuilt, other values kept.

    ``non_blocking=True`` lets a copy from pinned (page-locked) host memory to a GPU overlap with computation.
    """
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=non_blocking)
    if isinstance(batch, dict):
        return {k: to_device(v, device, non_blocking=non_blocking) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        moved = [to_device(v, device, non_blocking=non_blocking) for v in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)  # namedtuples too
    return batch
