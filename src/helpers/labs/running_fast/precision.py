"""Mixed precision: 16-bit arithmetic where it is safe, float32 where it is not.

``torch.autocast(device_type, dtype=...)`` runs the operations that profit from it (matrix multiplications,
convolutions) in a 16-bit format and keeps precision-sensitive ones (softmax + cross-entropy, reductions) in
float32; the parameters and the optimizer stay float32. bfloat16 has float32's exponent range (8 exponent bits)
and a short mantissa (7 bits): no overflow or underflow, coarser rounding. float16 has a longer mantissa (10
bits) but only 5 exponent bits: gradients below about 6e-8 become 0. Loss scaling (``torch.amp.GradScaler``)
multiplies the loss by a large factor before ``backward`` so the float16 gradients stay representable, divides
the gradients by it again before the optimizer step, and skips a step whose gradients overflowed.

References: Micikevicius et al., "Mixed Precision Training", ICLR 2018; PyTorch, "Automatic Mixed Precision
package - torch.amp".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .loading import digits_tensors

__all__ = ["FORMATS", "DTYPES", "make_mlp", "amp_train_step", "amp_train_step_clip_before_unscale",
           "PrecisionRun", "train_with_precision", "logit_error"]

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
#: (exponent bits, mantissa bits) of each format; torch.finfo gives the rest
FORMATS = {"float32": (8, 23), "bfloat16": (8, 7), "float16": (5, 10)}


def make_mlp(*, seed: int = 0, hidden: int = 128) -> nn.Sequential:
    """A 64 -> hidden -> hidden -> 10 ReLU network of torch.nn layers, initialised from ``seed`` (the global
    random state is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                             nn.Linear(hidden, 10))


def amp_train_step(model, opt, scaler, x, y, *, dtype=torch.bfloat16, max_norm=None) -> torch.Tensor:
    """One mixed-precision training step; returns the (float32) loss as a tensor.

    With ``dtype=torch.float32`` autocast is off; with a disabled ``scaler`` (bfloat16 needs none) the scaler
    calls pass through.
    """
    opt.zero_grad(set_to_none=True)
    with torch.autocast(x.device.type, dtype=dtype, enabled=dtype != torch.float32):
        loss = F.cross_entropy(model(x), y)  # linear layers in `dtype`, the loss in float32
    scaler.scale(loss).backward()  # backward of the scaled loss: float16 gradients do not underflow
    if max_norm is not None:
        scaler.unscale_(opt)  # divide the gradients by the scale first: clip the true gradients
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(opt)  # unscales (if not done yet); skips the step when a gradient is inf or NaN
    scaler.update()  # halves the scale after an overflow, doubles it after 2000 clean steps
    return loss.detach()


def amp_train_step_clip_before_unscale(model, opt, scaler, x, y, *, dtype=torch.float16, max_norm=None):
    """A broken step (for exercise 13.3): it clips the gradients while they are still multiplied by the scale."""
    opt.zero_grad(set_to_none=True)
    with torch.autocast(x.device.type, dtype=dtype, enabled=dtype != torch.float32):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(opt)
    scaler.update()
    return loss.detach()


@dataclass(frozen=True)
class PrecisionRun:
    """The result of :func:`train_with_precision`."""

    precision: str
    test_accuracy: float
    test_loss: float
    train_loss: float  # mean over the last epoch
    skipped_steps: int  # steps the GradScaler skipped because of inf/NaN gradients
    param_dtype: torch.dtype
    model: nn.Module


def train_with_precision(precision: str, *, device=None, epochs: int = 8, lr: float = 0.05, batch_size: int = 64,
                         seed: int = 0) -> PrecisionRun:
    """Train :func:`make_mlp` on the digits with SGD (momentum 0.9) in ``precision`` ("float32", "bfloat16" or
    "float16"; float16 with a GradScaler) and evaluate it under the same autocast setting."""
    if precision not in DTYPES:
        raise ValueError(f"The 'precision' argument must be one of {sorted(DTYPES)}. Got {precision!r} instead.")
    dtype, device = DTYPES[precision], torch.device(device or "cpu")
    x, y, x_test, y_test = (t.to(device) for t in digits_tensors(seed=seed))
    model = make_mlp(seed=seed).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    g = torch.Generator().manual_seed(seed)
    skipped = 0
    for _ in range(epochs):
        losses = []
        for idx in torch.randperm(len(y), generator=g).split(batch_size):
            idx = idx.to(device)
            scale = scaler.get_scale() if scaler.is_enabled() else 1.0
            losses.append(amp_train_step(model, opt, scaler, x[idx], y[idx], dtype=dtype))
            skipped += int(scaler.is_enabled() and scaler.get_scale() < scale)
    with torch.no_grad(), torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
        logits = model(x_test)
        test_loss = F.cross_entropy(logits, y_test).item()
        acc = (logits.argmax(1) == y_test).float().mean().item()
    return PrecisionRun(precision, acc, test_loss, torch.stack(losses).mean().item(), skipped,
                        next(model.parameters()).dtype, model)


def logit_error(model, x, dtype) -> float:
    """Relative error of ``model``'s outputs under autocast to ``dtype``, against float32: max |diff| / max |ref|."""
    with torch.no_grad():
        ref = model(x)
        with torch.autocast(x.device.type, dtype=dtype):
            low = model(x).float()
    return ((low - ref).abs().max() / ref.abs().max()).item()
