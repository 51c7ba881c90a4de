"""Checkers for chapter 12a (attention, Transformers and graph neural networks).

Each checker runs the reader's function on inputs of its own and compares it with an independent
computation (mostly the book's reference implementations, which are tested against PyTorch).
"""

from __future__ import annotations

import numpy as np

from ._report import call, report


def check_attention(attention) -> bool:
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
        ok, got = call(attention, q, k, v, m, name=name, convert=np.asarray)
        if not ok:
            return False
        (expected, _), _ = scaled_dot_product_attention_forward(q, k, v, m)
        if got.shape != expected.shape:
            return report(False, name, f"{what}: expected shape {expected.shape}, got {got.shape}.")
        if not np.allclose(got, expected, atol=1e-8):
            hint = ("did you divide by sqrt(d_k)?" if m is None else
                    "masked scores must become -inf before the softmax (True = may attend).")
            return report(False, name, f"{what}: wrong values; {hint}")
    return report(True, name)


def check_padding_mask(padding_mask) -> bool:
    """``padding_mask(lengths, max_len)`` -> bool (N, 1, max_len): True for the real tokens of each sequence.

    It broadcasts against scores (N, L, S): every query may attend to the real keys only, not the padding.
    """
    name = "padding mask"
    lengths = np.array([3, 1, 5, 4])
    ok, got = call(padding_mask, lengths, 5, name=name, convert=np.asarray)
    if not ok:
        return False
    expected = (np.arange(5)[None, :] < lengths[:, None])[:, None, :]
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape}, got {got.shape}.")
    if got.dtype != bool:
        return report(False, name, f"expected a boolean array, got dtype {got.dtype}.")
    return report(np.array_equal(got, expected), name, "key j of sequence n is real when j < lengths[n].")


def check_attention_entries(answer, *, batch=8, heads=12, length=1024) -> bool:
    """How many attention weights does one multi-head self-attention layer compute for this batch?"""
    expected = batch * heads * length * length
    name = "attention cost"
    ok = isinstance(answer, (int, np.integer)) and int(answer) == expected
    return report(ok, name, "one (L, L) matrix per example and per head; the cost grows with L squared.")


def check_gcn_normalization(normalize) -> bool:
    """``normalize(adj)`` -> ``D^-1/2 (A + I) D^-1/2`` with D the degrees of A + I."""
    from helpers.numpy_impl import gcn_normalized_adjacency

    name = "GCN normalisation"
    rng = np.random.default_rng(3)
    upper = np.triu(rng.random((6, 6)) < 0.5, k=1)
    adj = (upper | upper.T).astype(np.float64)
    ok, got = call(normalize, adj, name=name, convert=np.asarray)
    if not ok:
        return False
    expected = gcn_normalized_adjacency(adj)
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape}, got {got.shape}.")
    if np.allclose(got, adj / np.maximum(adj.sum(1, keepdims=True), 1)):
        return report(False, name, "that is a row normalisation D^-1 A; the GCN uses D^-1/2 (A + I) D^-1/2.")
    return report(np.allclose(got, expected), name, "add the self-loops first, then scale entry (i, j) by "
                  "1/sqrt(deg_i deg_j).")


def check_aggregate(aggregate) -> bool:
    """``aggregate(messages, targets, num_nodes, aggr)`` -> (num_nodes, F), aggr in sum/mean/max, empty -> 0."""
    from helpers.numpy_impl import scatter_aggregate_forward

    name = "aggregation"
    rng = np.random.default_rng(4)
    messages, targets = rng.standard_normal((7, 3)), np.array([0, 2, 2, 0, 2, 3, 0])  # node 1 gets nothing
    for aggr in ("sum", "mean", "max"):
        ok, got = call(aggregate, messages, targets, 4, aggr, name=name, convert=np.asarray)
        if not ok:
            return False
        expected, _ = scatter_aggregate_forward(messages, targets, num_nodes=4, aggr=aggr)
        if got.shape != expected.shape or not np.allclose(got, expected):
            return report(False, name, f"aggr={aggr!r} differs (node 1 receives no message and must get 0).")
    return report(True, name)
