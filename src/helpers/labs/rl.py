"""Reinforcement learning basics on a gridworld written for the book (plain NumPy).

* :class:`GridWorld`: a small grid with walls, a goal (+1) and a pit (-1), a step cost and optional "slip"
  (the intended move succeeds with probability 1 - slip, otherwise the agent moves to one of the two
  perpendicular directions). Its exact model ``(P, R)`` is available, so dynamic programming can solve it.
* :func:`value_iteration` (Bellman optimality backups) gives V*, Q* and an optimal policy: the yardstick.
* :func:`q_learning`: tabular, model-free, epsilon-greedy, with an explicit ``rng``.
* :func:`reinforce`: the Monte-Carlo policy gradient with a tabular softmax policy and a baseline.

References: Sutton & Barto, *Reinforcement Learning: An Introduction* (2nd ed., 2018), §4.4 (value iteration),
§6.5 (Q-learning), §13.3-13.4 (REINFORCE with baseline); the 4x3 world of Russell & Norvig, ch. 17.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core._validation import check_int, check_real

__all__ = ["GridWorld", "value_iteration", "policy_evaluation", "q_learning", "reinforce", "softmax_policy",
           "greedy_policy", "plot_gridworld", "ACTIONS"]

ACTIONS = ("up", "right", "down", "left")
_MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])  # (d_row, d_col) per action
_ARROWS = "↑→↓←"


@dataclass(frozen=True)
class GridWorld:
    """``layout`` rows use ``S`` start, ``.`` free, ``#`` wall, ``G`` goal (terminal, +goal_reward), ``P`` pit
    (terminal, +pit_reward). Every move costs ``step_reward``; entering G or P adds their reward and ends the
    episode. Moves into a wall or off the grid leave the agent in place. States number the non-wall cells
    row by row."""

    layout: tuple[str, ...] = ("...G", ".#.P", "S...")
    slip: float = 0.0
    step_reward: float = -0.04
    goal_reward: float = 1.0
    pit_reward: float = -1.0
    cells: tuple = field(init=False, repr=False)

    def __post_init__(self):
        check_real(self.slip, "slip", "GridWorld", low=0.0, high=1.0)
        rows = {len(r) for r in self.layout}
        if len(rows) != 1 or not set("".join(self.layout)) <= set("S.#GP") or "".join(self.layout).count("S") != 1:
            raise ValueError("The 'layout' argument of GridWorld must be equally long strings of 'S.#GP' with "
                             f"exactly one 'S'. Got {self.layout!r} instead.")
        cells = tuple((r, c) for r, row in enumerate(self.layout) for c, ch in enumerate(row) if ch != "#")
        object.__setattr__(self, "cells", cells)

    @property
    def n_states(self) -> int:
        return len(self.cells)

    @property
    def n_actions(self) -> int:
        return len(ACTIONS)

    @property
    def start(self) -> int:
        return next(i for i, (r, c) in enumerate(self.cells) if self.layout[r][c] == "S")

    @property
    def terminal(self) -> np.ndarray:
        return np.array([self.layout[r][c] in "GP" for r, c in self.cells])

    def _move(self, s: int, a: int) -> int:
        r, c = np.array(self.cells[s]) + _MOVES[a]
        if 0 <= r < len(self.layout) and 0 <= c < len(self.layout[0]) and self.layout[r][c] != "#":
            return self.cells.index((int(r), int(c)))
        return s

    def _reward(self, s_next: int) -> float:
        ch = self.layout[self.cells[s_next][0]][self.cells[s_next][1]]
        return self.step_reward + (self.goal_reward if ch == "G" else self.pit_reward if ch == "P" else 0.0)

    def outcomes(self, s: int, a: int) -> list[tuple[float, int]]:
        """``[(probability, next_state), ...]``: the intended move, or a perpendicular one with prob. slip/2."""
        return [(1.0 - self.slip, self._move(s, a)), (self.slip / 2, self._move(s, (a + 1) % 4)),
                (self.slip / 2, self._move(s, (a + 3) % 4))]

    def model(self) -> tuple[np.ndarray, np.ndarray]:
        """``P`` (S, A, S) transition probabilities and ``R`` (S, A) expected rewards; terminals absorb with 0."""
        S, A = self.n_states, self.n_actions
        P, R = np.zeros((S, A, S)), np.zeros((S, A))
        for s in range(S):
            for a in range(A):
                if self.terminal[s]:
                    P[s, a, s] = 1.0
                    continue
                for p, s_next in self.outcomes(s, a):
                    P[s, a, s_next] += p
                    R[s, a] += p * self._reward(s_next)
        return P, R

    def step(self, s: int, a: int, rng: np.random.Generator) -> tuple[int, float, bool]:
        """Sample one transition: ``(next_state, reward, done)``."""
        probs, nexts = zip(*self.outcomes(s, a), strict=True)
        s_next = nexts[rng.choice(3, p=probs)] if self.slip > 0 else nexts[0]
        return int(s_next), self._reward(s_next), bool(self.terminal[s_next])


def value_iteration(env: GridWorld, *, gamma=0.95, tol=1e-10, max_iter=10_000):
    """Iterate ``V <- max_a (R + gamma P V)`` to a fixed point; returns ``(V, Q, policy)`` (policy: argmax Q)."""
    gamma = check_real(gamma, "gamma", "value_iteration", low=0.0, high=1.0, high_open=True)
    P, R = env.model()
    V = np.zeros(env.n_states)
    for _ in range(max_iter):
        Q = R + gamma * P @ V  # (S, A)
        V_new = Q.max(axis=1)
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    Q = R + gamma * P @ V
    return V, Q, Q.argmax(axis=1)


def policy_evaluation(env: GridWorld, policy, *, gamma=0.95):
    """Exact ``V^pi`` by solving ``(I - gamma P_pi) V = R_pi``; ``policy`` is (S,) actions or (S, A) probabilities."""
    gamma = check_real(gamma, "gamma", "policy_evaluation", low=0.0, high=1.0, high_open=True)
    P, R = env.model()
    pi = np.asarray(policy)
    if pi.ndim == 1:
        pi = np.eye(env.n_actions)[pi]  # (S, A) one-hot
    P_pi, R_pi = np.einsum("sa,sat->st", pi, P), np.sum(pi * R, axis=1)
    return np.linalg.solve(np.eye(env.n_states) - gamma * P_pi, R_pi)


def greedy_policy(Q) -> np.ndarray:
    """The action of largest value in each state (first one on ties)."""
    return np.asarray(Q).argmax(axis=1)


def softmax_policy(theta) -> np.ndarray:
    """``pi(a | s) = exp(theta[s, a]) / sum_b exp(theta[s, b])``, row by row."""
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _check_training(episodes, lr, gamma, rng, func, lr_name):
    check_int(episodes, "episodes", func, low=1)
    check_real(lr, lr_name, func, low=0.0, low_open=True)
    check_real(gamma, "gamma", func, low=0.0, high=1.0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The 'rng' argument of {func} must be a np.random.Generator. Got {type(rng).__name__}.")


def q_learning(env: GridWorld, *, episodes=500, alpha=0.5, gamma=0.95, epsilon=0.2, rng, max_steps=100,
               exploring_starts=False):
    """Tabular Q-learning: ``Q[s, a] += alpha (r + gamma max_b Q[s', b] (0 if s' terminal) - Q[s, a])``.

    Actions are epsilon-greedy. ``exploring_starts`` starts each episode in a random non-terminal state
    (every pair keeps being visited). Returns ``(Q, returns)``, the undiscounted return of each episode.
    """
    _check_training(episodes, alpha, gamma, rng, "q_learning", "alpha")
    check_real(epsilon, "epsilon", "q_learning", low=0.0, high=1.0)
    Q = np.zeros((env.n_states, env.n_actions))
    starts = np.flatnonzero(~env.terminal)
    returns = np.zeros(episodes)
    for episode in range(episodes):
        s = int(rng.choice(starts)) if exploring_starts else env.start
        for _ in range(max_steps):
            a = int(rng.integers(env.n_actions)) if rng.random() < epsilon else int(Q[s].argmax())
            s_next, r, done = env.step(s, a, rng)
            target = r + (0.0 if done else gamma * Q[s_next].max())
            Q[s, a] += alpha * (target - Q[s, a])  # the temporal-difference update
            returns[episode] += r
            s = s_next
            if done:
                break
    return Q, returns


def reinforce(env: GridWorld, *, episodes=1000, lr=0.1, gamma=0.95, rng, max_steps=50, baseline=True):
    """REINFORCE with a tabular softmax policy ``theta`` (S, A); returns ``(theta, returns)``.

    After each episode, for every step t: ``theta[s_t] += lr gamma^t (G_t - b) (onehot(a_t) - pi(. | s_t))``,
    the sampled gradient of the expected return (``grad log softmax = onehot - pi``). ``b`` is a running
    mean of the start return (a baseline: it lowers the variance and keeps the gradient unbiased).
    """
    _check_training(episodes, lr, gamma, rng, "reinforce", "lr")
    theta = np.zeros((env.n_states, env.n_actions))
    returns, b = np.zeros(episodes), 0.0
    for episode in range(episodes):
        s, states, actions, rewards = env.start, [], [], []
        for _ in range(max_steps):
            a = int(rng.choice(env.n_actions, p=softmax_policy(theta[s:s + 1])[0]))
            s_next, r, done = env.step(s, a, rng)
            states.append(s), actions.append(a), rewards.append(r)
            s = s_next
            if done:
                break
        G = np.zeros(len(rewards))  # discounted returns-to-go G_t, computed backwards
        running = 0.0
        for t in range(len(rewards) - 1, -1, -1):
            running = rewards[t] + gamma * running
            G[t] = running
        for t, (s_t, a_t) in enumerate(zip(states, actions, strict=True)):
            grad_log = -softmax_policy(theta[s_t:s_t + 1])[0]
            grad_log[a_t] += 1.0
            theta[s_t] += lr * gamma**t * (G[t] - (b if baseline else 0.0)) * grad_log
        b += 0.05 * (G[0] - b)
        returns[episode] = sum(rewards)
    return theta, returns


def plot_gridworld(env: GridWorld, values, policy=None, *, ax=None, title=""):
    """Matplotlib heat map of state values with arrows for a policy ((S,) actions); returns the figure."""
    import matplotlib.pyplot as plt

    grid = np.full((len(env.layout), len(env.layout[0])), np.nan)
    for s, (r, c) in enumerate(env.cells):
        grid[r, c] = values[s]
    fig, ax = plt.subplots(figsize=(3.6, 2.8)) if ax is None else (ax.figure, ax)
    lim = max(np.nanmax(np.abs(grid)), 1e-9)
    ax.imshow(grid, cmap="RdYlGn", vmin=-lim, vmax=lim)
    for s, (r, c) in enumerate(env.cells):
        ch = env.layout[r][c]
        label = ch if ch in "GP" else (_ARROWS[policy[s]] if policy is not None else "")
        ax.text(c, r - 0.18, label, ha="center", va="center", fontsize=13)
        ax.text(c, r + 0.25, f"{values[s]:.2f}", ha="center", va="center", fontsize=8)
    for r, row in enumerate(env.layout):
        for c, ch in enumerate(row):
            if ch == "#":
                ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, color="0.3"))
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    return fig
