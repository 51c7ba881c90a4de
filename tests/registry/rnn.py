"""Recurrent networks (chapter 11): vanilla RNN, LSTM, GRU, stacked and bidirectional layers.

The built-ins are ``torch.nn.RNNCell/GRUCell/RNN/LSTM/GRU`` run with OUR tensors as their parameters
(``torch.func.functional_call``), so gradients reach the copied weights. Our weight layout and gate orders
are PyTorch's ((i, f, g, o) for the LSTM, (r, z, n) for the GRU), so no conversion is needed except packing
the LSTM state: ours is one array (..., 2, N, H), PyTorch's a tuple (h0, c0).
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st
from torch.func import functional_call

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase

_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


@st.composite
def _recurrent_inputs(draw, *, mode, step=False, packed=False, num_layers=1, bidirectional=False, hp=None):
    """(x, state, weights...) with tiny random shapes; state is h (or h0), LSTM layers get h0 and c0."""
    seed = draw(st.integers(0, 2**32 - 1))
    small = 2 if packed else 3  # stacks have many parameters: keep finite differences cheap
    T, N = draw(st.integers(1, small + 1)), draw(st.integers(1, 3))
    D, H = draw(st.integers(1, small)), draw(st.integers(1, small))
    rng = np.random.default_rng(seed)
    dirs = 2 if bidirectional else 1
    g = _GATES[mode]
    x = rng.standard_normal((N, D) if step else (T, N, D))
    if packed:  # multilayer_rnn: one state array (L*D, N, H), for the LSTM (L*D, 2, N, H)
        states = (
            rng.standard_normal(
                (num_layers * dirs, 2, N, H) if mode == "lstm" else (num_layers * dirs, N, H)
            ),
        )
    else:  # a cell or a single layer: h (and c) of shape (N, H)
        states = tuple(rng.standard_normal((N, H)) for _ in range(2 if mode == "lstm" else 1))
    weights = []
    for layer in range(num_layers):
        d_in = D if layer == 0 else dirs * H
        for _ in range(dirs):
            weights += [
                rng.normal(0, 0.7, (g * H, d_in)),
                rng.normal(0, 0.7, (g * H, H)),
                rng.normal(0, 0.3, g * H),
                rng.normal(0, 0.3, g * H),
            ]
    return (x, *states, *weights), dict(hp or {})


def _names(num_layers, bidirectional):
    suffixes = [
        f"_l{layer}{'_reverse' if d else ''}"
        for layer in range(num_layers)
        for d in range(2 if bidirectional else 1)
    ]
    return [f"{p}{s}" for s in suffixes for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def _builtin_cell(cls):
    def run(x, h, *w, **hp):
        cell = cls(x.shape[1], h.shape[1], **hp).to(x.device, x.dtype)
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return functional_call(cell, dict(zip(names, w, strict=True)), (x, h), strict=True)

    return run


def _builtin_lstm_cell(x, h, c, *w):
    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1]).to(x.device, x.dtype)
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return functional_call(
        cell, dict(zip(names, w, strict=True)), (x, (h, c)), strict=True
    )  # (h_next, c_next)


def _builtin_layer(mode, *, packed=False):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(mode, torch.nn.RNN)

    def run(x, *rest, **hp):
        hp = dict(hp)
        bidirectional = hp.pop("bidirectional", False)
        hp.pop("mode", None)
        if mode.startswith("rnn_"):
            hp.setdefault("nonlinearity", mode.removeprefix("rnn_"))
        if not packed:  # a single layer: states are (N, H); PyTorch wants (1, N, H)
            states = [s.unsqueeze(0) for s in rest[: 2 if mode == "lstm" else 1]]
            weights = rest[len(states) :]
        else:  # ours (L*D, [2,] N, H); PyTorch's LSTM wants the tuple (h0, c0)
            states = [rest[0][:, 0], rest[0][:, 1]] if mode == "lstm" else [rest[0]]
            weights = rest[1:]
        dirs = 2 if bidirectional else 1
        num_layers = len(weights) // (4 * dirs)
        module = cls(
            x.shape[2], states[0].shape[-1], num_layers=num_layers, bidirectional=bidirectional, **hp
        ).to(x.device, x.dtype)
        # cuDNN's RNNs want contiguous states; ours[:, 0] and ours[:, 1] are strided views
        state = tuple(s.contiguous() for s in states) if mode == "lstm" else states[0].contiguous()
        params = dict(zip(_names(num_layers, bidirectional), weights, strict=True))
        return functional_call(module, params, (x, state), strict=True)[0]

    return run


def _multilayer_case(mode, num_layers, bidirectional, label):
    hp = {"mode": mode, "bidirectional": bidirectional}
    return ParityCase(
        hn.multilayer_rnn_forward,
        hn.multilayer_rnn_backward,
        ht.multilayer_rnn,
        _recurrent_inputs(mode=mode, packed=True, num_layers=num_layers, bidirectional=bidirectional, hp=hp),
        builtin=_builtin_layer(mode, packed=True),
        label=label,
    )


CASES = [
    ParityCase(
        hn.rnn_cell_forward,
        hn.rnn_cell_backward,
        ht.rnn_cell,
        _recurrent_inputs(mode="rnn_tanh", step=True, hp={"nonlinearity": "tanh"}),
        builtin=_builtin_cell(torch.nn.RNNCell),
        label="tanh",
    ),
    ParityCase(
        hn.rnn_cell_forward,
        hn.rnn_cell_backward,
        ht.rnn_cell,
        _recurrent_inputs(mode="rnn_relu", step=True, hp={"nonlinearity": "relu"}),
        builtin=_builtin_cell(torch.nn.RNNCell),
        label="relu",
        finite_differences=False,
        notes="relu has a kink at 0; the tanh case and tests/test_rnn.py cover finite differences",
    ),
    ParityCase(
        hn.lstm_cell_forward,
        hn.lstm_cell_backward,
        ht.lstm_cell,  # two outputs: (h_next, c_next)
        _recurrent_inputs(mode="lstm", step=True),
        builtin=_builtin_lstm_cell,
    ),
    ParityCase(
        hn.gru_cell_forward,
        hn.gru_cell_backward,
        ht.gru_cell,
        _recurrent_inputs(mode="gru", step=True),
        builtin=_builtin_cell(torch.nn.GRUCell),
    ),
    ParityCase(
        hn.rnn_layer_forward,
        hn.rnn_layer_backward,
        ht.rnn_layer,
        _recurrent_inputs(mode="rnn_tanh", hp={"nonlinearity": "tanh"}),
        builtin=_builtin_layer("rnn_tanh"),
    ),
    ParityCase(
        hn.lstm_layer_forward,
        hn.lstm_layer_backward,
        ht.lstm_layer,
        _recurrent_inputs(mode="lstm"),
        builtin=_builtin_layer("lstm"),
    ),
    ParityCase(
        hn.gru_layer_forward,
        hn.gru_layer_backward,
        ht.gru_layer,
        _recurrent_inputs(mode="gru"),
        builtin=_builtin_layer("gru"),
    ),
    _multilayer_case("rnn_tanh", 1, True, "bidirectional-rnn_tanh"),
    _multilayer_case("lstm", 2, False, "2layers-lstm"),
    _multilayer_case("gru", 2, True, "2layers-bidirectional-gru"),
    _multilayer_case("lstm", 1, True, "bidirectional-lstm"),
]

EXEMPT = {
    "clip_grad_norm": "not a forward/backward pair; tests/test_rnn.py compares it with clip_grad_norm_",
    "clip_grad_value": "not a forward/backward pair; tests/test_rnn.py compares it with clip_grad_value_",
    "RNN_MODES": "a constant (the mode names of multilayer_rnn)",
}
