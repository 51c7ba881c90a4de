"""Gated recurrent unit (GRU) in NumPy: cell, layer, and backprop through time by hand.

One step, with the three blocks stacked in PyTorch's order (r, z, n) along the rows of ``w_ih`` (3H, D)
and ``w_hh`` (3H, H):

    r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)            reset gate
    z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)            update gate
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))         candidate
    h_next = (1 - z) * n + z * h

Two details follow ``torch.nn.GRU`` (and cuDNN) rather than the original paper: the reset gate multiplies
``h W_hn^T + b_hn`` (Cho et al. apply it to h before the matrix product), and z weights the OLD state
(some texts swap z and 1 - z). Both variants train equally well; ours matches PyTorch so weights copy over.

Reference: Cho et al., "Learning phrase representations using RNN encoder-decoder" (2014).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_rnn_sequence, check_rnn_step
from .rnn import _sigmoid, bptt

__all__ = ["gru_cell_forward", "gru_cell_backward", "gru_layer_forward", "gru_layer_backward"]


def gru_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh):
    """One GRU step. Shapes: x (N, D), h (N, H), w_ih (3H, D), w_hh (3H, H), biases (3H,) -> h_next (N, H)."""
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "gru_cell_forward", gates=3)
    gi = x @ w_ih.T + b_ih  # (N, 3H): input contributions to r, z, n
    gh = h @ w_hh.T + b_hh  # (N, 3H): hidden contributions; kept apart because r scales only gh's n block
    xr, xz, xn = np.split(gi, 3, axis=1)
    hr, hz, hn = np.split(gh, 3, axis=1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    h_next = (1.0 - z) * n + z * h
    return h_next, (x, h, w_ih, w_hh, r, z, n, hn)


def gru_cell_backward(dh_next, cache):
    """Gradients of one step: ``(dx, dh, dw_ih, dw_hh, db_ih, db_hh)``."""
    x, h, w_ih, w_hh, r, z, n, hn = cache
    dn = dh_next * (1.0 - z)
    dz = dh_next * (h - n)
    dan = dn * (1.0 - n**2)  # through tanh
    dr = dan * hn
    dar, daz = dr * r * (1.0 - r), dz * z * (1.0 - z)  # through the sigmoids
    dgi = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H)
    dgh = np.concatenate([dar, daz, dan * r], axis=1)  # (N, 3H): the n block is scaled by r
    dh = dh_next * z + dgh @ w_hh
    return dgi @ w_ih, dh, dgi.T @ x, dgh.T @ h, dgi.sum(axis=0), dgh.sum(axis=0)


def gru_layer_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    """Unroll the GRU cell over x (T, N, D) from h0 (N, H). Returns ``(out, cache)`` with out (T, N, H)."""
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "gru_layer_forward", gates=3)
    h, outs, caches = h0, [], []
    for x_t in x:  # (N, D)
        h, cache = gru_cell_forward(x_t, h, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
        caches.append(cache)
    return np.stack(outs), caches  # (T, N, H)


def gru_layer_backward(dout, cache):
    """BPTT: ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)`` for dout (T, N, H)."""
    return bptt(gru_cell_backward, dout, cache)
