"""Stacked and bidirectional recurrent layers in PyTorch: the twin of :mod:`helpers.numpy_impl.deep_rnn`.

Layout as in ``torch.nn.RNN/LSTM/GRU``: state0 (L*D, N, H), for the LSTM (L*D, 2, N, H) with h0 then c0;
four weights ``w_ih, w_hh, b_ih, b_hh`` per (layer, direction): layer 0, layer 0 reverse, layer 1, ...
"""

from __future__ import annotations

import torch

from .gru import gru_layer
from .lstm import lstm_layer
from .rnn import _check_shape, _check_tensor, rnn_layer

__all__ = ["multilayer_rnn", "RNN_MODES"]

RNN_MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")


def multilayer_rnn(x, state0, *weights, mode="rnn_tanh", bidirectional=False):
    """A stack of recurrent layers, optionally bidirectional: x (T, N, D_in) -> out (T, N, D*H)."""
    num_dirs, num_layers = _check(x, state0, weights, mode, bidirectional)
    inp = x
    for layer in range(num_layers):
        outs = []
        for d in range(num_dirs):
            k = layer * num_dirs + d
            seq = inp if d == 0 else inp.flip(0)  # the reverse direction reads time backwards
            out = _layer(mode, seq, state0[k], weights[4 * k : 4 * k + 4])
            outs.append(out if d == 0 else out.flip(0))  # flip back so out[t] belongs to step t
        inp = torch.cat(outs, dim=2)  # (T, N, D*H)
    return inp


def _layer(mode, seq, s0, w):
    if mode == "lstm":
        return lstm_layer(seq, s0[0], s0[1], *w)
    if mode == "gru":
        return gru_layer(seq, s0, *w)
    return rnn_layer(seq, s0, *w, nonlinearity=mode.removeprefix("rnn_"))


def _check(x, state0, weights, mode, bidirectional):
    fn = "multilayer_rnn"
    if mode not in RNN_MODES:
        raise ValueError(f"The 'mode' argument of {fn} must be one of {RNN_MODES}. Got {mode!r} instead.")
    if not isinstance(bidirectional, bool):
        raise TypeError(
            f"The 'bidirectional' argument of {fn} must be a bool. Got {bidirectional!r} instead."
        )
    num_dirs = 2 if bidirectional else 1
    if len(weights) == 0 or len(weights) % (4 * num_dirs):
        raise ValueError(
            f"The 'weights' of {fn} must be 4 arrays (w_ih, w_hh, b_ih, b_hh) per layer and "
            f"direction, i.e. a multiple of {4 * num_dirs}. Got {len(weights)} arrays instead."
        )
    num_layers = len(weights) // (4 * num_dirs)
    _check_tensor(fn, "x", x, 3, "(T, N, D)")
    lstm = mode == "lstm"
    _check_tensor(fn, "state0", state0, 4 if lstm else 3, "(L*D, 2, N, H)" if lstm else "(L*D, N, H)")
    hidden = state0.shape[-1]
    expected = (
        (num_layers * num_dirs, 2, x.shape[1], hidden)
        if lstm
        else (num_layers * num_dirs, x.shape[1], hidden)
    )
    _check_shape(fn, "state0", state0, expected)
    return num_dirs, num_layers
