"""Learning-rate schedules: our factor functions through LambdaLR give exactly PyTorch's built-in schedulers."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.core import schedules as S


def _lrs(make_scheduler, n=40, base_lr=0.5):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = make_scheduler(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


LAMBDA = torch.optim.lr_scheduler.LambdaLR


@pytest.mark.parametrize("factor,hp,builtin", [
    (S.step_factor, dict(step_size=7, gamma=0.3), lambda o: torch.optim.lr_scheduler.StepLR(o, 7, gamma=0.3)),
    (S.exponential_factor, dict(gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    (S.cosine_factor, dict(t_max=39, min_factor=0.1),  # (PyTorch's keeps oscillating after T_max; ours stays)
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=39, eta_min=0.05)),
    (S.warmup_factor, dict(warmup_steps=10, start_factor=0.2),
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=10)),
])
def test_factors_match_pytorch_schedulers(factor, hp, builtin):
    ours = _lrs(lambda o: LAMBDA(o, S.as_lambda(factor, **hp)))
    ref = _lrs(builtin)
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert S.schedule_values(factor, 40, base_lr=0.5, **hp) == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_inverse_time_and_warmup_cosine():
    vals = S.schedule_values(S.inverse_time_factor, 5, decay_rate=0.5)
    assert vals == pytest.approx([1, 1 / 1.5, 1 / 2, 1 / 2.5, 1 / 3])
    # Robbins–Monro: Σα diverges (harmonic), Σα² converges — partial sums grow like log n vs stay bounded
    s1 = sum(S.schedule_values(S.inverse_time_factor, 10_000, decay_rate=1.0))
    s2 = sum(v * v for v in S.schedule_values(S.inverse_time_factor, 10_000, decay_rate=1.0))
    assert s1 == pytest.approx(math.log(10_000) + 0.5772, abs=0.01) and s2 < math.pi**2 / 6
    w = S.schedule_values(S.warmup_cosine_factor, 30, warmup_steps=5, t_max=25)
    assert w[:6] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert w[25] == pytest.approx(0.0, abs=1e-12) and max(w) == pytest.approx(1.0)


def test_schedule_validation_messages():
    with pytest.raises(ValueError, match="The 'step_size' argument of step_factor must be an int >= 1. Got 0"):
        S.step_factor(3, step_size=0)
    with pytest.raises(ValueError, match="The 't' argument of cosine_factor must be an int >= 0. Got -1"):
        S.cosine_factor(-1, t_max=3)
    with pytest.raises(ValueError, match="The 'gamma' argument of exponential_factor must be a number > 0"):
        S.exponential_factor(1, gamma=0.0)
    with pytest.raises(ValueError, match="must be an int > warmup_steps"):
        S.warmup_cosine_factor(1, warmup_steps=5, t_max=5)
    with pytest.raises(TypeError, match="must be callable"):
        S.as_lambda(3)
