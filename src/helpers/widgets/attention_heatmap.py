"""Attention heatmaps of a tiny Transformer trained to reverse short digit sequences.

The task: read ``L`` random digits and output them in reverse order, all positions at once (an encoder
only, no decoder). Output position i must copy input position ``L-1-i``, so a head that solves it shows
an anti-diagonal attention pattern: easy to recognise in a heatmap. Without positional encodings the
task is impossible (attention alone is permutation equivariant), which the chapter demonstrates.

Four layers, as every widget family of the book:

1. ``make_reversal_data``, ``TinyTransformer``, ``train_tiny_transformer``, ``compute_attention_maps``
   (torch, CPU, seeded and deterministic);
2. ``plot_attention_heatmap`` (one map as a plotly figure);
3. ``attention_explorer`` (dropdowns for layer and head, a slider for the example; needs a kernel);
4. ``static_attention_heatmap`` (a plotly slider over example x layer x head, for the HTML book).

The model is built from this book's own functions (``helpers.torch_impl.transformer_encoder_layer``),
pre-norm, with sinusoidal positional encodings added to learned token embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import helpers.torch_impl as ht
from helpers.core._device import resolve_device
from helpers.core._validation import _describe

__all__ = ["make_reversal_data", "TinyTransformer", "TransformerConfig", "train_tiny_transformer",
           "compute_attention_maps", "plot_attention_heatmap", "attention_explorer",
           "static_attention_heatmap"]


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of the tiny model and of its training run."""

    length: int = 6
    vocab: int = 10
    d_model: int = 32
    num_heads: int = 2
    num_layers: int = 2
    dim_feedforward: int = 64
    positional: bool = True  # False: no positional encodings (the model cannot know the order)
    steps: int = 200
    batch_size: int = 64
    lr: float = 3e-3


def make_reversal_data(n, *, length=6, vocab=10, generator):
    """``n`` random digit sequences (n, length) and their reversals, as int64 tensors."""
    if not isinstance(generator, torch.Generator):
        raise TypeError("The 'generator' argument of make_reversal_data must be a torch.Generator (no "
                        f"hidden randomness). Got {type(generator).__name__} instead.")
    tokens = torch.randint(0, vocab, (n, length), generator=generator)
    return tokens, tokens.flip(1)


def _init(shape, std, generator):
    return torch.nn.Parameter(torch.randn(shape, generator=generator) * std)


class TinyTransformer(torch.nn.Module):
    """Token embedding + positional encoding -> ``num_layers`` pre-norm encoder layers -> logits."""

    def __init__(self, config: TransformerConfig = TransformerConfig(), *, generator):
        super().__init__()
        c, g = config, generator
        self.config = c
        e, f = c.d_model, c.dim_feedforward
        self.embed = _init((c.vocab, e), 1.0, g)
        self.register_buffer("pe", ht.sinusoidal_positional_encoding(c.length, e) if c.positional
                             else torch.zeros(c.length, e))
        # per layer, the 12 tensors of nn.TransformerEncoderLayer in its state_dict order
        self.layers = torch.nn.ModuleList()
        for _ in range(c.num_layers):
            params = torch.nn.ParameterList([
                _init((3 * e, e), e ** -0.5, g), _init((3 * e,), 0.0, g),  # self_attn.in_proj weight, bias
                _init((e, e), e ** -0.5, g), _init((e,), 0.0, g),  # self_attn.out_proj
                _init((f, e), e ** -0.5, g), _init((f,), 0.0, g),  # linear1
                _init((e, f), f ** -0.5, g), _init((e,), 0.0, g),  # linear2
                torch.nn.Parameter(torch.ones(e)), _init((e,), 0.0, g),  # norm1
                torch.nn.Parameter(torch.ones(e)), _init((e,), 0.0, g)])  # norm2
            self.layers.append(params)
        self.norm_w, self.norm_b = torch.nn.Parameter(torch.ones(e)), _init((e,), 0.0, g)
        self.head_w, self.head_b = _init((c.vocab, e), e ** -0.5, g), _init((c.vocab,), 0.0, g)

    def _inputs(self, tokens):
        return self.embed[tokens] + self.pe[: tokens.shape[1]]  # (N, L, E)

    def forward(self, tokens):
        x = self._inputs(tokens)
        for params in self.layers:
            x = ht.transformer_encoder_layer(x, *params, num_heads=self.config.num_heads, norm_first=True)
        x = ht.layer_norm(x, self.norm_w, self.norm_b)  # pre-norm stacks end with a final norm
        return ht.affine(x, self.head_w, self.head_b)  # (N, L, vocab)

    @torch.no_grad()
    def attention_maps(self, tokens):
        """Attention weights of every layer and head: (num_layers, N, H, L, L)."""
        x, maps = self._inputs(tokens), []
        for params in self.layers:
            z = ht.layer_norm(x, params[8], params[9])  # pre-norm: attention sees LN1(x)
            maps.append(ht.multi_head_attention(z, z, z, *params[:4], num_heads=self.config.num_heads)[1])
            x = ht.transformer_encoder_layer(x, *params, num_heads=self.config.num_heads, norm_first=True)
        return torch.stack(maps)


def train_tiny_transformer(config: TransformerConfig = TransformerConfig(), *, seed=0, device=None):
    """Train a :class:`TinyTransformer` on reversal with Adam; returns ``(model, history)``.

    ``history`` holds the training loss per step and the per-position and whole-sequence accuracy on
    1000 held-out sequences. Deterministic for a given seed and thread count. Weights and data are drawn on the
    CPU, then moved to ``device`` (default: the CPU).
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError("The 'config' argument of train_tiny_transformer must be a TransformerConfig. Got "
                        f"{type(config).__name__} instead.")
    for name in ("length", "vocab", "d_model", "num_heads", "num_layers", "dim_feedforward", "steps",
                 "batch_size"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"The {name!r} field of train_tiny_transformer's config must be an int >= 1. "
                             f"Got {value!r} instead.")
    if config.d_model % config.num_heads or config.d_model % 2:
        raise ValueError("The 'd_model' field of train_tiny_transformer's config must be even and divisible "
                         f"by num_heads={config.num_heads}. Got {config.d_model} instead.")
    g = torch.Generator().manual_seed(seed)
    dev = resolve_device(device)
    model = TinyTransformer(config, generator=g).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        x, y = make_reversal_data(config.batch_size, length=config.length, vocab=config.vocab, generator=g)
        x, y = x.to(dev), y.to(dev)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, config.vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    x, y = make_reversal_data(1000, length=config.length, vocab=config.vocab, generator=g)
    x, y = x.to(dev), y.to(dev)
    with torch.no_grad():
        correct = model(x).argmax(-1) == y
    history = {"loss": np.array(losses), "token_accuracy": float(correct.double().mean()),
               "sequence_accuracy": float(correct.all(dim=1).double().mean())}
    return model.eval(), history


def compute_attention_maps(model, tokens):
    """``(maps, predictions)`` as NumPy: maps (num_layers, N, H, L, L), predictions (N, L) int."""
    c = model.config
    ok = isinstance(tokens, torch.Tensor) and tokens.dtype == torch.int64 and tokens.ndim == 2
    ok = ok and tokens.shape[1] == c.length and tokens.numel() > 0
    if not ok or tokens.min() < 0 or tokens.max() >= c.vocab:
        raise ValueError("The 'tokens' argument of compute_attention_maps must be an int64 tensor (N, "
                         f"{c.length}) of digits in [0, {c.vocab - 1}]. Got {_describe(tokens)} instead.")
    tokens = tokens.to(model.embed.device)
    with torch.no_grad():
        return (model.attention_maps(tokens).cpu().numpy().astype(np.float64),
                model(tokens).argmax(-1).cpu().numpy())


def _labels(tokens):
    return [f"{i}:{int(t)}" for i, t in enumerate(tokens)]


def _heatmap(weights, tokens, predicted, visible=True):
    import plotly.graph_objects as go

    return go.Heatmap(z=np.round(weights, 4), x=_labels(tokens), y=_labels(predicted), zmin=0.0, zmax=1.0,
                      colorscale="Blues", visible=visible, colorbar={"title": {"text": "weight"}},
                      hovertemplate="output %{y} attends to input %{x}: %{z:.3f}<extra></extra>")


def _layout(fig, title):
    fig.update_layout(title={"text": title, "font": {"size": 13}}, height=440, width=520,
                      xaxis={"title": "input position:digit (key)", "side": "bottom"},
                      yaxis={"title": "output position:prediction (query)", "autorange": "reversed"},
                      margin={"l": 60, "r": 20, "t": 60, "b": 50})
    return fig


def plot_attention_heatmap(weights, tokens, predicted, *, title="attention weights"):
    """Heatmap of one (L, L) attention map: rows are queries (output positions), columns keys (inputs)."""
    import plotly.graph_objects as go

    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or not np.all(np.isfinite(weights)):
        raise ValueError("The 'weights' argument of plot_attention_heatmap must be a finite 2-D array. Got "
                         f"shape {weights.shape} instead.")
    return _layout(go.Figure(_heatmap(weights, tokens, predicted)), title)


def _title(example, layer, head):
    return f"example {example + 1} · layer {layer + 1} · head {head + 1}"


def attention_explorer(model, tokens):
    """Dropdowns for layer and head and a slider over the examples ``tokens`` (N, L) (needs a kernel)."""
    import ipywidgets as widgets

    from .display import redraw, row, wire

    maps, predicted = compute_attention_maps(model, tokens)
    n_layers, n, n_heads = maps.shape[:3]
    layer = widgets.Dropdown(options=[(f"layer {i + 1}", i) for i in range(n_layers)], value=0,
                             description="layer")
    head = widgets.Dropdown(options=[(f"head {i + 1}", i) for i in range(n_heads)], value=0,
                            description="head")
    example = widgets.IntSlider(value=0, min=0, max=n - 1, description="example", continuous_update=False)
    out = widgets.Output()
    box = widgets.VBox([row(layer, head, example), out])

    def update(*_):
        e, la, h = example.value, layer.value, head.value
        fig = plot_attention_heatmap(maps[la, e, h], tokens[e].tolist(), predicted[e].tolist(),
                                     title=_title(e, la, h))
        redraw(out, fig, owner=box, result=(maps, predicted))

    return wire(box, dict(layer=layer, head=head, example=example), update)


def static_attention_heatmap(maps, tokens, predicted):
    """One figure with a slider over every (example, layer, head): works in the HTML book without a kernel.

    ``maps`` (num_layers, N, H, L, L) and ``predicted`` (N, L) as returned by :func:`compute_attention_maps`.
    """
    import plotly.graph_objects as go

    maps = np.asarray(maps, dtype=np.float64)
    n_layers, n, n_heads = maps.shape[:3]
    combos = [(e, la, h) for e in range(n) for la in range(n_layers) for h in range(n_heads)]
    fig = go.Figure([_heatmap(maps[la, e, h], np.asarray(tokens)[e], np.asarray(predicted)[e], visible=i == 0)
                     for i, (e, la, h) in enumerate(combos)])
    steps = [{"method": "update", "label": f"{e + 1}·L{la + 1}·H{h + 1}",
              "args": [{"visible": [j == i for j in range(len(combos))]},
                       {"title.text": _title(e, la, h)}]}
             for i, (e, la, h) in enumerate(combos)]
    _layout(fig, _title(*combos[0]))
    fig.update_layout(height=520, sliders=[{"active": 0, "steps": steps, "pad": {"t": 60},
                                            "currentvalue": {"prefix": "example·layer·head: "}}])
    return fig
