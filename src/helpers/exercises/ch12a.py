"""Checkers for chapter 12a (attention, Transformers and graph neural networks).

Each checker runs the reader's function on inputs of its own and compares it with an independent
computation (mostly the book's reference implementations, which are tested against PyTorch). An untouched
stub (a body of ``...``, an answer still ``None``) gets "not attempted yet" instead of a ❌.
"""

from __future__ import annotations

import numpy as np

from ._report import attempt, not_attempted, report


def check_attention(attention):
    """``attention(q, k, v, mask)`` -> out: ``softmax(q k^T / sqrt(d_k))`` with the mask applied, times v.

    q (N, L, d_k), k (N, S, d_k), v (N, S, d_v); mask is None or boolean (L, S) with True = may attend.
    """
    from helpers.numpy_impl import scaled_dot_product_attention_forward

    name = "scaled dot-product attention"
    rng = np.random.default_rng(12)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 2))
    mask = rng.random((3, 5)) < 0.5
    mask[:, 0] = True  # every query may attend somewhere
    for m, what in ((None, "without a mask"), (mask, "with a boolean mask")):
        state, got = attempt(attention, q, k, v, m, name=name, convert=np.asarray,
                             task="Return softmax(q @ k^T / sqrt(d_k)) @ v, with forbidden scores set to -inf.")
        if not state:
            return state
        (expected, _), _ = scaled_dot_product_attention_forward(q, k, v, m)
        if got.shape != expected.shape:
            return report(False, name, f"{what}: expected shape {expected.shape}, got {got.shape}.")
        if not np.allclose(got, expected, atol=1e-8):
            (unscaled, _), _ = scaled_dot_product_attention_forward(q, k, v, m, scale=1.0)
            if np.allclose(got, unscaled, atol=1e-8):
                hint = "divide by sqrt(d_k): scale the scores before the softmax."
            elif m is not None and _inverted_mask_output(q, k, v, m, got):
                hint = "your mask is inverted: True means 'may attend', so the False entries become -inf."
            elif m is not None and np.allclose(got, _zeroed_after_softmax(q, k, v, m), atol=1e-8):
                hint = ("you zeroed the weights after the softmax, so the rows no longer sum to 1: set the "
                        "forbidden scores to -inf BEFORE the softmax.")
            elif m is None:
                hint = "check the softmax axis: each query's weights over the keys (the last axis) sum to 1."
            else:
                hint = "masked scores must become -inf before the softmax (True = may attend)."
            return report(False, name, f"{what}: wrong values; {hint}")
    return report(True, name)


def _inverted_mask_output(q, k, v, mask, got) -> bool:
    """Whether ``got`` is attention with the mask's meaning flipped (False = may attend)."""
    scores = np.where(~mask, q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1]), -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        out = (e / e.sum(axis=-1, keepdims=True)) @ v
    rows = np.isfinite(out).all(axis=-1)  # rows the flipped mask forbids entirely have no softmax
    return bool(rows.any()) and np.allclose(got[rows], out[rows])


def _zeroed_after_softmax(q, k, v, mask):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True) * mask) @ v


def check_padding_mask(padding_mask):
    """``padding_mask(lengths, max_len)`` -> bool (N, 1, max_len): True for the real tokens of each sequence.

    It broadcasts against scores (N, L, S): every query may attend to the real keys only, not the padding.
    """
    name = "padding mask"
    lengths = np.array([3, 1, 5, 4])
    state, got = attempt(padding_mask, lengths, 5, name=name, convert=np.asarray,
                         task="Return a boolean (N, 1, max_len) array, True where key j < lengths[n].")
    if not state:
        return state
    expected = (np.arange(5)[None, :] < lengths[:, None])[:, None, :]
    if got.shape == (4, 5):
        return report(False, name, "add the query axis in the middle, (N, 1, max_len), so that the mask "
                                   "broadcasts against the (N, L, S) scores.")
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape}, got {got.shape}.")
    if got.dtype != bool:
        return report(False, name, f"expected a boolean array, got dtype {got.dtype}.")
    if np.array_equal(got, ~expected):
        return report(False, name, "inverted: True marks the REAL tokens (may attend), False the padding.")
    if np.array_equal(got, (np.arange(5)[None, :] <= lengths[:, None])[:, None, :]):
        return report(False, name, "one position too many: a sequence of length 3 has keys 0, 1, 2 (use <).")
    return report(np.array_equal(got, expected), name, "key j of sequence n is real when j < lengths[n].")


def check_attention_entries(answer, *, batch=8, heads=12, length=1024):
    """How many attention weights does one multi-head self-attention layer compute for this batch?"""
    expected = batch * heads * length * length
    name = "attention cost"
    if answer is None:
        return not_attempted(name, "Set n_weights to your count (a whole number).")
    if not isinstance(answer, (int, np.integer)):
        return report(False, name, f"a count is a whole number; got {answer!r}.")
    if int(answer) == batch * length * length:
        return report(False, name, "every head computes its own (L, L) matrix: multiply by the number of heads.")
    if int(answer) == batch * heads * length:
        return report(False, name, "each of the L queries weighs all L keys: the matrix is (L, L), not (L,).")
    return report(int(answer) == expected, name,
                  "one (L, L) matrix per example and per head; the cost grows with L squared.")


def check_gcn_normalization(normalize):
    """``normalize(adj)`` -> ``D^-1/2 (A + I) D^-1/2`` with D the degrees of A + I."""
    from helpers.numpy_impl import gcn_normalized_adjacency

    name = "GCN normalisation"
    rng = np.random.default_rng(3)
    upper = np.triu(rng.random((6, 6)) < 0.5, k=1)
    adj = (upper | upper.T).astype(np.float64)
    state, got = attempt(normalize, adj, name=name, convert=np.asarray,
                         task="Return D^-1/2 (A + I) D^-1/2, with D the degrees of A + I.")
    if not state:
        return state
    expected = gcn_normalized_adjacency(adj)
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape}, got {got.shape}.")
    a = adj + np.eye(len(adj))
    if (np.allclose(got, adj / np.maximum(adj.sum(1, keepdims=True), 1))
            or np.allclose(got, a / a.sum(1, keepdims=True))):
        return report(False, name, "that is a row normalisation D^-1 A; the GCN uses D^-1/2 (A + I) D^-1/2.")
    if np.allclose(got, gcn_normalized_adjacency(adj, add_self_loops=False)):
        return report(False, name, "add the self-loops A + I first, so that each node keeps its own features.")
    return report(np.allclose(got, expected), name, "add the self-loops first, then scale entry (i, j) by "
                  "1/sqrt(deg_i deg_j).")


def check_aggregate(aggregate):
    """``aggregate(messages, targets, num_nodes, aggr)`` -> (num_nodes, F), aggr in sum/mean/max, empty -> 0."""
    from helpers.numpy_impl import scatter_aggregate_forward

    name = "aggregation"
    rng = np.random.default_rng(4)
    messages, targets = rng.standard_normal((7, 3)), np.array([0, 2, 2, 0, 2, 3, 0])  # node 1 gets nothing
    for aggr in ("sum", "mean", "max"):
        state, got = attempt(aggregate, messages, targets, 4, aggr, name=name, convert=np.asarray,
                             task="Return (num_nodes, F): row i aggregates the messages whose target is i.")
        if not state:
            return state
        expected, _ = scatter_aggregate_forward(messages, targets, num_nodes=4, aggr=aggr)
        if got.shape != expected.shape:
            return report(False, name, f"aggr={aggr!r}: expected shape {expected.shape}, got {got.shape}.")
        if not np.isfinite(got).all():
            return report(False, name, f"aggr={aggr!r}: node 1 receives no message and must get 0, not "
                                       "-inf or NaN.")
        if not np.allclose(got, expected):
            return report(False, name, f"aggr={aggr!r} differs (node 1 receives no message and must get 0).")
    return report(True, name)


def check_shift_rotation(shift_matrix):
    """``shift_matrix(k, d)`` -> (d, d) R with ``PE[p + k] = R @ PE[p]`` for every position p.

    R is block diagonal: for the pair (sin, cos) of frequency w_i = 10000^(-2i/d) the block is
    [[cos(w_i k), sin(w_i k)], [-sin(w_i k), cos(w_i k)]], by the angle-addition formulas.
    """
    from helpers.numpy_impl import sinusoidal_positional_encoding

    name = "shift as a rotation"
    d, length = 8, 40
    pe = sinusoidal_positional_encoding(length, d)
    for k in (1, 5):
        state, r = attempt(shift_matrix, k, d, name=name, convert=np.asarray,
                           task="Return the (d, d) matrix R with PE[p + k] = R @ PE[p]: one 2x2 rotation per "
                                "(sin, cos) pair.")
        if not state:
            return state
        if r.shape != (d, d):
            return report(False, name, f"shift_matrix({k}, {d}) must have shape ({d}, {d}); got {r.shape}.")
        moved = pe[:-k] @ r.T  # row p: R @ PE[p]
        if np.allclose(moved, pe[k:], atol=1e-9):
            continue
        if np.allclose(pe[k:] @ r.T, pe[:-k], atol=1e-9):
            return report(False, name, f"your R moves {k} positions BACK (R @ PE[p + k] = PE[p]): the signs of "
                                       "the sines are flipped; that matrix is the transpose of the one asked for.")
        slow = np.exp(-np.arange(0, d, 2) / 2 / d * np.log(10000.0)) * k  # w_i = 10000^(-i/d): a common slip
        wrong = np.zeros((d, d))
        for j, a in enumerate(slow):
            wrong[2 * j:2 * j + 2, 2 * j:2 * j + 2] = [[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]
        if np.allclose(r, wrong, atol=1e-9):
            return report(False, name, "check the frequencies: pair i (features 2i, 2i+1) turns at "
                                       "w_i = 10000^(-2i/d), with 2i, not i, in the exponent.")
        if not np.allclose(r @ r.T, np.eye(d), atol=1e-9):
            return report(False, name, "a shift of every (sin, cos) pair by the same angle keeps lengths: R must "
                                       "be a rotation (R @ R.T = I), made of 2x2 blocks on the diagonal.")
        return report(False, name, f"R @ PE[p] differs from PE[p + {k}]. For the pair (sin(w p), cos(w p)): "
                                   "sin(w(p+k)) = sin(wp) cos(wk) + cos(wp) sin(wk), "
                                   "cos(w(p+k)) = cos(wp) cos(wk) - sin(wp) sin(wk).")
    return report(True, name)
