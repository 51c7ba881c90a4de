"""Graph layers (chapter 12a): graph convolution, scatter aggregation and message passing.

PyTorch has no graph layers, so the "built-ins" here are independent torch computations written a different
way: the GCN as an explicit double loop over node pairs that aggregates *before* transforming (ours
transforms first), aggregation with ``Tensor.scatter_reduce`` (ours uses an incidence matrix), and message
passing as a loop over nodes that stacks each node's incoming messages.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase, generators


def _random_graph(rng, v, p=0.5):
    """A symmetric 0/1 adjacency (V, V) without self-loops."""
    upper = np.triu(rng.random((v, v)) < p, k=1)
    return (upper | upper.T).astype(np.float64)


@st.composite
def _graph_conv_inputs(draw):
    rng = draw(generators())
    v, f_in, f_out = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()
    adj = _random_graph(rng, v)
    if draw(st.booleans()):  # a weighted graph
        adj = adj * rng.uniform(0.5, 2.0, (v, v))
        adj = np.triu(adj) + np.triu(adj, k=1).T
    x = rng.standard_normal(lead + (v, f_in))
    return (x, adj, rng.standard_normal((f_out, f_in)), rng.standard_normal(f_out)), {
        "add_self_loops": draw(st.booleans())}


def _gcn_by_node_pairs(x, adj, w, b, *, add_self_loops=True):
    a = adj + torch.eye(adj.shape[0], dtype=adj.dtype, device=adj.device) if add_self_loops else adj
    deg = a.sum(dim=1)
    rows = []
    for i in range(a.shape[0]):
        acc = torch.zeros_like(x[..., 0, :])
        for j in range(a.shape[0]):
            if a[i, j] != 0:
                acc = acc + a[i, j] / torch.sqrt(deg[i] * deg[j]) * x[..., j, :]
        rows.append(acc)
    return torch.stack(rows, dim=-2) @ w.T + b  # aggregate first, then transform


@st.composite
def _aggregate_inputs(draw):
    rng = draw(generators())
    num_nodes, e, f = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
    index = rng.integers(0, num_nodes, e)  # some nodes may receive nothing
    hp = {"num_nodes": num_nodes, "aggr": draw(st.sampled_from(hn.AGGREGATIONS))}
    return (rng.standard_normal((e, f)), index), hp


def _scatter_reduce(messages, index, *, num_nodes, aggr="sum"):
    reduce = {"sum": "sum", "mean": "mean", "max": "amax"}[aggr]
    out = messages.new_zeros(num_nodes, messages.shape[1])
    return out.scatter_reduce(0, index[:, None].expand_as(messages), messages, reduce=reduce,
                              include_self=False)


@st.composite
def _message_passing_inputs(draw, *, aggr):
    rng = draw(generators())
    v, f_in, f_out = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pairs = np.argwhere(rng.random((v, v)) < 0.4)  # distinct directed edges (j, i), self-loops allowed
    edge_index = pairs.T.astype(np.int64).reshape(2, -1)  # (2, E): sources, targets
    x = rng.standard_normal((v, f_in))
    params = (rng.standard_normal((f_out, f_in)), rng.standard_normal((f_out, f_in)),
              rng.standard_normal(f_out))
    return (x, edge_index, *params), {"aggr": aggr}


def _message_passing_by_nodes(x, edge_index, w_self, w_neigh, b, *, aggr="sum"):
    rows = []
    for i in range(x.shape[0]):
        incoming = [x[j] @ w_neigh.T for j, t in edge_index.T.tolist() if t == i]
        if not incoming:
            agg = torch.zeros_like(b)
        else:
            stacked = torch.stack(incoming)
            agg = {"sum": stacked.sum(0), "mean": stacked.mean(0), "max": stacked.max(0).values}[aggr]
        rows.append(x[i] @ w_self.T + b + agg)
    return torch.stack(rows)


def _message_passing_case(aggr):
    return ParityCase(hn.message_passing_forward, hn.message_passing_backward, ht.message_passing,
                      _message_passing_inputs(aggr=aggr), builtin=_message_passing_by_nodes, label=aggr)


CASES = [
    ParityCase(hn.graph_conv_forward, hn.graph_conv_backward, ht.graph_conv, _graph_conv_inputs(),
               builtin=_gcn_by_node_pairs, constant_args=(1,)),
    ParityCase(hn.scatter_aggregate_forward, hn.scatter_aggregate_backward, ht.scatter_aggregate,
               _aggregate_inputs(),
               builtin=_scatter_reduce),
    *(_message_passing_case(aggr) for aggr in hn.AGGREGATIONS),
]

EXEMPT = {
    "gcn_normalized_adjacency": "a constant matrix of the graph, not an operation with a backward; "
                                "tests/test_attention_graph.py checks it entry by entry and its spectrum",
    "AGGREGATIONS": "a constant (the aggregation names)",
}
