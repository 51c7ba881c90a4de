"""Graph neural network layers in PyTorch: twins of :mod:`helpers.numpy_impl.graph`.

Graph convolution ``Â x W^T + b`` with ``Â = D^-1/2 (A + I) D^-1/2``, and message passing
``out_i = W_self x_i + AGG_{j -> i} W_neigh x_j + b`` with sum/mean/max aggregation. The aggregation is
written with a dense (V, E) incidence matrix, which is clear and fast enough for the small graphs of the
book (large graphs use sparse scatter operations instead). Device- and dtype-agnostic.
"""

from __future__ import annotations

import torch

from ..core._validation import check_array, check_choice, check_int
from .layers import affine

__all__ = ["gcn_normalized_adjacency", "graph_conv", "scatter_aggregate", "message_passing", "AGGREGATIONS"]

AGGREGATIONS = ("sum", "mean", "max")


def gcn_normalized_adjacency(adj, *, add_self_loops=True):
    """``D^-1/2 (A + I) D^-1/2`` for a symmetric, non-negative adjacency ``adj`` (V, V) (bool or float)."""
    func = "gcn_normalized_adjacency"
    check_array(adj, "adj", func, tensor=True, kind="bool_or_float", ndim=2)
    if adj.shape[0] != adj.shape[1]:
        raise ValueError(f"The 'adj' argument of {func} must be a square (V, V) matrix. Got shape "
                         f"{tuple(adj.shape)} instead.")
    a = adj.to(torch.get_default_dtype()) if adj.dtype == torch.bool else adj
    if not torch.isfinite(a).all() or (a < 0).any() or not torch.equal(a, a.T):
        raise ValueError(f"The 'adj' argument of {func} must be symmetric with finite entries >= 0 (an "
                         "undirected graph). Got a matrix that is not instead.")
    if not isinstance(add_self_loops, bool):
        raise TypeError(f"The 'add_self_loops' argument of {func} must be a bool. Got {add_self_loops!r} "
                        "instead.")
    if add_self_loops:
        a = a + torch.eye(a.shape[0], dtype=a.dtype, device=a.device)
    deg = a.sum(dim=1)  # (V,)
    inv_sqrt = torch.where(deg > 0, deg.clamp(min=1e-300).rsqrt(), torch.zeros_like(deg))  # isolated nodes: 0
    return inv_sqrt[:, None] * a * inv_sqrt[None, :]


def graph_conv(x, adj, w, b, *, add_self_loops=True):
    """GCN ``Â x W^T + b``: x (..., V, F_in), adj (V, V), w (F_out, F_in), b (F_out,) -> (..., V, F_out)."""
    func = "graph_conv"
    check_array(x, "x", func, tensor=True, min_ndim=2)
    check_array(adj, "adj", func, tensor=True, kind="bool_or_float")
    # normalise in x's precision (a bool adjacency would otherwise be normalised in the default dtype)
    a_hat = gcn_normalized_adjacency(adj.to(x.dtype) if adj.dtype == torch.bool else adj,
                                     add_self_loops=add_self_loops)
    if a_hat.shape[0] != x.shape[-2]:
        raise ValueError(f"The 'adj' argument of {func} must have shape ({x.shape[-2]}, {x.shape[-2]}) to "
                         f"match the {x.shape[-2]} nodes of x (..., V, F_in). Got shape {tuple(adj.shape)} "
                         "instead.")
    check_array(w, "w", func, tensor=True, ndim=2)
    check_array(b, "b", func, tensor=True, ndim=1)
    if tuple(b.shape) != (w.shape[0],):
        raise ValueError(f"The 'b' argument of {func} must have shape ({w.shape[0]},). Got shape "
                         f"{tuple(b.shape)} instead.")
    return a_hat.to(x.dtype) @ (x @ w.T) + b


def _check_index(index, num_nodes, name, func):
    check_array(index, name, func, tensor=True, kind="int")
    if index.numel() and (index.min() < 0 or index.max() >= num_nodes):
        raise ValueError(f"The {name!r} argument of {func} must hold node ids in [0, {num_nodes - 1}]. Got "
                         f"values in [{int(index.min())}, {int(index.max())}] instead.")


def scatter_aggregate(messages, index, *, num_nodes, aggr="sum"):
    """Sum, mean or max of messages (E, F) at their targets ``index`` (E,) -> (V, F); empty nodes get 0."""
    func = "scatter_aggregate"
    check_array(messages, "messages", func, tensor=True, ndim=2)
    check_array(index, "index", func, tensor=True, kind="int", ndim=1)
    if index.shape[0] != messages.shape[0]:
        raise ValueError(f"The 'index' argument of {func} must have shape ({messages.shape[0]},), one target "
                         f"per message. Got shape {tuple(index.shape)} instead.")
    v = check_int(num_nodes, "num_nodes", func, low=1)
    _check_index(index, v, "index", func)
    check_choice(aggr, "aggr", func, AGGREGATIONS)
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
    func = "message_passing"
    check_array(x, "x", func, tensor=True, ndim=2)
    check_array(edge_index, "edge_index", func, tensor=True, kind="int", ndim=2)
    if edge_index.shape[0] != 2:
        raise ValueError(f"The 'edge_index' argument of {func} must have shape (2, E): sources and targets. "
                         f"Got shape {tuple(edge_index.shape)} instead.")
    _check_index(edge_index, x.shape[0], "edge_index", func)
    check_array(w_self, "w_self", func, tensor=True, ndim=2)
    check_array(w_neigh, "w_neigh", func, tensor=True, ndim=2)
    if w_neigh.shape != w_self.shape:
        raise ValueError(f"The 'w_neigh' argument of {func} must have the shape of w_self, "
                         f"{tuple(w_self.shape)}. Got shape {tuple(w_neigh.shape)} instead.")
    check_array(b, "b", func, tensor=True, ndim=1)
    if tuple(b.shape) != (w_self.shape[0],):
        raise ValueError(f"The 'b' argument of {func} must have shape ({w_self.shape[0]},). "
                         f"Got shape {tuple(b.shape)} instead.")
    src, dst = edge_index
    msgs = x[src] @ w_neigh.T  # (E, F_out): node -> edge
    # edge -> node
    return affine(x, w_self, b) + scatter_aggregate(msgs, dst, num_nodes=x.shape[0], aggr=aggr)
