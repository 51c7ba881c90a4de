"""Feeding the model: a map-style ``Dataset`` and a seeded ``DataLoader``.

A ``DataLoader`` asks its sampler for indices, fetches ``dataset[i]`` for each, and collates them into a batch.
With ``num_workers=k`` it starts k worker processes that fetch and collate batches *while the main process
trains*; the main process only receives finished batches. That pays off when reading or decoding an example is
slow (files, JPEG decoding, augmentation), not for tensors that are already in memory. ``pin_memory=True``
makes the workers' batches page-locked, so that ``.to("cuda", non_blocking=True)`` can copy them
asynchronously; it only makes sense when the batches go to a GPU.

The dataset class lives in this module (not in a notebook cell) because worker processes started with the
``spawn`` method (macOS, Windows, and anything that touches CUDA) must be able to import it.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ...data import load_digits

__all__ = ["digits_tensors", "DigitsDataset", "make_loader", "seconds_per_epoch"]


def digits_tensors(*, seed: int = 0, n_train: int = 1024):
    """The 8x8 digits as float32 features (N, 64), standardised on the training set, and int64 labels (N,).

    Returns ``(x_train, y_train, x_test, y_test)``; the training set is cut to ``n_train`` examples (1024 =
    16 batches of 64, so that every data-parallel rank gets the same number of full batches).
    """
    d = load_digits(rng=np.random.default_rng(seed))
    if not 1 <= n_train <= len(d.y_train):
        raise ValueError(f"The 'n_train' argument of digits_tensors must be in 1..{len(d.y_train)}. Got {n_train}.")

    def f32(x):
        return torch.tensor(x, dtype=torch.float32)

    def i64(y):
        return torch.tensor(y, dtype=torch.int64)

    return f32(d.x_train[:n_train]), i64(d.y_train[:n_train]), f32(d.x_test), i64(d.y_test)


class DigitsDataset(Dataset):
    """``(features, label)`` pairs; ``read_delay`` seconds of waiting per example simulate slow storage."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, *, read_delay: float = 0.0):
        if len(x) != len(y):
            raise ValueError(f"DigitsDataset needs as many labels as examples. Got {len(x)} and {len(y)}.")
        self.x, self.y, self.read_delay = x, y, float(read_delay)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        if self.read_delay:
            time.sleep(self.read_delay)  # stands in for reading and decoding a file
        return self.x[i], self.y[i]


def make_loader(dataset, *, batch_size: int, shuffle: bool = True, num_workers: int = 0, pin_memory: bool = False,
                seed: int = 0, sampler=None, persistent_workers: bool = False) -> DataLoader:
    """A ``DataLoader`` whose shuffling is seeded: the same ``seed`` gives the same batches for any
    ``num_workers`` (the sampler runs in the main process; workers only fetch)."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle if sampler is None else False,
                      sampler=sampler, num_workers=num_workers, pin_memory=pin_memory,
                      generator=torch.Generator().manual_seed(seed),
                      persistent_workers=persistent_workers and num_workers > 0)


def seconds_per_epoch(loader, *, epochs: int = 2) -> float:
    """Wall time of the last of ``epochs`` passes over ``loader`` (the first pass also starts the workers)."""
    seconds = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        for _batch in loader:
            pass
        seconds = time.perf_counter() - start
    return seconds
