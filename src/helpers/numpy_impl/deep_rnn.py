"""Stacked and bidirectional recurrent layers in NumPy (what ``torch.nn.RNN/LSTM/GRU`` do with
``num_layers > 1`` and ``bidirectional=True``), built from the single layers of ``rnn``, ``lstm``, ``gru``.

* Stacking: the output sequence of layer l is the input sequence of layer l + 1.
* Bidirectional: a second layer with its own weights reads the sequence backwards; its outputs are flipped
  back and concatenated with the forward outputs along the features, ``[forward, reverse]``, so every
  time step sees the past and the future (Schuster & Paliwal, "Bidirectional recurrent neural networks",
  1997).

Arrays follow PyTorch's layout: ``state0`` is (L*D, N, H) (D = 2 if bidirectional else 1), for the LSTM
(L*D, 2, N, H) with ``state0[k, 0]`` = h0 and ``state0[k, 1]`` = c0; ``weights`` are four arrays
``w_ih, w_hh, b_ih, b_hh`` per (layer, direction) in the order layer 0, layer 0 reverse, layer 1, ...
"""

from __future__ import annotations

import numpy as np

from ..core._validation import RNN_MODES, check_multilayer_rnn_args
from .gru import gru_layer_backward, gru_layer_forward
from .lstm import lstm_layer_backward, lstm_layer_forward
from .rnn import rnn_layer_backward, rnn_layer_forward

__all__ = ["multilayer_rnn_forward", "multilayer_rnn_backward", "RNN_MODES"]


def multilayer_rnn_forward(x, state0, *weights, mode="rnn_tanh", bidirectional=False):
    """A stack of recurrent layers, optionally bidirectional. x (T, N, D_in) -> out (T, N, D*H)."""
    num_dirs, num_layers = check_multilayer_rnn_args(x, state0, weights, mode, bidirectional, "multilayer_rnn_forward")
    inp, caches = x, []
    for layer in range(num_layers):
        outs = []
        for d in range(num_dirs):
            k = layer * num_dirs + d
            seq = inp if d == 0 else inp[::-1]  # the reverse direction reads time backwards
            out, cache = _layer_forward(mode, seq, state0[k], weights[4 * k : 4 * k + 4])
            outs.append(out if d == 0 else out[::-1])  # flip back so out[t] belongs to step t
            caches.append(cache)
        inp = np.concatenate(outs, axis=2)  # (T, N, D*H)
    return inp, (caches, mode, num_dirs, num_layers, state0.shape)


def multilayer_rnn_backward(dout, cache):
    """Gradients ``(dx, dstate0, dw_ih_0, dw_hh_0, db_ih_0, db_hh_0, ...)`` in the order of the inputs."""
    caches, mode, num_dirs, num_layers, state_shape = cache
    dstate = np.zeros(state_shape)
    dweights: list[np.ndarray] = [None] * (4 * num_dirs * num_layers)
    dinp = dout
    for layer in reversed(range(num_layers)):
        parts = np.split(dinp, num_dirs, axis=2)  # each (T, N, H)
        dinp = 0.0
        for d in range(num_dirs):
            k = layer * num_dirs + d
            dseq = parts[d] if d == 0 else parts[d][::-1]
            grads = _layer_backward(mode, dseq, caches[k])
            dinp = dinp + (grads[0] if d == 0 else grads[0][::-1])  # both directions read the same input
            if mode == "lstm":
                dstate[k, 0], dstate[k, 1] = grads[1], grads[2]
            else:
                dstate[k] = grads[1]
            dweights[4 * k : 4 * k + 4] = grads[-4:]
    return (dinp, dstate, *dweights)


def _layer_forward(mode, seq, s0, w):
    if mode == "lstm":
        return lstm_layer_forward(seq, s0[0], s0[1], *w)
    if mode == "gru":
        return gru_layer_forward(seq, s0, *w)
    return rnn_layer_forward(seq, s0, *w, nonlinearity=mode.removeprefix("rnn_"))


def _layer_backward(mode, dseq, cache):
    if mode == "lstm":
        return lstm_layer_backward(dseq, cache)
    if mode == "gru":
        return gru_layer_backward(dseq, cache)
    return rnn_layer_backward(dseq, cache)
