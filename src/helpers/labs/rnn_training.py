"""Small recurrent models for chapter 11, built on the torch twins of :mod:`helpers.torch_impl`
(``rnn_cell``, ``lstm_cell``, ``gru_cell``): a memory task (the adding problem) and a character-level
language model with temperature sampling. Everything takes an explicit ``torch.Generator`` (a CPU generator:
weights, batches and samples are drawn on the CPU, then moved), and the trainers take ``device=``.

Reference for the adding problem: Hochreiter & Schmidhuber (1997), experiment 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..core._device import resolve_device
from ..torch_impl import clip_grad_norm, gru_cell, lstm_cell, rnn_cell

__all__ = [
    "adding_problem",
    "RecurrentNet",
    "TrainConfig",
    "train_adding",
    "train_char_lm",
    "char_lm_loss",
    "sample_text",
    "lstm_gate_trace",
    "plot_gate_trace",
]

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def adding_problem(batch_size: int, steps: int, generator: torch.Generator):
    """The adding problem: x (T, N, 2) holds random values in [0, 1) and a 0/1 marker; exactly two steps are
    marked, one in each half of the sequence; the target (N, 1) is the sum of the two marked values.
    Predicting the mean (1.0) gives MSE 1/6 ~ 0.167: a model must beat that to have used its memory."""
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(
            f"The 'steps' argument of adding_problem must be an int >= 2. Got {steps!r} instead."
        )
    values = torch.rand(steps, batch_size, generator=generator)
    first = torch.randint(0, steps // 2, (batch_size,), generator=generator)
    second = torch.randint(steps // 2, steps, (batch_size,), generator=generator)
    markers = torch.zeros(steps, batch_size)
    cols = torch.arange(batch_size)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    x = torch.stack([values, markers], dim=2)  # (T, N, 2)
    return x, (values * markers).sum(0, keepdim=True).T  # (N, 1)


class RecurrentNet(torch.nn.Module):
    """One recurrent layer (``cell`` = "rnn", "lstm" or "gru") and a linear read-out at every step.

    Parameters use PyTorch's names and shapes (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``; gates
    stacked i, f, g, o or r, z, n) and PyTorch's initialisation U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(
        self, cell: str, input_size: int, hidden_size: int, output_size: int, generator: torch.Generator
    ):
        super().__init__()
        if cell not in _GATES:
            raise ValueError(
                f"The 'cell' argument of RecurrentNet must be one of {tuple(_GATES)}. Got {cell!r} instead."
            )
        self.cell, self.hidden_size = cell, hidden_size
        g, k = _GATES[cell], 1.0 / math.sqrt(hidden_size)

        def uniform(*shape):
            return torch.nn.Parameter((torch.rand(*shape, generator=generator) * 2 - 1) * k)

        self.weight_ih, self.weight_hh = (
            uniform(g * hidden_size, input_size),
            uniform(g * hidden_size, hidden_size),
        )
        self.bias_ih, self.bias_hh = uniform(g * hidden_size), uniform(g * hidden_size)
        self.w_out, self.b_out = uniform(output_size, hidden_size), uniform(output_size)

    def initial_state(self, batch_size: int):
        h = self.w_out.new_zeros(batch_size, self.hidden_size)
        return (h, h.clone()) if self.cell == "lstm" else h

    def forward(self, x, state=None):
        """x (T, N, D) -> (outputs (T, N, output_size), final state); the state is h or (h, c)."""
        state = self.initial_state(x.shape[1]) if state is None else state
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        hs = []
        for x_t in x:  # (N, D)
            if self.cell == "lstm":
                state = lstm_cell(x_t, *state, *w)
                hs.append(state[0])
            else:
                state = rnn_cell(x_t, state, *w) if self.cell == "rnn" else gru_cell(x_t, state, *w)
                hs.append(state)
        return torch.stack(hs) @ self.w_out.T + self.b_out, state  # (T, N, output_size)


@dataclass
class TrainConfig:
    steps: int = 300
    batch_size: int = 32
    lr: float = 1e-2
    max_norm: float = 1.0  # gradient clipping by norm, applied to all parameters together


def _step(model, optimizer, loss, max_norm):
    optimizer.zero_grad()
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    clipped, _ = clip_grad_norm([p.grad for p in params], max_norm=max_norm)
    for p, g in zip(params, clipped, strict=True):
        p.grad = g
    optimizer.step()


def train_adding(
    cell: str, seq_len: int, config: TrainConfig, generator: torch.Generator, hidden_size: int = 16, *,
    device=None,
):
    """Train a :class:`RecurrentNet` on the adding problem on ``device`` (default: the CPU); returns
    ``(model, losses)`` (MSE per step)."""
    dev = resolve_device(device)
    model = RecurrentNet(cell, 2, hidden_size, 1, generator).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        x, y = adding_problem(config.batch_size, seq_len, generator)
        x, y = x.to(dev), y.to(dev)
        out, _ = model(x)
        loss = torch.mean((out[-1] - y) ** 2)  # only the last step's output is read
        _step(model, optimizer, loss, config.max_norm)
        losses.append(loss.item())
    return model, losses


def train_char_lm(
    ids: torch.Tensor,
    vocab_size: int,
    cell: str,
    config: TrainConfig,
    generator: torch.Generator,
    seq_len: int = 32,
    hidden_size: int = 64,
    *,
    device=None,
):
    """Next-character prediction on windows of ``ids`` on ``device`` (default: the device of ``ids``); returns
    ``(model, losses)`` (nats per char)."""
    dev = resolve_device(device, ids)
    ids = ids.to(dev)
    model = RecurrentNet(cell, vocab_size, hidden_size, vocab_size, generator).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    eye, losses = torch.eye(vocab_size, device=dev), []
    for _ in range(config.steps):
        starts = torch.randint(0, len(ids) - seq_len - 1, (config.batch_size,), generator=generator)
        idx = (starts[None, :] + torch.arange(seq_len)[:, None]).to(dev)  # (T, N)
        logits, _ = model(eye[ids[idx]])  # one-hot inputs (T, N, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab_size), ids[idx + 1].reshape(-1))
        _step(model, optimizer, loss, config.max_norm)
        losses.append(loss.item())
    return model, losses


@torch.no_grad()
def sample_text(
    model: RecurrentNet, vocab, prompt: str, length: int, temperature: float, generator: torch.Generator
) -> str:
    """Feed ``prompt``, then draw ``length`` characters from softmax(logits / temperature), one at a time
    (on the model's device; the draws on the ``generator``'s device)."""
    if not temperature > 0:
        raise ValueError(
            f"The 'temperature' argument of sample_text must be > 0. Got {temperature!r} instead."
        )
    eye = torch.eye(len(vocab), device=model.w_out.device)
    logits, state = model(eye[torch.as_tensor(vocab.encode(prompt)).to(eye.device)][:, None])  # (T, 1, V)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[-1, 0] / temperature, dim=0)
        nxt = int(torch.multinomial(probs.to(generator.device), 1, generator=generator))
        out.append(nxt)
        logits, state = model(eye[nxt][None, None], state)
    return prompt + vocab.decode(out)


@torch.no_grad()
def char_lm_loss(model: RecurrentNet, ids: torch.Tensor) -> float:
    """Mean cross-entropy (nats per character) of predicting ``ids[1:]`` from ``ids[:-1]`` in one pass (on the
    model's device)."""
    ids = ids.to(model.w_out.device)
    eye = torch.eye(model.w_out.shape[0], device=ids.device)
    logits, _ = model(eye[ids[:-1]][:, None])  # (T, 1, V)
    return float(torch.nn.functional.cross_entropy(logits[:, 0], ids[1:]))


def lstm_gate_trace(model: RecurrentNet, x) -> dict:
    """Run the NumPy reference LSTM cell with ``model``'s weights over one sequence x (T, D).

    Returns arrays (T, H) for the gates ``i``, ``f``, ``o``, the candidate ``g``, the cell state ``c`` and
    the hidden state ``h``, plus the read-out ``y`` (T,).
    """
    import numpy as np

    from ..numpy_impl import lstm_cell_forward

    if model.cell != "lstm":
        raise ValueError(f"lstm_gate_trace needs an LSTM model. Got cell={model.cell!r} instead.")
    w = [
        p.detach().double().cpu().numpy()
        for p in (model.weight_ih, model.weight_hh, model.bias_ih, model.bias_hh)
    ]
    x = np.asarray(x, dtype=np.float64)
    h = c = np.zeros((1, model.hidden_size))
    trace = {k: [] for k in ("i", "f", "g", "o", "c", "h")}
    for x_t in x:
        (h, c), cache = lstm_cell_forward(x_t[None], h, c, *w)
        for k, v in zip("ifgo", cache[5:9], strict=True):  # the cache holds the gates i, f, g, o
            trace[k].append(v[0])
        trace["c"].append(c[0])
        trace["h"].append(h[0])
    out = {k: np.array(v) for k, v in trace.items()}  # each (T, H)
    w_out, b_out = (p.detach().double().cpu().numpy() for p in (model.w_out, model.b_out))
    out["y"] = (out["h"] @ w_out.T + b_out)[:, 0]
    return out


def plot_gate_trace(x, trace: dict, units, *, title: str = ""):
    """A matplotlib figure: the input sequence on top, then heat maps of i, f, o and c for ``units``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        5, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [1.2, 1, 1, 1, 1]}
    )
    steps = range(len(x))
    axes[0].bar(steps, x[:, 0], color=["#d62728" if m else "#bbbbbb" for m in x[:, 1]])
    axes[0].set_ylabel("input")
    axes[0].set_title(title or "input values (red: marked)")
    for ax, (key, label, cmap, lim) in zip(
        axes[1:],
        [
            ("i", "input gate i", "Greens", (0, 1)),
            ("f", "forget gate f", "Blues", (0, 1)),
            ("o", "output gate o", "Purples", (0, 1)),
            ("c", "cell state c", "RdBu_r", None),
        ],
        strict=True,
    ):
        data = trace[key][:, units].T  # (units, T)
        vmax = float(abs(data).max()) or 1.0
        vmin, vmax = lim if lim else (-vmax, vmax)
        im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        ax.set_yticks(range(len(units)), [f"unit {u}" for u in units], fontsize=7)
        fig.colorbar(im, ax=ax, pad=0.01)
    axes[-1].set_xlabel("time step")
    fig.tight_layout()
    return fig
