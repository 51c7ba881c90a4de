"""GRU in PyTorch: the twin of :mod:`helpers.numpy_impl.gru` (order r, z, n and the reset gate applied to
``h W_hn^T + b_hn``, both as in ``torch.nn.GRU``). Built from tensor operations; autograd does the backward
pass.
"""

from __future__ import annotations

import torch

from ..core._validation import check_rnn_sequence, check_rnn_step

__all__ = ["gru_cell", "gru_layer"]


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """One step: x (N, D), h (N, H), w_ih (3H, D), w_hh (3H, H), biases (3H,) -> h_next (N, H)."""
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "gru_cell", gates=3, tensor=True)
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, dim=1)  # each (N, H)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh):
    """The GRU cell unrolled over x (T, N, D) from h0 (N, H) -> hidden states (T, N, H)."""
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "gru_layer", gates=3, tensor=True)
    h, outs = h0, []
    for x_t in x:  # (N, D)
        h = gru_cell(x_t, h, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
    return torch.stack(outs)  # (T, N, H)
