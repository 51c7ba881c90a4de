"""Universal approximation, unit by unit: what each hidden unit of a fitted one-hidden-layer MLP contributes.

A network ``f(x) = c + sum_j v_j act(w_j x + b_j)`` is a sum of scaled, shifted copies of its activation.
:func:`unit_contributions` evaluates every term ``v_j act(w_j x + b_j)`` from the fitted weights of a
:class:`~helpers.labs.approximation.FitResult` (the model of chapter 3's ``fit_mlp``); the terms plus the output
bias add up to the network's prediction exactly (the unit test checks this). :func:`draw_unit_contributions`
plots the terms, their sum and the target: a tanh unit is a smooth step at ``x = -b_j / w_j`` of height
``2 v_j`` and steepness ``w_j``.

References: Cybenko (1989); Hornik (1991); Nielsen, *Neural networks and deep learning*, ch. 4 (the visual
proof).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["unit_contributions", "draw_unit_contributions"]


def _layers(model):
    mods = list(model.children()) if isinstance(model, torch.nn.Sequential) else []
    if len(mods) != 3 or not isinstance(mods[0], torch.nn.Linear) or not isinstance(mods[2], torch.nn.Linear) \
            or mods[0].in_features != 1 or mods[2].out_features != 1:
        raise ValueError("unit_contributions needs a one-hidden-layer net Linear(1, H) - activation - "
                         f"Linear(H, 1) (fit_mlp with hidden=(H,)). Got {model!r} instead.")
    return mods


@torch.no_grad()
def unit_contributions(fit, x) -> dict:
    """Terms of a fitted 1-H-1 network on the points ``x`` (n,) or (n, 1).

    Returns ``{"x": (n,), "terms": (n, H), "bias": c, "prediction": (n,), "centres": -b/w (H,),
    "heights": v (H,), "slopes": w (H,)}`` as float64 NumPy arrays.
    """
    model = fit.model if hasattr(fit, "model") else fit
    first, act, last = _layers(model)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    xt = torch.as_tensor(x[:, None], dtype=first.weight.dtype, device=first.weight.device)
    hidden = act(first(xt))  # (n, H): every unit's output
    terms = hidden * last.weight[0]  # (n, H): v_j * act(w_j x + b_j)
    w, b = first.weight[:, 0].cpu().double().numpy(), first.bias.cpu().double().numpy()
    with np.errstate(divide="ignore"):
        centres = np.where(w != 0, -b / np.where(w != 0, w, 1.0), np.nan)
    return {"x": x, "terms": terms.cpu().double().numpy(), "bias": float(last.bias[0]),
            "prediction": model(xt)[:, 0].cpu().double().numpy(), "centres": centres,
            "heights": last.weight[0].cpu().double().numpy(), "slopes": w}


def draw_unit_contributions(fit, x, *, target=None, samples=None, title: str = ""):
    """Two panels: left, each unit's term ``v_j act(w_j x + b_j)`` (a coloured curve) and the output bias;
    right, their sum (the network) against ``target`` (a callable, dashed) and the ``samples`` (x, y)."""
    import matplotlib.pyplot as plt

    u = unit_contributions(fit, x)
    order = np.argsort(np.nan_to_num(u["centres"], nan=np.inf))  # units from left to right by their centre
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), sharex=True)
    for rank, j in enumerate(order):
        left.plot(u["x"], u["terms"][:, j], color=plt.cm.viridis(rank / max(1, len(order) - 1)), lw=1.6,
                  label=f"unit {j + 1}: step at x = {u['centres'][j]:.2f}" if len(order) <= 6 else None)
    left.axhline(u["bias"], color="0.4", ls=":", lw=1, label=f"output bias {u['bias']:.2f}")
    name = type(_layers(fit.model if hasattr(fit, "model") else fit)[1]).__name__.lower()
    left.set(xlabel="x", ylabel=f"v_j · {name}(w_j x + b_j)", title="each hidden unit's contribution")
    left.legend(fontsize=7, loc="best")
    if samples is not None:
        right.plot(samples[0], samples[1], ".", color="0.75", ms=3, label="samples")
    if target is not None:
        right.plot(u["x"], target(u["x"]), "k--", lw=1, label="target")
    stacked = u["bias"] + np.cumsum(u["terms"][:, order], axis=1)
    for rank in range(len(order) - 1):
        right.plot(u["x"], stacked[:, rank], color=plt.cm.viridis(rank / max(1, len(order) - 1)), lw=0.8, alpha=0.6)
    right.plot(u["x"], u["prediction"], color="C3", lw=2.2, label="network = bias + sum of units")
    right.set(xlabel="x", title="partial sums, left to right, and the network")
    right.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
