"""Text that ships with the book, for the character-level language model of chapter 11.

``lighthouse.txt`` is a short original story written for this book (public domain, CC0): about 5.8 KB of
plain English prose, so nothing has to be downloaded. The helpers below turn it into integer sequences.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["TEXTS", "load_text", "CharVocab", "char_windows"]

TEXTS = ("lighthouse",)


def load_text(name: str = "lighthouse") -> str:
    """The text ``name`` (one of :data:`TEXTS`) with line breaks inside paragraphs turned into spaces."""
    if name not in TEXTS:
        raise ValueError(f"The 'name' argument of load_text must be one of {TEXTS}. Got {name!r} instead.")
    raw = resources.files("helpers.data").joinpath("files", f"{name}.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in raw.split("\n\n") if p.strip()]
    return "\n".join(paragraphs) + "\n"


class CharVocab:
    """Character <-> integer mapping, characters sorted so the ids do not depend on the order of the text."""

    def __init__(self, text: str):
        if not isinstance(text, str) or not text:
            raise ValueError(
                f"The 'text' argument of CharVocab must be a non-empty str. Got {text!r:.40} instead."
            )
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(
                f"The 'text' argument of CharVocab.encode contains characters not in the vocabulary: "
                f"{unknown[:5]}."
            )
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def char_windows(ids: np.ndarray, seq_len: int, rng: np.random.Generator, batch_size: int):
    """A random batch of ``(inputs, targets)``, both (seq_len, batch_size); targets = inputs shifted by 1."""
    ids = np.asarray(ids)
    if not isinstance(seq_len, int) or not 1 <= seq_len < len(ids):
        raise ValueError(
            f"The 'seq_len' argument of char_windows must be an int in [1, {len(ids) - 1}]. "
            f"Got {seq_len!r} instead."
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"The 'batch_size' argument of char_windows must be an int >= 1. Got {batch_size!r} instead."
        )
    starts = rng.integers(0, len(ids) - seq_len, size=batch_size)
    idx = starts[None, :] + np.arange(seq_len)[:, None]  # (T, N)
    return ids[idx], ids[idx + 1]
