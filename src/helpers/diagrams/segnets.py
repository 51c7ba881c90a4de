"""FCN and U-Net drawn from the modules of :mod:`helpers.labs.architectures` and the shapes of a real forward pass.

:func:`segnet_stages` runs one input through a ``TinyFCN`` or ``TinyUNet`` with forward hooks on its stages
(the blocks of ``features``, ``down``, ``bottom``, ``up``, ``dec`` and the output layers) and records, in call
order, each stage's input and output shapes. A stage whose input has more channels than the stage before it
produced receives a **skip connection**: the extra channels are found among earlier outputs of the same
spatial size (U-Net's "copy and concatenate"). Nothing about the architecture is hard-coded here, so a deeper
U-Net or a wider FCN draws differently, and the unit test checks the skips against the module's structure.

:func:`draw_segnet` draws the stages as boxes (height ~ spatial size, width ~ log channels) on a "U": the level
is how often the input was halved.

References: Long, Shelhamer & Darrell, "Fully convolutional networks for semantic segmentation" (CVPR 2015);
Ronneberger, Fischer & Brox, "U-Net" (MICCAI 2015), whose Figure 1 this drawing follows.
"""

from __future__ import annotations

import math

import torch

__all__ = ["segnet_stages", "draw_segnet"]


def _stage_modules(model):
    """(name, module) of the stages to hook, in the order the model defines them."""
    names = []
    for name, child in model.named_children():
        if isinstance(child, (torch.nn.ModuleList, torch.nn.Sequential)) and name in ("features", "down", "up", "dec"):
            names += [(f"{name}[{i}]", m) for i, m in enumerate(child)]
        elif name != "pool":
            names.append((name, child))
    return names


def _describe(module) -> str:
    if isinstance(module, torch.nn.MaxPool2d):
        return "max pool 2×2"
    if isinstance(module, torch.nn.ConvTranspose2d):
        k, s = module.kernel_size[0], module.stride[0]
        return f"transposed\nconv {k}×{k}, stride {s}"
    if isinstance(module, torch.nn.Conv2d):
        k = module.kernel_size[0]
        return f"conv {k}×{k}"
    if isinstance(module, torch.nn.Sequential):
        convs = [m for m in module if isinstance(m, torch.nn.Conv2d)]
        return f"{len(convs)}× conv 3×3\n+ BN + ReLU" if convs else "block"
    return type(module).__name__


@torch.no_grad()
def segnet_stages(model, *, in_channels: int = 3, size: int = 32) -> dict:
    """Stages of one forward pass: ``{"stages": [dict(name, kind, in_shape, out_shape, level)], "skips":
    [(from_stage, to_stage)], "input": (C, H, W), "output": (C, H, W)}`` (shapes without the batch axis)."""
    stages, hooks = [], []
    mods = _stage_modules(model)
    if hasattr(model, "pool"):  # TinyUNet's one shared pool: hook it once, it records every call
        mods.append(("pool", model.pool))

    def hook(name, module):
        def record(_, inputs, output):
            stages.append({"name": name, "kind": _describe(module), "in_shape": tuple(inputs[0].shape[1:]),
                           "out_shape": tuple(output.shape[1:])})
        return record

    for name, module in mods:
        hooks.append(module.register_forward_hook(hook(name, module)))
    was_training = model.training
    model.eval()
    try:
        x = torch.zeros(1, in_channels, size, size, device=next(model.parameters()).device)
        out = model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    flat = stages
    skips = []
    for j, s in enumerate(flat):
        s["level"] = round(math.log2(size / s["out_shape"][1]))
        if j == 0:
            continue
        extra = s["in_shape"][0] - flat[j - 1]["out_shape"][0]
        if extra > 0:  # more channels than the previous stage produced: a concatenated skip
            for i in range(j - 2, -1, -1):  # not the previous stage: its output is the other part
                o = flat[i]["out_shape"]
                if o[0] == extra and o[1:] == s["in_shape"][1:]:
                    skips.append((i, j))
                    break
    return {"stages": flat, "skips": skips, "input": (in_channels, size, size), "output": tuple(out.shape[1:])}


def draw_segnet(model, *, in_channels: int = 3, size: int = 32, title: str = ""):
    """The stages of :func:`segnet_stages` as boxes on levels (halvings of the input), arrows in call order
    labelled with each operation, and the skip connections as green arrows ("copy + concatenate")."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    info = segnet_stages(model, in_channels=in_channels, size=size)
    stages = info["stages"]
    fig, ax = plt.subplots(figsize=(1.6 * (len(stages) + 1) + 1, 3.8))
    pos = []

    def box(x, level, shape, colour):
        h = 0.4 + 1.8 * shape[1] / size
        w = 0.15 + 0.12 * math.log2(max(shape[0], 1))
        y = -1.6 * level
        ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, facecolor=colour, edgecolor="0.3"))
        ax.text(x, y - h / 2 - 0.08, f"{shape[0]}×{shape[1]}×{shape[2]}", ha="center", va="top", fontsize=7)
        return x, y, w, h

    pos.append(box(0.0, 0, info["input"], "#ffffff"))
    for j, s in enumerate(stages, start=1):
        colour = "#fde0c5" if "conv 3×3" in s["kind"] else ("#deebf7" if "transposed" in s["kind"] else "#e5f5e0")
        pos.append(box(1.6 * j, s["level"], s["out_shape"], colour))
        (x0, y0, w0, _), (x1, y1, w1, _) = pos[j - 1], pos[j]
        ax.annotate("", (x1 - w1 / 2, y1), (x0 + w0 / 2, y0), arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1))
        if y0 == y1:
            ax.text((x0 + x1) / 2, y0 + 0.06, s["kind"], ha="center", va="bottom", fontsize=6.5)
        else:  # down: label right of the arrow, up: left of it (away from the next box)
            right = y1 < y0
            ax.text((x0 + x1) / 2 + (0.12 if right else -0.12), (y0 + y1) / 2, s["kind"],
                    ha="left" if right else "right", va="center", fontsize=6.5)
    for i, j in info["skips"]:
        (x0, y0, w0, h0), (x1, y1, w1, h1) = pos[i + 1], pos[j + 1]
        ax.annotate("", (x1 - w1 / 2, y1 + h1 / 2 - 0.08), (x0 + w0 / 2, y0 + h0 / 2 - 0.08),
                    arrowprops=dict(arrowstyle="-|>", color="tab:green", lw=1.4, connectionstyle="arc3,rad=-0.06"))
        ax.text((x0 + x1) / 2, y0 + h0 / 2 + 0.03 * (x1 - x0) + 0.05, "copy + concatenate (skip)", ha="center",
                va="bottom", fontsize=7, color="tab:green")
    levels = max(s["level"] for s in stages)
    ax.set_xlim(-0.8, 1.6 * len(stages) + 0.8)
    ax.set_ylim(-1.6 * levels - 1.6, 2.4)
    ax.axis("off")
    ax.set_title(title or f"{type(model).__name__}: input {info['input']} → scores {info['output']}, "
                 f"{len(info['skips'])} skip connection(s)", fontsize=10)
    fig.tight_layout()
    return fig
