"""Graph neural network layers in NumPy: graph convolution (GCN) and generic message passing.

A graph with V nodes carries node features ``x`` (V, F). Two ways to write one layer:

* **Graph convolution** (Kipf & Welling 2017): ``out = Â x W^T + b`` with the symmetrically normalised
  adjacency with self-loops ``Â = D^-1/2 (A + I) D^-1/2``, D the degree matrix of A + I. Every node
  averages itself and its neighbours, weighted by ``1/sqrt(deg_i deg_j)``. The graph is undirected:
  ``adj`` (V, V) must be symmetric (a weighted adjacency is allowed).
* **Message passing** (Gilmer et al. 2017): every edge j -> i carries a message computed from its
  source node, ``m_ji = W_neigh x_j``; every node aggregates its incoming messages with an order
  invariant function (sum, mean or max) and combines the result with its own features,
  ``out_i = W_self x_i + AGG_{j -> i} m_ji + b`` (the "GraphConv" layer of Morris et al. 2019).
  The edges are an int array ``edge_index`` (2, E): row 0 the sources j, row 1 the targets i
  (the convention of PyTorch Geometric). A node without incoming edges aggregates to 0.

Both layers are permutation equivariant: relabelling the nodes permutes the output rows the same way.

References: Kipf & Welling (2017), "Semi-supervised classification with graph convolutional networks";
Gilmer et al. (2017), "Neural message passing for quantum chemistry"; Morris et al. (2019), "Weisfeiler
and Leman go neural"; Hamilton et al. (2017), GraphSAGE.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import (
    GRAPH_AGGREGATIONS,
    check_adjacency,
    check_graph_conv_args,
    check_message_passing_args,
    check_scatter_args,
)
from .layers import affine_backward, affine_forward

__all__ = [
    "gcn_normalized_adjacency", "graph_conv_forward", "graph_conv_backward",
    "scatter_aggregate_forward", "scatter_aggregate_backward",
    "message_passing_forward", "message_passing_backward",
    "AGGREGATIONS",
]

AGGREGATIONS = GRAPH_AGGREGATIONS


def gcn_normalized_adjacency(adj, *, add_self_loops=True):
    """``D^-1/2 (A + I) D^-1/2`` for a symmetric, non-negative adjacency ``adj`` (V, V) (bool or float).

    Its eigenvalues lie in (-1, 1], so stacking layers does not blow features up.
    """
    check_adjacency(adj, add_self_loops, "gcn_normalized_adjacency")
    a = adj.astype(np.float64)  # (V, V)
    if add_self_loops:
        a = a + np.eye(a.shape[0])
    deg = a.sum(axis=1)  # (V,)
    inv_sqrt = np.where(deg > 0, 1.0 / np.sqrt(np.where(deg > 0, deg, 1.0)), 0.0)  # isolated nodes: 0
    return inv_sqrt[:, None] * a * inv_sqrt[None, :]


def graph_conv_forward(x, adj, w, b, *, add_self_loops=True):
    """GCN ``Â x W^T + b``: x (..., V, F_in), adj (V, V), w (F_out, F_in), b (F_out,) -> (..., V, F_out).

    ``adj`` is treated as a constant (no gradient). Returns ``(out, cache)``.
    """
    check_graph_conv_args(x, adj, w, b, add_self_loops, "graph_conv_forward")
    a_hat = gcn_normalized_adjacency(adj, add_self_loops=add_self_loops)  # (V, V)
    # transform, then propagate (cheaper when F_out < F_in); the bias is added after propagation
    xw, c_affine = affine_forward(x, w, np.zeros(w.shape[0]))  # (..., V, F_out)
    out = a_hat @ xw + b
    return out, (a_hat, c_affine)


def graph_conv_backward(dout, cache):
    """Gradients ``(dx, dw, db)``; the bias gradient sums over nodes and batch."""
    a_hat, c_affine = cache
    d_xw = a_hat.T @ dout  # (..., V, F_out)
    dx, dw, _ = affine_backward(d_xw, c_affine)
    return dx, dw, dout.reshape(-1, dout.shape[-1]).sum(axis=0)


def scatter_aggregate_forward(messages, index, *, num_nodes, aggr="sum"):
    """Aggregate edge messages (E, F) at their target nodes ``index`` (E,): -> (num_nodes, F).

    ``aggr`` is "sum", "mean" or "max"; nodes that receive nothing get 0. This is the "edge to node"
    step of message passing: an order-invariant function of a variable number of messages.
    """
    v = check_scatter_args(messages, index, num_nodes, aggr, "scatter_aggregate_forward")  # v = num_nodes
    count = np.bincount(index, minlength=v).astype(np.float64)  # (V,) messages per node
    if aggr == "max":
        out = np.full((v, messages.shape[1]), -np.inf)
        np.maximum.at(out, index, messages)
        out[count == 0] = 0.0
        winners = messages == out[index]  # (E, F); ties share the gradient equally, as torch.amax
        n_winners = np.zeros_like(out)
        np.add.at(n_winners, index, winners.astype(np.float64))
        return out, (aggr, index, winners / n_winners[index])
    out = np.zeros((v, messages.shape[1]))
    np.add.at(out, index, messages)
    if aggr == "mean":
        out /= np.maximum(count, 1.0)[:, None]
    return out, (aggr, index, count)


def scatter_aggregate_backward(dout, cache):
    """Gradient ``(dmessages,)``: sum copies dout to every message, mean divides by the count, max routes it
    to the largest message(s)."""
    aggr, index, aux = cache
    if aggr == "max":
        return (dout[index] * aux,)
    if aggr == "mean":
        return (dout[index] / np.maximum(aux, 1.0)[index, None],)
    return (dout[index],)


def message_passing_forward(x, edge_index, w_self, w_neigh, b, *, aggr="sum"):
    """``out_i = W_self x_i + AGG_{j -> i} W_neigh x_j + b``.

    Shapes: x (V, F_in), edge_index (2, E) int (sources, targets), w_self and w_neigh (F_out, F_in),
    b (F_out,) -> out (V, F_out). Returns ``(out, cache)``.
    """
    check_message_passing_args(x, edge_index, w_self, w_neigh, b, "message_passing_forward")
    src, dst = edge_index
    self_part, c_self = affine_forward(x, w_self, b)  # (V, F_out)
    msgs, c_msg = affine_forward(x[src], w_neigh, np.zeros(w_neigh.shape[0]))  # (E, F_out): node -> edge
    agg, c_agg = scatter_aggregate_forward(msgs, dst, num_nodes=x.shape[0], aggr=aggr)  # edge -> node
    return self_part + agg, (c_self, c_msg, c_agg, src, x.shape)


def message_passing_backward(dout, cache):
    """Gradients ``(dx, dw_self, dw_neigh, db)``."""
    c_self, c_msg, c_agg, src, x_shape = cache
    dx, dw_self, db = affine_backward(dout, c_self)
    (d_msgs,) = scatter_aggregate_backward(dout, c_agg)
    d_xsrc, dw_neigh, _ = affine_backward(d_msgs, c_msg)
    dx = dx.copy()
    np.add.at(dx, src, d_xsrc)  # a node that sends several messages collects all their gradients
    return dx, dw_self, dw_neigh, db
