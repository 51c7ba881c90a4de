"""Long short-term memory (LSTM) in NumPy: cell, layer, and backprop through time by hand.

One step, with the four gate blocks stacked in PyTorch's order (i, f, g, o) along the rows of
``w_ih`` (4H, D) and ``w_hh`` (4H, H):

    i = sigmoid(.)   input gate        f = sigmoid(.)   forget gate
    g = tanh(.)      candidate         o = sigmoid(.)   output gate
    c_next = f * c + i * g             h_next = o * tanh(c_next)

All three gates use the sigmoid (they are "how much" switches in (0, 1)); only the candidate g and the
squashing of the cell use tanh. (The I2DL summary writes the output gate with tanh, and another set of
slides the candidate with a sigmoid; both are slips.) No peephole connections, as in ``torch.nn.LSTM``.

References: Hochreiter & Schmidhuber, "Long short-term memory" (1997); Gers, Schmidhuber & Cummins,
"Learning to forget" (2000) for the forget gate.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_rnn_sequence, check_rnn_step
from .rnn import _sigmoid, bptt

__all__ = ["lstm_cell_forward", "lstm_cell_backward", "lstm_layer_forward", "lstm_layer_backward"]


def lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step. Shapes: x (N, D), h and c (N, H), w_ih (4H, D), w_hh (4H, H), biases (4H,).

    Returns ``((h_next, c_next), cache)``: the cell has two outputs, the hidden state (what the next
    layer sees) and the cell state (the memory).
    """
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "lstm_cell_forward", gates=4, c=c)
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, 4H) pre-activations of all four blocks
    ai, af, ag, ao = np.split(a, 4, axis=1)  # each (N, H), PyTorch's order i, f, g, o
    i, f, g, o = _sigmoid(ai), _sigmoid(af), np.tanh(ag), _sigmoid(ao)
    c_next = f * c + i * g
    tc = np.tanh(c_next)
    h_next = o * tc
    return (h_next, c_next), (x, h, c, w_ih, w_hh, i, f, g, o, tc)


def lstm_cell_backward(dout, cache):
    """``dout = (dh_next, dc_next)`` -> ``(dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh)``."""
    dh_next, dc_next = dout
    x, h, c, w_ih, w_hh, i, f, g, o, tc = cache
    do = dh_next * tc
    dc_total = dc_next + dh_next * o * (1.0 - tc**2)  # memory reached directly and through h_next
    di, df, dg = dc_total * g, dc_total * c, dc_total * i
    dc = dc_total * f  # the "highway": only a multiplication by the forget gate
    # through the activations: sigmoid' = s(1 - s), tanh' = 1 - t^2
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    db = da.sum(axis=0)
    return da @ w_ih, da @ w_hh, dc, da.T @ x, da.T @ h, db, db.copy()


def lstm_layer_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Unroll the LSTM cell over x (T, N, D) from (h0, c0) of shape (N, H).

    Returns ``(out, cache)`` with out (T, N, H) the hidden states (``out[-1]`` is PyTorch's ``h_n``). The
    final cell state is not returned: a loss on ``out`` does not need it; step with
    :func:`lstm_cell_forward` where the state must be carried on (e.g. when sampling text).
    """
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "lstm_layer_forward", gates=4, c0=c0)
    h, c, outs, caches = h0, c0, [], []
    for x_t in x:  # (N, D)
        (h, c), cache = lstm_cell_forward(x_t, h, c, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
        caches.append(cache)
    return np.stack(outs), caches  # (T, N, H)


def lstm_layer_backward(dout, cache):
    """BPTT: ``(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh)`` for dout (T, N, H)."""
    return bptt(lstm_cell_backward, dout, cache, n_states=2)  # the cell state's gradient flows back too
