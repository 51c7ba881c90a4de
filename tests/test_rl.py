"""Gridworld RL: value iteration against shortest paths, Q-learning and REINFORCE against value iteration."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from helpers.labs.rl import GridWorld, greedy_policy, policy_evaluation, q_learning, reinforce, value_iteration

GAMMA = 0.9


def _distances_to_goal(env):
    """Breadth-first search: the fewest moves from each cell to G without crossing P."""
    P, _ = env.model()
    goal = [s for s, (r, c) in enumerate(env.cells) if env.layout[r][c] == "G"][0]
    dist = np.full(env.n_states, np.inf)
    dist[goal], queue = 0, deque([goal])
    while queue:
        s2 = queue.popleft()
        for s in range(env.n_states):
            if not env.terminal[s] and np.isinf(dist[s]) and P[s, :, s2].max() > 0:
                dist[s] = dist[s2] + 1
                queue.append(s)
    return dist


def test_value_iteration_matches_shortest_paths():
    """No step cost, deterministic moves: V*(s) = gamma^(d(s) - 1) (reward 1 on the d-th move)."""
    env = GridWorld(step_reward=0.0)
    V, Q, policy = value_iteration(env, gamma=GAMMA)
    d = _distances_to_goal(env)
    live = ~env.terminal
    np.testing.assert_allclose(V[live], GAMMA ** (d[live] - 1), rtol=1e-9)
    assert np.all(V[env.terminal] == 0)
    np.testing.assert_allclose(policy_evaluation(env, policy, gamma=GAMMA), V, atol=1e-9)


@pytest.mark.parametrize("slip", [0.0, 0.2])
def test_value_iteration_is_a_bellman_fixed_point(slip):
    env = GridWorld(slip=slip)
    V, Q, policy = value_iteration(env, gamma=GAMMA)
    P, R = env.model()
    np.testing.assert_allclose(P.sum(-1), 1.0)
    np.testing.assert_allclose((R + GAMMA * P @ V).max(1), V, atol=1e-9)
    # no other deterministic policy is better anywhere (checked over random ones)
    rng = np.random.default_rng(0)
    for _ in range(50):
        other = rng.integers(0, 4, env.n_states)
        assert np.all(policy_evaluation(env, other, gamma=GAMMA) <= V + 1e-9)


def test_q_learning_finds_the_optimal_q_deterministic():
    env = GridWorld()
    V_star, Q_star, _ = value_iteration(env, gamma=GAMMA)
    Q, returns = q_learning(env, episodes=1500, alpha=0.5, gamma=GAMMA, epsilon=0.3,
                            rng=np.random.default_rng(0), exploring_starts=True)
    live = ~env.terminal
    np.testing.assert_allclose(Q[live], Q_star[live], atol=0.02)
    np.testing.assert_allclose(policy_evaluation(env, greedy_policy(Q), gamma=GAMMA), V_star, atol=1e-9)
    assert returns.shape == (1500,)


def test_q_learning_with_slip_is_near_optimal():
    env = GridWorld(slip=0.2)
    V_star, _, _ = value_iteration(env, gamma=GAMMA)
    Q, _ = q_learning(env, episodes=2000, alpha=0.1, gamma=GAMMA, epsilon=0.3,
                      rng=np.random.default_rng(1), exploring_starts=True)
    V_q = policy_evaluation(env, greedy_policy(Q), gamma=GAMMA)
    assert V_q[env.start] > V_star[env.start] - 0.05  # constant alpha in a noisy world: close, not exact


def test_reinforce_approaches_the_optimal_start_value():
    env = GridWorld()
    V_star, _, _ = value_iteration(env, gamma=GAMMA)
    theta, returns = reinforce(env, episodes=800, lr=0.5, gamma=GAMMA, rng=np.random.default_rng(0))
    pi = np.exp(theta) / np.exp(theta).sum(1, keepdims=True)
    V_pi = policy_evaluation(env, pi, gamma=GAMMA)
    uniform = policy_evaluation(env, np.full((env.n_states, 4), 0.25), gamma=GAMMA)
    assert V_pi[env.start] > V_star[env.start] - 0.05
    assert V_pi[env.start] > uniform[env.start] + 0.5  # it learned something a random walk does not do
    assert returns[-100:].mean() > returns[:100].mean()


def test_validation_messages():
    with pytest.raises(ValueError, match="'layout' argument of GridWorld must be equally long strings"):
        GridWorld(layout=("S..", "G."))
    with pytest.raises(ValueError, match=r"'slip' argument of GridWorld must be a real number in \[0, 1\]"):
        GridWorld(slip=1.5)
    with pytest.raises(ValueError, match=r"'gamma' argument of value_iteration must be a real number in \[0, 1\)"):
        value_iteration(GridWorld(), gamma=1.0)
    with pytest.raises(TypeError, match="'rng' argument of q_learning must be a np.random.Generator"):
        q_learning(GridWorld(), rng=0)
    with pytest.raises(ValueError, match="'episodes' argument of reinforce must be an int >= 1"):
        reinforce(GridWorld(), episodes=0, rng=np.random.default_rng(0))
