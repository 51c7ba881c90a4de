"""Chapter 12a tests that do not fit the parity registry: masks, permutation equivariance, positional
encodings, the GCN normalisation, edge cases of aggregation and the validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


def _mha_params(rng, e):
    return (rng.normal(0, 0.5, (3 * e, e)), rng.normal(0, 0.2, 3 * e), rng.normal(0, 0.5, (e, e)),
            rng.normal(0, 0.2, e))


def _t(*arrays):
    return [torch.from_numpy(np.asarray(a)) for a in arrays]


def test_causal_mask_is_the_negation_of_pytorchs_square_subsequent_mask():
    for n in (1, 2, 5):
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64)
        assert np.array_equal(hn.causal_mask(n), (theirs == 0).numpy())
        assert torch.equal(ht.causal_mask(n), theirs == 0)


def test_future_positions_get_zero_weight_and_cannot_change_the_past():
    rng = np.random.default_rng(0)
    n, length, e = 2, 5, 4
    x = rng.standard_normal((n, length, e))
    params = _mha_params(rng, e)
    mask = hn.causal_mask(length)
    (out, w), _ = hn.multi_head_attention_forward(x, x, x, *params, mask, num_heads=2)
    assert np.all(w[..., np.triu_indices(length, k=1)[0], np.triu_indices(length, k=1)[1]] == 0.0)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-12)
    x2 = x.copy()
    x2[:, 3:] = rng.standard_normal((n, 2, e))  # change the future only
    (out2, _), _ = hn.multi_head_attention_forward(x2, x2, x2, *params, mask, num_heads=2)
    np.testing.assert_allclose(out2[:, :3], out[:, :3], rtol=1e-12)
    assert not np.allclose(out2[:, 3:], out[:, 3:])  # the test can fail: the future did change
    out_t, w_t = ht.multi_head_attention(*_t(x, x, x, *params), torch.from_numpy(mask), num_heads=2)
    assert torch.all(w_t.masked_select(~torch.from_numpy(mask)) == 0)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_attention_without_positions_is_permutation_equivariant(lib):
    rng = np.random.default_rng(1)
    n, length, e = 2, 6, 4
    x = rng.standard_normal((n, length, e))
    params = _mha_params(rng, e)
    perm = rng.permutation(length)

    def run(inp):
        if lib == "numpy":
            return hn.multi_head_attention_forward(inp, inp, inp, *params, num_heads=2)[0][0]
        t = torch.from_numpy(inp)
        return ht.multi_head_attention(t, t, t, *_t(*params), num_heads=2)[0].numpy()

    np.testing.assert_allclose(run(x[:, perm]), run(x)[:, perm], rtol=1e-10, atol=1e-12)
    # adding positional encodings breaks the symmetry: the order of the tokens now matters
    pe = hn.sinusoidal_positional_encoding(length, e)
    assert not np.allclose(run(x[:, perm] + pe), (run(x + pe))[:, perm], atol=1e-3)


@pytest.mark.parametrize("aggr", hn.AGGREGATIONS)
def test_message_passing_is_equivariant_under_node_relabelling(aggr):
    rng = np.random.default_rng(2)
    v = 7
    x = rng.standard_normal((v, 3))
    edge_index = np.argwhere(rng.random((v, v)) < 0.4).T  # (2, E)
    w_self, w_neigh, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    perm = rng.permutation(v)  # new node i is old node perm[i]
    relabel = np.argsort(perm)  # old id -> new id
    out, _ = hn.message_passing_forward(x, edge_index, w_self, w_neigh, b, aggr=aggr)
    out_p, _ = hn.message_passing_forward(x[perm], relabel[edge_index], w_self, w_neigh, b, aggr=aggr)
    np.testing.assert_allclose(out_p, out[perm], rtol=1e-12)
    out_t = ht.message_passing(*_t(x[perm], relabel[edge_index], w_self, w_neigh, b), aggr=aggr)
    np.testing.assert_allclose(out_t.numpy(), out[perm], rtol=1e-12)
    # relabelling the features but not the edges is a different graph: the output changes
    out_wrong, _ = hn.message_passing_forward(x[perm], edge_index, w_self, w_neigh, b, aggr=aggr)
    assert not np.allclose(out_wrong, out[perm])


def test_graph_conv_is_equivariant_and_equals_the_kipf_welling_formula():
    rng = np.random.default_rng(3)
    v = 6
    upper = np.triu(rng.random((v, v)) < 0.5, k=1)
    adj = (upper | upper.T).astype(float)
    a_hat = hn.gcn_normalized_adjacency(adj)
    deg = adj.sum(1) + 1
    for i in range(v):
        for j in range(v):
            expected = ((adj[i, j] + (i == j)) / np.sqrt(deg[i] * deg[j]))
            assert a_hat[i, j] == pytest.approx(expected, rel=1e-12)
    eig = np.linalg.eigvalsh(a_hat)
    assert eig.max() == pytest.approx(1.0) and eig.min() > -1.0  # no blow-up when layers are stacked
    np.testing.assert_allclose(ht.gcn_normalized_adjacency(torch.from_numpy(adj)).numpy(), a_hat, rtol=1e-12)
    np.testing.assert_allclose(ht.gcn_normalized_adjacency(torch.from_numpy(adj > 0)).numpy(), a_hat,
                               rtol=1e-6)
    x, w, b = rng.standard_normal((v, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    perm = rng.permutation(v)
    out, _ = hn.graph_conv_forward(x, adj, w, b)
    out_p, _ = hn.graph_conv_forward(x[perm], adj[np.ix_(perm, perm)], w, b)
    np.testing.assert_allclose(out_p, out[perm], rtol=1e-12)


def test_positional_encoding_matches_the_formula_and_encodes_relative_positions():
    length, d = 12, 8
    pe = hn.sinusoidal_positional_encoding(length, d)
    for p in range(length):
        for i in range(d // 2):
            angle = p / 10000 ** (2 * i / d)
            assert pe[p, 2 * i] == pytest.approx(np.sin(angle))
            assert pe[p, 2 * i + 1] == pytest.approx(np.cos(angle))
    with torch.no_grad():
        torch.set_default_dtype(torch.float64)
        try:
            pe_t = ht.sinusoidal_positional_encoding(length, d)
        finally:
            torch.set_default_dtype(torch.float32)
    np.testing.assert_allclose(pe_t.numpy(), pe, rtol=1e-12, atol=1e-15)
    assert ht.sinusoidal_positional_encoding(3, 4).dtype == torch.float32
    # PE(p + k) is one fixed rotation of PE(p), the same for every p:
    # [s', c'] = [[cos b, sin b], [-sin b, cos b]] [s, c] with b = k * omega
    k = 3
    rotation = np.zeros((d, d))
    for i in range(d // 2):
        b = k / 10000 ** (2 * i / d)
        # row vectors
        rotation[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[np.cos(b), -np.sin(b)], [np.sin(b), np.cos(b)]]
    np.testing.assert_allclose(pe[:-k] @ rotation, pe[k:], atol=1e-12)


def test_backward_without_weight_gradient_equals_zero_weight_gradient():
    rng = np.random.default_rng(4)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 3))
    (out, w), cache = hn.scaled_dot_product_attention_forward(q, k, v)
    dout = rng.standard_normal(out.shape)
    a = hn.scaled_dot_product_attention_backward((dout, None), cache)
    b = hn.scaled_dot_product_attention_backward((dout, np.zeros_like(w)), cache)
    for ga, gb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ga, gb)


def test_scaling_by_sqrt_dk_keeps_score_variance_near_one():
    rng = np.random.default_rng(5)
    for d in (4, 64, 256):
        q, k = rng.standard_normal((4000, d)), rng.standard_normal((4000, d))
        raw = (q * k).sum(1)
        assert raw.var() == pytest.approx(d, rel=0.1)
        assert (raw / np.sqrt(d)).var() == pytest.approx(1.0, rel=0.1)


def test_aggregation_edge_cases_no_messages_and_ties():
    empty, _ = hn.scatter_aggregate_forward(np.zeros((0, 2)), np.zeros(0, dtype=int), num_nodes=3, aggr="max")
    assert np.array_equal(empty, np.zeros((3, 2)))
    t_empty = ht.scatter_aggregate(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long), num_nodes=3,
                                   aggr="max")
    assert torch.equal(t_empty, torch.zeros(3, 2))
    # two equal messages at one node: both share the max's gradient, as in torch
    msgs = np.array([[1.0], [1.0], [0.5]])
    index = np.array([0, 0, 0])
    out, cache = hn.scatter_aggregate_forward(msgs, index, num_nodes=1, aggr="max")
    (grad,) = hn.scatter_aggregate_backward(np.array([[2.0]]), cache)
    m_t = torch.tensor(msgs, requires_grad=True)
    ht.scatter_aggregate(m_t, torch.from_numpy(index), num_nodes=1, aggr="max").sum().mul(2.0).backward()
    np.testing.assert_allclose(grad, m_t.grad.numpy())
    np.testing.assert_allclose(grad, [[1.0], [1.0], [0.0]])


_X = np.zeros((1, 3, 4))
_P = _mha_params(np.random.default_rng(0), 4)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("call, error, message", [
    (lambda m, x: m["sdpa"](x((2, 3, 4)), x((2, 3, 5)), x((2, 3, 4))), ValueError,
     "The 'k' argument of scaled_dot_product_attention"),
    (lambda m, x: m["sdpa"](x((2, 3, 4)), x((2, 3, 4)), x((2, 3, 4)), x((3, 2), bool)), ValueError,
     "The 'mask' argument of scaled_dot_product_attention"),
    (lambda m, x: m["sdpa"](x((1, 2, 2)), x((1, 2, 2)), x((1, 2, 2)), x((2, 2), bool, fill=False)),
     ValueError,
     "forbids every key for some query"),
    (lambda m, x: m["sdpa"](x((1, 2, 2)), x((1, 2, 2)), x((1, 2, 2)), scale=0.0), ValueError,
     "The 'scale' argument"),
    (lambda m, x: m["mha"](x((1, 3, 4)), x((1, 3, 4)), x((1, 3, 4)), *m["p"], num_heads=3), ValueError,
     "must divide the embedding size 4. Got 3 instead"),
    (lambda m, x: m["mha"](x((1, 3, 4)), x((1, 3, 4)), x((1, 3, 4)), m["p"][0][:4], *m["p"][1:], num_heads=2),
     ValueError, "The 'in_proj_weight' argument of multi_head_attention"),
    (lambda m, x: m["pe"](5, 3), ValueError, "must be an even int"),
    (lambda m, x: m["ln"](x((2, 3)), x((4,)), x((3,))), ValueError, "The 'gamma' argument of layer_norm"),
    (lambda m, x: m["gcn"](x((3, 2)), m["arr"](np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0.0]])), x((2, 2)),
                           x((2,))),
     ValueError, "must be symmetric"),
    (lambda m, x: m["mp"](x((3, 2)), m["arr"](np.array([[0, 5], [1, 2]])), x((2, 2)), x((2, 2)), x((2,))),
     ValueError, "must hold node ids in [0, 2]. Got values in [0, 5] instead"),
    (lambda m, x: m["mp"](x((3, 2)), m["arr"](np.array([[0], [1]])), x((2, 2)), x((2, 2)), x((2,)),
                          aggr="min"),
     ValueError, "The 'aggr' argument of"),
    (lambda m, x: m["mp"](x((3, 2)), m["arr"](np.array([[0.0], [1.0]])), x((2, 2)), x((2, 2)), x((2,))),
     TypeError, "The 'edge_index' argument of message_passing"),
])
def test_validation_messages(lib, call, error, message):
    if lib == "numpy":
        funcs = {"sdpa": hn.scaled_dot_product_attention_forward, "mha": hn.multi_head_attention_forward,
                 "pe": hn.sinusoidal_positional_encoding, "ln": hn.layer_norm_forward,
                 "gcn": hn.graph_conv_forward, "mp": hn.message_passing_forward, "p": _P, "arr": np.asarray}

        def make(shape, dtype=float, fill=None):
            return np.full(shape, fill, dtype=dtype) if fill is not None else np.ones(shape, dtype=dtype)
    else:
        funcs = {"sdpa": ht.scaled_dot_product_attention, "mha": ht.multi_head_attention,
                 "pe": ht.sinusoidal_positional_encoding, "ln": ht.layer_norm, "gcn": ht.graph_conv,
                 "mp": ht.message_passing, "p": _t(*_P), "arr": torch.from_numpy}

        def make(shape, dtype=float, fill=None):
            dt = torch.bool if dtype is bool else torch.float64
            return torch.full(shape, fill, dtype=dt) if fill is not None else torch.ones(shape, dtype=dt)
    with pytest.raises(error) as info:
        call(funcs, make)
    assert message in str(info.value)


def test_exercise_checkers_accept_right_and_reject_wrong_answers(capsys):
    from helpers.exercises import ch12a

    def attention(q, k, v, mask=None, scale=True):
        (out, _), _ = hn.scaled_dot_product_attention_forward(q, k, v, mask, scale=None if scale else 1.0)
        return out

    assert ch12a.check_attention(attention)
    assert not ch12a.check_attention(lambda q, k, v, mask: attention(q, k, v, mask, scale=False))
    assert not ch12a.check_attention(lambda q, k, v, mask: attention(q, k, v, None))  # ignores the mask
    assert ch12a.check_padding_mask(lambda n, m: (np.arange(m)[None, :] < n[:, None])[:, None, :])
    assert not ch12a.check_padding_mask(lambda n, m: (np.arange(m)[None, :] <= n[:, None])[:, None, :])
    assert ch12a.check_attention_entries(8 * 12 * 1024 * 1024)
    assert not ch12a.check_attention_entries(8 * 12 * 1024)
    assert ch12a.check_gcn_normalization(hn.gcn_normalized_adjacency)
    assert not ch12a.check_gcn_normalization(lambda a: hn.gcn_normalized_adjacency(a, add_self_loops=False))
    assert not ch12a.check_gcn_normalization(lambda a: 1 / 0)

    def aggregate(m, t, n, aggr):
        return hn.scatter_aggregate_forward(m, t, num_nodes=n, aggr=aggr)[0]

    assert ch12a.check_aggregate(aggregate)
    assert not ch12a.check_aggregate(lambda m, t, n, aggr: aggregate(m, t, n, "sum"))
    out = capsys.readouterr().out
    assert out.count("✅") == 5 and "ZeroDivisionError" in out and "divide by sqrt(d_k)" in out


def test_message_passing_checks_the_bias_shape():
    x, ei, w = np.ones((3, 2)), np.array([[0], [1]]), np.ones((2, 2))
    with pytest.raises(ValueError, match=r"The 'b' argument of message_passing_forward must have shape \(2,\)"):
        hn.message_passing_forward(x, ei, w, w, np.ones(3))
    with pytest.raises(ValueError, match=r"The 'b' argument of message_passing must have shape \(2,\)"):
        ht.message_passing(*_t(x, ei, w, w, np.ones(3)))
