"""Hyperparameter search: grid search, random search and coarse-to-fine refinement, with explicit randomness.

A search space maps names to distributions: :class:`LogUniform` (scale parameters such as the learning rate or
weight decay: sample the exponent uniformly), :class:`Uniform` and :class:`Choice`. The same space gives a grid
(:func:`grid_points`: evenly spaced, geometric for log-uniform) or random draws (``rng``, a
``np.random.Generator``). An objective takes a dict of hyperparameters and returns a score to *minimise*
(e.g. the validation loss).

Why random beats grid with the same budget (Bergstra & Bengio, 2012): when only a few hyperparameters matter,
a 3 × 3 grid tries only 3 distinct values of the important one, 9 random trials try 9. And n random trials land
in the best fraction q of the space with probability 1 − (1 − q)ⁿ (:func:`prob_hit_top`): 60 trials find the
top 5 % with 95 % probability, whatever the dimension.
Coarse-to-fine: search a wide space, shrink it around the best trials, search again.

References: J. Bergstra, Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13 (2012).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core._validation import check_int, check_real

__all__ = ["LogUniform", "Uniform", "Choice", "Trial", "grid_points", "grid_search", "random_search",
           "coarse_to_fine", "prob_hit_top"]


@dataclass(frozen=True)
class LogUniform:
    """A positive number whose log is uniform on [log low, log high] (learning rates, weight decay)."""

    low: float
    high: float

    def __post_init__(self):
        check_real(self.low, "low", "LogUniform", low=0.0, low_open=True)
        check_real(self.high, "high", "LogUniform", low=self.low)

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def grid(self, n: int) -> list[float]:
        if n == 1:
            return [math.sqrt(self.low * self.high)]  # the geometric midpoint
        return [float(v) for v in np.geomspace(self.low, self.high, n)]

    def narrow(self, values, margin: float = 0.25) -> LogUniform:
        """The range of ``values`` widened by ``margin`` of its width (in log space), clipped to this one."""
        lo, hi = math.log(min(values)), math.log(max(values))
        pad = margin * max(hi - lo, 0.1 * (math.log(self.high) - math.log(self.low)))
        return LogUniform(max(self.low, math.exp(lo - pad)), min(self.high, math.exp(hi + pad)))


@dataclass(frozen=True)
class Uniform:
    """A real number uniform on [low, high] (dropout rate, momentum)."""

    low: float
    high: float

    def __post_init__(self):
        check_real(self.low, "low", "Uniform")
        check_real(self.high, "high", "Uniform", low=self.low)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def grid(self, n: int) -> list[float]:
        if n == 1:
            return [(self.low + self.high) / 2]
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def narrow(self, values, margin: float = 0.25) -> Uniform:
        lo, hi = min(values), max(values)
        pad = margin * max(hi - lo, 0.1 * (self.high - self.low))
        return Uniform(max(self.low, lo - pad), min(self.high, hi + pad))


@dataclass(frozen=True)
class Choice:
    """One of a finite set of options (widths, activation names)."""

    options: tuple

    def __post_init__(self):
        if len(self.options) == 0:
            raise ValueError("The 'options' argument of Choice must hold at least one option. Got () instead.")

    def sample(self, rng: np.random.Generator):
        return self.options[int(rng.integers(len(self.options)))]

    def grid(self, n: int) -> list:
        return list(self.options)

    def narrow(self, values, margin: float = 0.25) -> Choice:
        return Choice(tuple(o for o in self.options if o in set(values)))


@dataclass
class Trial:
    """One evaluated point of a search: its hyperparameters and its score (lower is better)."""

    params: dict
    score: float


def _check_space(space, func):
    if not isinstance(space, dict) or not space:
        raise ValueError(f"The 'space' argument of {func} must be a non-empty dict name -> distribution. "
                         f"Got {space!r} instead.")
    for name, dist in space.items():
        if not isinstance(dist, (LogUniform, Uniform, Choice)):
            raise TypeError(f"The 'space' argument of {func} maps {name!r} to {dist!r}; expected LogUniform, "
                            f"Uniform or Choice.")


def _score(objective, params) -> Trial:
    value = float(objective(dict(params)))
    return Trial(dict(params), value if math.isfinite(value) else math.inf)  # a diverged run is the worst score


def grid_points(space: dict, n_per_dim: int) -> list[dict]:
    """Every combination of ``n_per_dim`` evenly spaced values per dimension (all options of a Choice)."""
    _check_space(space, "grid_points")
    check_int(n_per_dim, "n_per_dim", "grid_points", low=1)
    names = list(space)
    axes = [space[k].grid(n_per_dim) for k in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*axes)]


def grid_search(objective: Callable[[dict], float], space: dict, *, n_per_dim: int) -> list[Trial]:
    """Evaluate ``objective`` on :func:`grid_points`; trials in grid order (``min(trials, key=...)`` finds the best)."""
    return [_score(objective, p) for p in grid_points(space, n_per_dim)]


def random_search(objective: Callable[[dict], float], space: dict, *, n_trials: int, rng) -> list[Trial]:
    """Evaluate ``objective`` on ``n_trials`` independent draws from ``space`` (``rng``: a np.random.Generator)."""
    _check_space(space, "random_search")
    check_int(n_trials, "n_trials", "random_search", low=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The 'rng' argument of random_search must be a np.random.Generator. Got {rng!r} instead.")
    return [_score(objective, {k: d.sample(rng) for k, d in space.items()}) for _ in range(n_trials)]


def coarse_to_fine(objective: Callable[[dict], float], space: dict, *, rounds: int = 2, n_trials: int = 8,
                   top_k: int = 3, rng) -> list[tuple[dict, list[Trial]]]:
    """Random search in ``rounds`` stages; each new space spans the ``top_k`` best trials so far (plus a margin).

    Returns ``[(space, trials), ...]`` per round; the best trial overall is the minimum over all rounds.
    """
    check_int(rounds, "rounds", "coarse_to_fine", low=1)
    check_int(top_k, "top_k", "coarse_to_fine", low=1)
    history, seen = [], []
    for _ in range(rounds):
        trials = random_search(objective, space, n_trials=n_trials, rng=rng)
        history.append((space, trials))
        seen += trials
        best = sorted(seen, key=lambda t: t.score)[:top_k]
        space = {k: d.narrow([t.params[k] for t in best]) for k, d in space.items()}
    return history


def prob_hit_top(q: float, n: int) -> float:
    """Probability that at least one of ``n`` independent uniform draws lands in a region of volume fraction ``q``."""
    check_real(q, "q", "prob_hit_top", low=0.0, high=1.0)
    check_int(n, "n", "prob_hit_top", low=0)
    return 1.0 - (1.0 - q) ** n
