"""The chapter-12a checkers: each accepts the solution the chapter shows, rejects typical mistakes with the hint
that names them, and reports an untouched stub as "not attempted yet" (the notebook's stored output)."""

from __future__ import annotations

import numpy as np
import pytest

import helpers.numpy_impl as hn
from helpers.exercises import ch12a
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "12a_attention_transformers_gnn.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np, "hn": hn})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch12a.check_attention(sol["attention"])
    assert ch12a.check_padding_mask(sol["padding_mask"])
    assert ch12a.check_attention_entries(sol["n_weights"])
    assert ch12a.check_gcn_normalization(sol["normalize"])
    assert ch12a.check_aggregate(sol["aggregate"])
    assert ch12a.check_shift_rotation(sol["shift_matrix"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch12a")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    for check in (ch12a.check_attention, ch12a.check_padding_mask, ch12a.check_gcn_normalization,
                  ch12a.check_aggregate, ch12a.check_shift_rotation):
        assert check(stub) is None
    assert ch12a.check_attention_entries(None) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def _attention(q, k, v, mask=None, *, scale=True, inverted=False, zero_after=False):
    scores = q @ k.swapaxes(-1, -2) / (np.sqrt(q.shape[-1]) if scale else 1.0)
    if mask is not None and not zero_after:
        scores = np.where(~mask if inverted else mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None and zero_after:
        weights = weights * mask
    return weights @ v


def test_attention_mistakes(capsys):
    assert ch12a.check_attention(_attention)
    assert not ch12a.check_attention(lambda *a: _attention(*a, scale=False))
    assert "divide by sqrt(d_k)" in capsys.readouterr().out
    assert not ch12a.check_attention(lambda *a: _attention(*a, inverted=True))
    assert "mask is inverted" in capsys.readouterr().out
    assert not ch12a.check_attention(lambda *a: _attention(*a, zero_after=True))
    assert "BEFORE the softmax" in capsys.readouterr().out


def test_padding_mask_mistakes(capsys):
    assert not ch12a.check_padding_mask(lambda n, m: np.arange(m)[None, :] < n[:, None])
    assert "query axis" in capsys.readouterr().out
    assert not ch12a.check_padding_mask(lambda n, m: (np.arange(m)[None, :] >= n[:, None])[:, None, :])
    assert "inverted" in capsys.readouterr().out
    assert not ch12a.check_padding_mask(lambda n, m: (np.arange(m)[None, :] <= n[:, None])[:, None, :])
    assert "one position too many" in capsys.readouterr().out


def test_attention_entries_mistakes(capsys):
    assert not ch12a.check_attention_entries(8 * 1024 * 1024)
    assert "number of heads" in capsys.readouterr().out
    assert not ch12a.check_attention_entries(8 * 12 * 1024)
    assert "(L, L)" in capsys.readouterr().out


def test_gcn_normalization_mistakes(capsys):
    def row_normalised(adj):
        a = adj + np.eye(len(adj))
        return a / a.sum(1, keepdims=True)

    assert not ch12a.check_gcn_normalization(row_normalised)
    assert "row normalisation" in capsys.readouterr().out
    assert not ch12a.check_gcn_normalization(lambda a: hn.gcn_normalized_adjacency(a, add_self_loops=False))
    assert "self-loops" in capsys.readouterr().out


def test_aggregate_mistakes(capsys):
    def max_without_empty_nodes(messages, targets, num_nodes, aggr):
        out = np.full((num_nodes, messages.shape[1]), -np.inf)
        np.maximum.at(out, targets, messages)
        return out if aggr == "max" else hn.scatter_aggregate_forward(messages, targets, num_nodes=num_nodes,
                                                                      aggr=aggr)[0]

    assert not ch12a.check_aggregate(max_without_empty_nodes)
    assert "must get 0, not -inf" in capsys.readouterr().out
    assert not ch12a.check_aggregate(lambda m, t, n, aggr: hn.scatter_aggregate_forward(m, t, num_nodes=n)[0])
    assert "aggr='mean' differs" in capsys.readouterr().out


def test_shift_rotation_mistakes(sol, capsys):
    good = sol["shift_matrix"]

    def slow_frequencies(k, d):
        r = np.zeros((d, d))
        for i in range(d // 2):
            a = 10000 ** (-i / d) * k
            r[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]
        return r

    assert not ch12a.check_shift_rotation(lambda k, d: good(k, d).T)
    assert "moves 1 positions BACK" in capsys.readouterr().out
    assert not ch12a.check_shift_rotation(slow_frequencies)
    assert "10000^(-2i/d)" in capsys.readouterr().out
    assert not ch12a.check_shift_rotation(lambda k, d: 2 * good(k, d))
    assert "R @ R.T = I" in capsys.readouterr().out
