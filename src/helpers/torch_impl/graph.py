"""Graph neural network layers in PyTorch: twins of :mod:`helpers.numpy_impl.graph`.

Graph convolution ``Â x W^T + b`` with ``Â = D^-1/2 (A + I) D^-1/2``, and message passing
``out_i = W_self x_i + AGG_{j -> i} W_neigh x_j + b`` with sum/mean/max aggregation. The aggregation is
written with a dense (V, E) incidence matrix, which is clear and fast enough for the small graphs of the
book (large graphs use sparse scatter operations instead). Device- and dtype-agnostic.
"""

from __future__ import annotations

import torch

from ..core._validation import (
    GRAPH_AGGREGATIONS,
    check_adjacency,
    check_graph_conv_args,
    check_message_passing_args,
    check_scatter_args,
)
from .layers import affine

__all__ = ["gcn_normalized_adjacency", "graph_conv", "scatter_aggregate", "message_passing", "AGGREGATIONS"]

AGGREGATIONS = GRAPH_AGGREGATIONS


def gcn_normalized_adjacency(adj, *, add_self_loops=True):
    """``D^-1/2 (A + I) D^-1/2`` for a symmetric, non-negative adjacency ``adj`` (V, V) (bool or float)."""
    check_adjacency(adj, add_self_loops, "gcn_normalized_adjacency", tensor=True)
    a = adj.to(torch.get_default_dtype()) if adj.dtype == torch.bool else adj
    if add_self_loops:
        a = a + torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
    deg = a.sum(dim=1)  # (V,)
    inv_sqrt = torch.where(deg > 0, deg.clamp(min=1e-300).rsqrt(), torch.zeros_like(deg))  # isolated nodes: 0
    return inv_sqrt[:, None] * a * inv_sqrt[None, :]


def graph_conv(x, adj, w, b, *, add_self_loops=True):
    """GCN ``Â x W^T + b``: x (..., V, F_in), adj (V, V), w (F_out, F_in), b (F_out,) -> (..., V, F_out)."""
    check_graph_conv_args(x, adj, w, b, add_self_loops, "graph_conv", tensor=True)
    # normalise in x's precision (a bool adjacency would otherwise be normalised in the default dtype)
    a_hat = gcn_normalized_adjacency(adj.to(x.dtype) if adj.dtype == torch.bool else adj,
                                     add_self_loops=add_self_loops)
    return a_hat.to(x.dtype) @ (x @ w.T) + b


def scatter_aggregate(messages, index, *, num_nodes, aggr="sum"):
    """Sum, mean or max of messages (E, F) at their targets ``index`` (E,) -> (V, F); empty nodes get 0."""
    v = check_scatter_args(messages, index, num_nodes, aggr, "scatter_aggregate", tensor=True)  # v = num_nodes
    nodes = torch.arange(v, device=index.device)
    incidence = nodes[:, None] == index[None, :]  # (V, E): True where message e goes to node i
    if aggr == "max":
        big = messages[None, :, :].masked_fill(~incidence[:, :, None], float("-inf"))  # (V, E, F)
        best = big.amax(dim=1) if messages.shape[0] else messages.new_zeros(v, messages.shape[1])
        return torch.where(incidence.any(dim=1, keepdim=True), best, torch.zeros_like(best))
    total = incidence.to(messages.dtype) @ messages  # (V, F)
    if aggr == "mean":
        total = total / incidence.sum(dim=1, keepdim=True).clamp(min=1).to(messages.dtype)
    return total


def message_passing(x, edge_index, w_self, w_neigh, b, *, aggr="sum"):
    """``out_i = W_self x_i + AGG_{j -> i} W_neigh x_j + b``: x (V, F_in), edge_index (2, E) -> (V, F_out)."""
    check_message_passing_args(x, edge_index, w_self, w_neigh, b, "message_passing", tensor=True)
    src, dst = edge_index
    msgs = x[src] @ w_neigh.T  # (E, F_out): node -> edge
    # edge -> node
    return affine(x, w_self, b) + scatter_aggregate(msgs, dst, num_nodes=x.shape[0], aggr=aggr)
