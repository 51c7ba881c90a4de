"""Checkers for chapter 8 (augmentation, regularisation, normalisation).

Each checker runs the reader's answer against PyTorch (modules, autograd) or the package's reference and says
what is wrong and why; an untouched stub gets "not attempted yet".
"""

from __future__ import annotations

import numpy as np

from helpers.numpy_impl import norm as _norm

from ._report import as_float, attempt, not_attempted, report


def _model_in_training():
    """A small classifier with batch norm and dropout, trained a few steps (running statistics no longer 0 and 1)."""
    import torch
    from torch import nn

    with torch.random.fork_rng():
        torch.manual_seed(8)
        model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
        model.double().train()
        for _ in range(20):  # training batches centred at 0: the running statistics follow them
            model(torch.randn(32, 6, dtype=torch.float64))
        x = 3.0 + torch.randn(12, 6, dtype=torch.float64)  # test images far from the training batches
    return model, x


def check_evaluate(evaluate) -> bool | None:
    """``evaluate(model, x)``: the predicted classes of ``x`` for a model in the middle of training, the same
    whatever batch an image comes in, without changing the model (its mode and its running statistics)."""
    import torch

    name = "evaluation during training"
    task = "Find the bug: what do batch norm and dropout do while the model is in training mode?"
    for mode in ("train", "eval"):
        model, x = _model_in_training()
        model.train(mode == "train")
        with torch.no_grad():
            was = model.training
            model.eval()
            want = model(x).argmax(dim=1)
            model.train(was)
        stats = [b.clone() for b in model[1].buffers()]
        with torch.random.fork_rng():
            torch.manual_seed(0)  # the reader's dropout draws: the same text on every run
            state, got = attempt(evaluate, model, x, name=name, task=task,
                                 convert=lambda r: torch.as_tensor(r).reshape(-1).long())
            if not state:
                return state
            state, part = attempt(evaluate, model, x[:3], name=name, task=task,
                                  convert=lambda r: torch.as_tensor(r).reshape(-1).long())
            if not state:
                return state
        if got.shape != want.shape or not torch.equal(got, want) or not torch.equal(part, want[:3]):
            return report(False, name, "the predictions for the same images change with the batch they come in "
                                       "(and from call to call). In training mode batch norm normalises with the "
                                       "batch's own statistics and dropout zeroes random units: call model.eval() "
                                       "before predicting.")
        if any(not torch.equal(a, b) for a, b in zip(stats, model[1].buffers())):
            return report(False, name, "evaluating changed batch norm's running statistics: a forward pass in "
                                       "training mode updates them. Switch to eval() before the forward pass.")
        if model.training != (mode == "train"):
            return report(False, name, f"the model was in {mode} mode before your function and is in "
                                       f"{'train' if model.training else 'eval'} mode after it: the training loop "
                                       "that calls it would go on in the wrong mode. Restore the mode it had "
                                       "(remember model.training).")
    return report(True, name)


def check_batch_norm_backward(batch_norm_backward) -> bool | None:
    """``batch_norm_backward(dout, x, gamma, eps) -> (dx, dgamma, dbeta)``: the gradients of training-mode batch
    norm of x (N, D) (batch mean, biased batch variance), checked against autograd and finite differences."""
    import torch
    import torch.nn.functional as F

    from helpers.core.testing import numerical_gradient

    name = "batch-norm backward"
    task = ("Write x_hat = (x - mu) / sqrt(var + eps) and differentiate through mu and var too, both of which "
            "depend on every x of the column.")
    rng = np.random.default_rng(82)
    for n in (2, 5, 16):
        x, gamma, dout = rng.normal(3.0, 2.0, (n, 4)), rng.normal(1.0, 0.3, 4), rng.normal(size=(n, 4))
        state, got = attempt(batch_norm_backward, dout.copy(), x.copy(), gamma.copy(), 1e-5, name=name, task=task,
                             convert=lambda r: tuple(as_float(g) for g in r))
        if not state:
            return state
        if len(got) != 3:
            return report(False, name, f"return the three gradients (dx, dgamma, dbeta); got {len(got)} arrays.")
        xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, np.zeros(4)))
        F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5).backward(torch.from_numpy(dout))
        want = (xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy())
        numeric = numerical_gradient(lambda v, g=gamma: _norm.batch_norm_forward(v, g, np.zeros(4), np.zeros(4),
                                                                                  np.ones(4), eps=1e-5)[0], x, dout)
        assert np.allclose(numeric, want[0], rtol=1e-5, atol=1e-7)  # the oracle agrees with finite differences
        dx, dgamma, dbeta = got
        if dbeta.shape != (4,) or not np.allclose(dbeta, want[2], rtol=1e-10, atol=1e-12):
            return report(False, name, "dbeta is the sum of dout over the batch (axis 0), one value per feature.")
        if dgamma.shape != (4,) or not np.allclose(dgamma, want[1], rtol=1e-8, atol=1e-10):
            return report(False, name, "dgamma is the sum over the batch of dout times x_hat (the normalised input).")
        if dx.shape == x.shape and np.allclose(dx, want[0], rtol=1e-7, atol=1e-9):
            continue
        inv_std = 1.0 / np.sqrt(x.var(0) + 1e-5)
        dx_hat = dout * gamma
        if dx.shape == x.shape and np.allclose(dx, dx_hat * inv_std, rtol=1e-7):
            hint = ("you treated the batch mean and variance as constants (that is the evaluation-mode gradient). "
                    "In training they depend on x, which adds two terms.")
        elif dx.shape == x.shape and np.allclose(dx, (dx_hat - dx_hat.mean(0)) * inv_std, rtol=1e-7):
            hint = "the mean's term is there; the variance's term, -x_hat * mean(dx_hat * x_hat), is missing."
        else:
            hint = "dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps), means over axis 0."
        if dx.shape != x.shape:
            return report(False, name, f"dx must have the shape of x, {x.shape}; got {dx.shape}.")
        return report(False, name, f"with N = {n} dx differs from autograd's (max |difference| "
                                   f"{np.abs(dx - want[0]).max():.2g}): {hint}")
    return report(True, name)


def check_running_stats(update) -> bool | None:
    """``update(running_mean, running_var, x, momentum) -> (mean, var)``: PyTorch's rule for a batch x (N, D)."""
    name = "running statistics"
    task = "new = (1 - momentum) * old + momentum * (statistic of this batch)."
    rng = np.random.default_rng(81)
    rm, rv = np.zeros(3), np.ones(3)
    mine = (rm.copy(), rv.copy())
    for _ in range(4):
        x = rng.normal(2.0, 1.5, (6, 3))
        rm, rv = _norm.batch_norm_running_stats(x, rm, rv, momentum=0.1)
        state, mine = attempt(update, mine[0].copy(), mine[1].copy(), x.copy(), 0.1, name=name, task=task,
                              convert=lambda pair: tuple(as_float(v) for v in pair))
        if not state:
            return state
        if np.allclose(mine[0], rm, rtol=1e-10) and np.allclose(mine[1], rv, rtol=1e-10):
            continue
        if not np.allclose(mine[0], rm, rtol=1e-10):
            hint = ("the running mean is off: PyTorch's momentum weighs the *new* batch, new = (1 - m) old + m batch "
                    "(the lecture's beta = 1 - m weighs the old value).")
        else:
            hint = ("the running variance is off: PyTorch stores the unbiased batch variance there (divide by N - 1), "
                    "although it normalises the batch with the biased one.")
        return report(False, name, hint)
    return report(True, name)


def check_norm_axes(answer: dict) -> bool | None:
    """``{"batch": axes, "layer": axes, "instance": axes}``: the axes of an (N, C, H, W) array each one averages."""
    name = "normalisation axes"
    expected = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}
    if answer is None or (isinstance(answer, dict) and all(answer.get(k) is None for k in expected)):
        return not_attempted(name, "Fill in a tuple of axes for each of the three keys.")
    try:
        got = {k: tuple(sorted(int(a) for a in answer[k])) for k in expected}
    except Exception as err:  # noqa: BLE001
        return report(False, name, f"expected a dict with a tuple of axes for each of {list(expected)}: {err!r}")
    wrong = [k for k in expected if got[k] != expected[k]]
    return report(not wrong, name, f"look again at {', '.join(wrong)} (axis 0 = N, 1 = C, 2, 3 = H, W; batch norm "
                                   "keeps one statistic per channel, the per-sample norms one per sample).")
