"""LSTM in PyTorch: the twin of :mod:`helpers.numpy_impl.lstm` (gate order i, f, g, o as in torch.nn.LSTM).

Sigmoid for the three gates, tanh for the candidate g and for the cell state on its way to the output.
Built from tensor operations; autograd does the backward pass.
"""

from __future__ import annotations

import torch

from ..core._validation import check_rnn_sequence, check_rnn_step

__all__ = ["lstm_cell", "lstm_layer"]


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step: x (N, D), h and c (N, H), w_ih (4H, D), w_hh (4H, H), biases (4H,) -> (h_next, c_next)."""
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "lstm_cell", gates=4, c=c, tensor=True)
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, 4H)
    ai, af, ag, ao = a.chunk(4, dim=1)  # each (N, H), order i, f, g, o
    i, f, g, o = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag), torch.sigmoid(ao)
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """The LSTM cell unrolled over x (T, N, D) from (h0, c0) -> hidden states (T, N, H)."""
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "lstm_layer", gates=4, c0=c0, tensor=True)
    h, c, outs = h0, c0, []
    for x_t in x:  # (N, D)
        h, c = lstm_cell(x_t, h, c, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
    return torch.stack(outs)  # (T, N, H)
