"""Stacked and bidirectional recurrent layers in PyTorch: the twin of :mod:`helpers.numpy_impl.deep_rnn`.

Layout as in ``torch.nn.RNN/LSTM/GRU``: state0 (L*D, N, H), for the LSTM (L*D, 2, N, H) with h0 then c0;
four weights ``w_ih, w_hh, b_ih, b_hh`` per (layer, direction): layer 0, layer 0 reverse, layer 1, ...
"""

from __future__ import annotations

import torch

from ..core._validation import RNN_MODES, check_multilayer_rnn_args
from .gru import gru_layer
from .lstm import lstm_layer
from .rnn import rnn_layer

__all__ = ["multilayer_rnn", "RNN_MODES"]


def multilayer_rnn(x, state0, *weights, mode="rnn_tanh", bidirectional=False):
    """A stack of recurrent layers, optionally bidirectional: x (T, N, D_in) -> out (T, N, D*H)."""
    num_dirs, num_layers = check_multilayer_rnn_args(x, state0, weights, mode, bidirectional, "multilayer_rnn",
                                                     tensor=True)
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
