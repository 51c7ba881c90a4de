"""Per-layer cost tables of torch modules: output shape (forward hooks), parameters and multiply-adds (the
formulas of :mod:`helpers.core.conv_arithmetic`). Used by chapter 10 for every architecture of
:mod:`helpers.labs.architectures`; the tests compare the tables with the modules' ``numel`` and the presets.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import conv_arithmetic as ca

__all__ = ["layer_table", "format_layer_table", "count_parameters"]


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Sum of ``p.numel()`` over the model's parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _layer_costs(module, x, y):
    """(parameters, multiply-adds) of one leaf layer from the conv_arithmetic formulas."""
    if isinstance(module, nn.Conv2d):
        k = module.kernel_size
        params = ca.conv_parameters(module.in_channels, module.out_channels, k, groups=module.groups,
                                    bias=module.bias is not None)
        return params, ca.conv_multiply_adds(module.in_channels, module.out_channels, k, tuple(y.shape[-2:]),
                                             groups=module.groups)
    if isinstance(module, nn.ConvTranspose2d):  # every *input* pixel stamps C_out/g kernels of size k x k
        k = module.kernel_size
        params = ca.conv_parameters(module.in_channels, module.out_channels, k, groups=module.groups,
                                    bias=module.bias is not None)
        return params, ca.conv_multiply_adds(module.in_channels, module.out_channels, k, tuple(x.shape[-2:]),
                                             groups=module.groups)
    if isinstance(module, nn.Linear):
        bias = module.out_features if module.bias is not None else 0
        return module.in_features * module.out_features + bias, module.in_features * module.out_features
    if isinstance(module, nn.BatchNorm2d):
        return (2 * module.num_features if module.affine else 0), 0
    return 0, 0


def layer_table(model: nn.Module, input_shape) -> list[dict]:
    """One row per leaf module, in call order: name, type, output shape (C, H, W), parameters, multiply-adds.

    Output shapes come from forward hooks; parameters and multiply-adds (per image) from ``conv_arithmetic``.
    The input is zeros of shape ``(1, *input_shape)`` on the model's device: for a model built on the ``meta``
    device (e.g. ``resnet(50, device="meta")``) the pass computes shapes only, so even VGG-16 costs nothing.
    """
    rows, handles = [], []
    names = {m: n for n, m in model.named_modules()}

    def hook(module, inputs, output):
        params, macs = _layer_costs(module, inputs[0], output)
        rows.append(dict(name=names[module], type=type(module).__name__, shape=tuple(output.shape[1:]),
                         params=params, macs=macs))

    for m in model.modules():
        if not list(m.children()):
            handles.append(m.register_forward_hook(hook))
    try:
        param = next(model.parameters(), None)
        device = param.device if param is not None else "cpu"
        mode = model.training
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), device=device))
        model.train(mode)
    finally:
        for h in handles:
            h.remove()
    return rows


def format_layer_table(rows, *, skip_empty: bool = True) -> str:
    """Aligned text: layer, output shape, parameters, multiply-adds, and a total line."""
    lines = [f"{'layer':<24}{'type':<17}{'output':>16}{'params':>13}{'mult-adds':>16}"]
    for r in rows:
        if skip_empty and r["params"] == 0 and r["type"] not in ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"):
            continue
        shape = "x".join(map(str, r["shape"]))
        lines.append(f"{r['name']:<24}{r['type']:<17}{shape:>16}{r['params']:>13,}{r['macs']:>16,}")
    total_p, total_m = sum(r["params"] for r in rows), sum(r["macs"] for r in rows)
    lines.append(f"{'total':<57}{total_p:>13,}{total_m:>16,}")
    return "\n".join(lines)
