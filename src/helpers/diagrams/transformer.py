"""The Transformer encoder block of chapter 12a, drawn with the tensor shapes of a real forward pass.

:func:`transformer_shapes` builds the chapter's :class:`~helpers.widgets.attention_heatmap.TinyTransformer` from a
:class:`~helpers.widgets.attention_heatmap.TransformerConfig`, runs one batch through its first layer step by step
with the twins' functions (``helpers.torch_impl``) and records the shape of every intermediate tensor: the
embeddings, the per-head queries, keys and values, the attention scores and weights, the feed-forward hidden
layer and the logits. The unit test checks that the step-by-step pass reproduces ``transformer_encoder_layer``
and the model's ``attention_maps``, so the shapes drawn are those of the code. :func:`draw_transformer_block`
draws the pre-norm block with these shapes and, on the right, the matrix products of one attention head as
rectangles of proportional size.

References: Vaswani et al., "Attention is all you need" (2017); Xiong et al. (2020) for pre-norm; J. Alammar,
"The illustrated Transformer" (2018) for the drawing style.
"""

from __future__ import annotations

import torch

__all__ = ["transformer_shapes", "draw_transformer_block"]


@torch.no_grad()
def transformer_shapes(config=None, *, batch: int = 2, seed: int = 0) -> dict:
    """Shapes (tuples) of one forward pass of a ``TinyTransformer(config)`` on ``batch`` random sequences.

    Keys: ``tokens, embedded, normed, q, k, v`` (per head: N, heads, L, d_k), ``scores, weights`` (N, heads, L, L),
    ``heads_out`` (N, heads, L, d_k), ``concat, attn_out, residual1, ff_hidden, ff_out, block_out, logits``; plus
    ``"config"`` and ``"check"``: the step-by-step block output and ``transformer_encoder_layer``'s (tensors).
    """
    import helpers.torch_impl as ht
    from helpers.widgets.attention_heatmap import TinyTransformer, TransformerConfig, make_reversal_data

    c = config if config is not None else TransformerConfig()
    g = torch.Generator().manual_seed(seed)
    model = TinyTransformer(c, generator=g).eval()
    tokens, _ = make_reversal_data(batch, length=c.length, vocab=c.vocab, generator=g)
    p = list(model.layers[0])
    n, length, e, heads = batch, c.length, c.d_model, c.num_heads
    d_k = e // heads
    x = model._inputs(tokens)  # (N, L, E)
    z = ht.layer_norm(x, p[8], p[9])  # pre-norm
    qkv = z @ p[0].T + p[1]  # (N, L, 3E)
    q, k, v = (t.reshape(n, length, heads, d_k).transpose(1, 2) for t in qkv.split(e, dim=-1))  # (N, h, L, d_k)
    scores = q @ k.transpose(-2, -1) / d_k**0.5  # (N, h, L, L)
    weights = torch.softmax(scores, dim=-1)
    heads_out = weights @ v  # (N, h, L, d_k)
    concat = heads_out.transpose(1, 2).reshape(n, length, e)  # (N, L, E)
    attn_out = concat @ p[2].T + p[3]
    x1 = x + attn_out
    hidden = torch.relu(ht.layer_norm(x1, p[10], p[11]) @ p[4].T + p[5])  # (N, L, F)
    ff_out = hidden @ p[6].T + p[7]
    out = x1 + ff_out
    reference = ht.transformer_encoder_layer(x, *p, num_heads=heads, norm_first=True)
    logits = model(tokens)
    shapes = {name: tuple(t.shape) for name, t in (
        ("tokens", tokens), ("embedded", x), ("normed", z), ("q", q), ("k", k), ("v", v), ("scores", scores),
        ("weights", weights), ("heads_out", heads_out), ("concat", concat), ("attn_out", attn_out),
        ("residual1", x1), ("ff_hidden", hidden), ("ff_out", ff_out), ("block_out", out), ("logits", logits))}
    maps = model.attention_maps(tokens)[0]  # (N, h, L, L) of the first layer
    return {**shapes, "config": c, "check": (out, reference, weights, maps)}


def _shape(t) -> str:
    return "(" + ", ".join(map(str, t)) + ")"


def draw_transformer_block(config=None, *, batch: int = 2):
    """Left: the pre-norm encoder block (×num_layers) between embedding and output head, every arrow labelled
    with its tensor shape. Right: one head's products Q Kᵀ → softmax → A V as rectangles of their sizes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Rectangle

    s = transformer_shapes(config, batch=batch)
    c = s["config"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 6.2), gridspec_kw={"width_ratios": [1.1, 1]})
    boxes = [  # (y, text, colour, shape of the tensor leaving the box)
        (0.0, "tokens", "#ffffff", s["tokens"]),
        (1.0, f"embedding ({c.vocab}×{c.d_model}) + positional encoding", "#e5f5e0", s["embedded"]),
        (2.1, "layer norm 1", "#f0f0f0", s["normed"]),
        (3.1, f"multi-head self-attention ({c.num_heads} heads)", "#fde0c5", s["attn_out"]),
        (4.1, "+ (residual)", "#ffffff", s["residual1"]),
        (5.1, "layer norm 2", "#f0f0f0", s["residual1"]),
        (6.1, f"feed-forward {c.d_model} → {c.dim_feedforward} (ReLU) → {c.d_model}\nhidden {_shape(s['ff_hidden'])}",
         "#deebf7", s["ff_out"]),
        (7.1, "+ (residual)", "#ffffff", s["block_out"]),
        (8.2, "final layer norm, linear head", "#e5f5e0", s["logits"]),
    ]
    for y, text, colour, shape in boxes:
        ax.add_patch(FancyBboxPatch((0.1, y - 0.28), 3.6, 0.56, boxstyle="round,pad=0.02", facecolor=colour,
                                    edgecolor="0.3"))
        ax.text(1.9, y, text, ha="center", va="center", fontsize=8.5)
        ax.annotate("", (1.9, y + 0.72), (1.9, y + 0.28), arrowprops=dict(arrowstyle="-|>", color="0.35"))
        ax.text(2.0, y + 0.5, _shape(shape), fontsize=7.5, color="tab:blue", va="center")
    for y0, y1 in ((1.0, 4.1), (4.1, 7.1)):  # the residual paths
        ax.annotate("", (3.72, y1), (3.72, y0 + 0.28),
                    arrowprops=dict(arrowstyle="-|>", color="tab:green", connectionstyle="bar,fraction=0.15"))
    ax.add_patch(Rectangle((-0.05, 1.7), 4.4, 5.85, fill=False, ls="--", edgecolor="0.5"))
    ax.text(-0.15, 4.6, f"× {c.num_layers} layers", rotation=90, ha="right", va="center", fontsize=9)
    ax.set_xlim(-0.5, 4.7)
    ax.set_ylim(-0.5, 9.0)
    ax.axis("off")
    ax.set_title(f"pre-norm encoder block, batch N = {batch}, length L = {c.length}", fontsize=10)

    n_, h_, length, d_k = s["q"]
    scale = 3.0 / max(length, d_k)
    items = [("Q", (length, d_k), 0.0), ("Kᵀ", (d_k, length), 1.3 + d_k * scale),
             ("scores = Q Kᵀ/√d_k", (length, length), 2.6 + (d_k + length) * scale)]
    y = 6.5
    for name, (r, col), x0 in items:
        bx.add_patch(Rectangle((x0, y - r * scale), col * scale, r * scale, facecolor="#fde0c5", edgecolor="0.3"))
        bx.text(x0 + col * scale / 2, y + 0.25, f"{name}\n{r}×{col}", ha="center", va="bottom", fontsize=8)
    y2 = 2.6
    items = [("A = softmax(scores)", (length, length), 0.0), ("V", (length, d_k), 1.3 + length * scale),
             ("A V (one head)", (length, d_k), 2.6 + (length + d_k) * scale)]
    for name, (r, col), x0 in items:
        bx.add_patch(Rectangle((x0, y2 - r * scale), col * scale, r * scale, facecolor="#deebf7", edgecolor="0.3"))
        bx.text(x0 + col * scale / 2, y2 + 0.25, f"{name}\n{r}×{col}", ha="center", va="bottom", fontsize=8)
    bx.text(0.0, 0.0, f"per example and head: {n_} examples × {h_} heads; the heads' outputs are concatenated\n"
            f"to {_shape(s['concat'][1:])} per example and mixed by the output projection ({c.d_model}×{c.d_model}).",
            fontsize=8, va="top")
    bx.set_xlim(-0.3, max(2.6 + (d_k + 2 * length) * scale, 2.6 + (length + 2 * d_k) * scale) + 0.5)
    bx.set_ylim(-0.8, 7.6)
    bx.set_aspect("equal")
    bx.axis("off")
    bx.set_title(f"one attention head: d_k = d_model / heads = {d_k}", fontsize=10)
    fig.tight_layout()
    return fig
