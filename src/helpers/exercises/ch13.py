"""Checkers for chapter 13 (Running it fast: devices, timing, mixed precision, data-parallel training).

Every checker runs on the CPU (tensors are moved to PyTorch's ``meta`` device, which exists everywhere), so
its verdict is the same on every machine.
"""

from __future__ import annotations

import math

import torch

from ._report import call, report

__all__ = ["check_to_device", "check_bf16_rounding", "check_amp_step", "check_accumulated_gradients"]


# ----------------------------------------------------------------------------------------------- 13.1
def _where(path: str) -> str:
    return path or "the batch itself"


def _compare_structure(got, original, path: str, device: torch.device) -> str | None:
    """The first way ``got`` is not ``original`` moved to ``device``, or None."""
    if isinstance(original, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{_where(path)} should be a tensor, got {type(got).__name__}."
        if got.device != device:
            return f"the tensor at {_where(path)} is on {got.device.type}, expected {device.type}."
        if got.shape != original.shape or got.dtype != original.dtype:
            return f"the tensor at {_where(path)} changed its shape or dtype; .to(device) keeps both."
        return None
    if isinstance(original, (dict, list, tuple)):
        if type(got) is not type(original):
            return (f"{_where(path)} is a {type(original).__name__} but came back as a {type(got).__name__}: "
                    "keep the container type.")
        items = original.items() if isinstance(original, dict) else enumerate(original)
        if len(got) != len(original) or (isinstance(original, dict) and set(got) != set(original)):
            return f"{_where(path)} lost or gained entries."
        for key, value in items:
            problem = _compare_structure(got[key], value, f"{path}[{key!r}]", device)
            if problem:
                return problem
        return None
    if got is not original and got != original:
        return f"{_where(path)} is not a tensor and must come back unchanged (got {got!r}, expected {original!r})."
    return None


def check_to_device(to_device) -> bool:
    """``to_device(batch, device)``: the same nested structure (dicts, lists, tuples) with every tensor on
    ``device`` and everything else unchanged; the input itself is not modified."""
    device = torch.device("meta")  # exists on every machine; a tensor there has a shape and dtype but no data
    batch = {"x": torch.zeros(4, 3), "y": torch.arange(4), "extra": [torch.ones(2), ("id-7", torch.zeros(1))],
             "n": 4}
    ok, got = call(to_device, batch, device, name="to_device")
    if not ok:
        return False
    problem = _compare_structure(got, batch, "batch", device)
    if problem is None and batch["x"].device.type != "cpu":
        problem = "the input batch was modified in place; build a new structure instead."
    return report(problem is None, "to_device", problem or "")


# ----------------------------------------------------------------------------------------------- 13.2
def check_bf16_rounding(after_plus, after_minus, *, w: float = 1.0, update: float = 0.003) -> bool:
    """The bfloat16 values of ``w + update`` and ``w - update`` when ``w`` is stored in bfloat16."""
    expected = [(torch.tensor(w, dtype=torch.bfloat16) + s * update).item() for s in (1, -1)]
    for name, got, exp in (("w + update", after_plus, expected[0]), ("w - update", after_minus, expected[1])):
        try:
            v = float(got)
        except (TypeError, ValueError):
            return report(False, "bfloat16 rounding", f"{name}: expected a number, got {got!r}.")
        if torch.tensor(v, dtype=torch.bfloat16).item() != v:
            return report(False, "bfloat16 rounding", f"{name}: {v!r} is not a bfloat16 number (it has more than "
                          "8 significant bits); round it to the nearest one.")
        if v != exp:
            return report(False, "bfloat16 rounding", f"{name}: {v!r} is a bfloat16 number, but not the nearest "
                          "one. What is the spacing of bfloat16 numbers just above 1, and just below?")
    return report(True, "bfloat16 rounding")


# ----------------------------------------------------------------------------------------------- 13.3
def _amp_setup(seed: int = 0):
    from helpers.labs.running_fast.precision import make_mlp

    model = make_mlp(seed=seed, hidden=16)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(32, 64, generator=g), torch.randint(0, 10, (32,), generator=g)
    return model, opt, scaler, x, y


def _run_steps(step, steps, max_norm, poison: bool):
    """Run ``step`` ``steps`` times on a fresh model; return (ok, (change of the weights, scale, finite?))."""
    model, opt, scaler, x, y = _amp_setup()
    before = [p.detach().clone() for p in model.parameters()]
    if poison:
        x = x.clone()
        x[0, 0] = math.inf  # a batch whose gradients overflow: the step must be skipped
    for _ in range(steps):
        ok, _ = call(step, model, opt, scaler, x, y, max_norm, name="AMP step", what="your step")
        if not ok:
            return False, None
    change = max((p.detach() - b).abs().max().item() for p, b in zip(model.parameters(), before))
    finite = all(torch.isfinite(p).all().item() for p in model.parameters())
    return True, (change, scaler.get_scale(), finite)


def check_amp_step(step) -> bool:
    """``step(model, opt, scaler, x, y, max_norm)``: a float16 autocast step with loss scaling, gradient clipping
    to ``max_norm`` (None: no clipping), skipped on overflow. Compared with ``running_fast.amp_train_step``."""
    from helpers.labs.running_fast.precision import amp_train_step

    def reference(model, opt, scaler, x, y, max_norm):
        return amp_train_step(model, opt, scaler, x, y, dtype=torch.float16, max_norm=max_norm)

    for max_norm in (None, 0.5):
        ok, mine = _run_steps(step, 3, max_norm, poison=False)
        if not ok:
            return False
        _, ref = _run_steps(reference, 3, max_norm, poison=False)
        clipped = "with" if max_norm else "without"
        if not mine[2] or mine[0] / ref[0] > 1e3:
            return report(False, "AMP step", f"{clipped} clipping, the weights moved by far more than with a correct "
                          "step (or became inf/NaN): the optimizer stepped with gradients still multiplied by the "
                          "loss scale; scaler.step(opt) unscales them first.")
        ratio = mine[0] / ref[0]
        if ratio < 1e-3:
            hint = ("what are the gradients still multiplied by when clip_grad_norm_ sees them?" if max_norm else
                    "the optimizer saw gradients divided by the scale that the loss was never multiplied by: "
                    "backward through scaler.scale(loss).")
            return report(False, "AMP step", f"{clipped} clipping, the weights moved by less than a thousandth of "
                          f"what a correct step moves them; {hint}")
        if not math.isclose(ratio, 1.0, rel_tol=1e-2):
            return report(False, "AMP step", f"{clipped} clipping, the weights moved {ratio:.3g}× as far as with the "
                          "reference step: is it one forward, one backward and one optimizer step, in float16 "
                          "autocast?")
    ok, mine = _run_steps(step, 1, None, poison=True)
    if not ok:
        return False
    if not mine[2] or mine[0] > 0:
        return report(False, "AMP step", "after a batch with inf/NaN gradients the weights changed (or became "
                      "NaN): the step must be skipped; scaler.step(opt) does that.")
    if mine[1] >= 2.0**16:
        return report(False, "AMP step", "after an overflow the loss scale did not shrink: call scaler.update() "
                      "after every step.")
    return report(True, "AMP step")


# ----------------------------------------------------------------------------------------------- 13.4
def check_accumulated_gradients(accumulate) -> bool:
    """``accumulate(model, x, y, k)``: leaves in the ``.grad`` of every parameter the gradient of the mean
    cross-entropy over the whole batch ``(x, y)``, computed from ``k`` equal micro-batches (what DDP computes from
    k ranks)."""
    import torch.nn.functional as F

    from helpers.labs.running_fast.precision import make_mlp

    g = torch.Generator().manual_seed(13)
    x, y = torch.randn(48, 64, generator=g, dtype=torch.float64), torch.randint(0, 10, (48,), generator=g)
    ref = make_mlp(seed=1, hidden=16).double()
    F.cross_entropy(ref(x), y).backward()
    for k in (2, 4):
        model = make_mlp(seed=1, hidden=16).double()
        ok, _ = call(accumulate, model, x, y, k, name="accumulated gradients")
        if not ok:
            return False
        grads = [p.grad for p in model.parameters()]
        if any(gr is None for gr in grads):
            return report(False, "accumulated gradients", "some parameters have no .grad: call backward().")
        ratios = [(gr.norm() / r.grad.norm()).item() for gr, r in zip(grads, ref.parameters())]
        if all(math.isclose(q, k, rel_tol=1e-6) for q in ratios):
            return report(False, "accumulated gradients", f"with k = {k} the gradients are {k}× too large: "
                          "backward() adds into .grad, and each micro-batch's loss is already a mean.")
        last = make_mlp(seed=1, hidden=16).double()
        (F.cross_entropy(last(x.chunk(k)[-1]), y.chunk(k)[-1]) / k).backward()
        if all(torch.allclose(gr, r.grad, rtol=1e-8, atol=1e-12) for gr, r in zip(grads, last.parameters())):
            return report(False, "accumulated gradients", f"with k = {k} only the last micro-batch's gradient is "
                          "left: zero the gradients once, before the loop, not for every micro-batch.")
        worst = max((gr - r.grad).abs().max().item() for gr, r in zip(grads, ref.parameters()))
        if not worst < 1e-10:
            return report(False, "accumulated gradients", f"with k = {k} the gradients differ from the full-batch "
                          f"gradient (max difference {worst:.2g}). Does every example land in exactly one "
                          "micro-batch?")
    return report(True, "accumulated gradients")
