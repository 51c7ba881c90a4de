"""Optimizers on whole trajectories: NumPy reference == our torch twin == torch.optim (float64, foreach=False),
the lecture's velocity/Nesterov forms == PyTorch's forms, and second-order methods against closed forms.

The first-order comparisons run the torch optimizers (ours and the built-in) on ``device``
(``pytest --device=cuda``, see ``tests/conftest.py``); the NumPy reference runs on the CPU.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from tests.devices import skip_float64_on_mps

STEPS = 100
SHAPES = ((3,), (2, 2))
_rng = np.random.default_rng(0)
_M = _rng.standard_normal((7, 7))
A = _M @ _M.T / 7 + 0.3 * np.eye(7)  # SPD, moderately conditioned
B = _rng.standard_normal(7)
START = [_rng.standard_normal(s) for s in SHAPES]


def _flat(params):
    return np.concatenate([np.ravel(p) for p in params])


def numpy_grads(params):
    """∇ of L(θ) = ½θᵀAθ + bᵀθ + 0.05·Σθ⁴, bit-identical to what the torch runs see (adaptive methods such as
    RMSProp with small α amplify even last-digit differences of the gradient)."""
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    torch_loss(tensors).backward()
    return [t.grad.numpy() for t in tensors]


def torch_loss(params):
    theta = torch.cat([p.reshape(-1) for p in params])
    a, b = torch.from_numpy(A).to(theta.device), torch.from_numpy(B).to(theta.device)
    return 0.5 * theta @ a @ theta + b @ theta + 0.05 * (theta**4).sum()


def _torch_run(cls, hp, steps=STEPS, start=START, *, device="cpu", grads=None):
    """The iterates (steps, 7) of ``cls`` on ``device``. Closed loop (``grads=None``): each step's gradient is
    taken at the current iterate; returns ``(iterates, gradients used)``. Open loop: ``grads`` (one list of
    arrays per step) are fed in as they are; returns the iterates."""
    params = [torch.tensor(p, device=device, requires_grad=True) for p in start]
    opt = cls(params, **hp)
    out, used = [], []
    for k in range(steps):
        opt.zero_grad()
        if grads is None:
            torch_loss(params).backward()
            used.append([p.grad.detach().cpu().numpy().copy() for p in params])
        else:
            for p, g in zip(params, grads[k], strict=True):
                p.grad = torch.from_numpy(g).to(device)
        opt.step()
        out.append(_flat([p.detach().cpu().numpy() for p in params]))
    return np.array(out) if grads is not None else (np.array(out), used)


def _numpy_run(cls, hp, steps=STEPS, start=START, *, grads=None):
    """The iterates of the NumPy optimizer ``cls``: closed loop, or fed the gradients ``grads`` (open loop)."""
    opt = cls(start, **hp)
    out = []
    for k in range(steps):
        out.append(_flat(opt.step(numpy_grads(opt.params) if grads is None else grads[k])))
    return np.array(out)


def _compare(name, builtin, hp, device, rtol=1e-9, start=START):
    """The built-in runs closed loop on ``device``; ours (torch on ``device``, NumPy) are fed the gradients it
    saw at its iterates (open loop), so every step compares the same update of the same state.

    Open loop, because closed loop a last-bit difference (PyTorch fuses a·b + c, we do not; another CPU or a
    GPU rounds differently again) changes the next gradient, and for adaptive methods near an optimum
    (sign-like steps of size ≈ lr) a relative perturbation of 1e-15 of the start grows to 1e-5 … 1e-2 within
    100 steps: a closed-loop tolerance would either fail on another machine or be too loose to catch a bug.
    Open loop, the rounding differences only add up (≲ 1e-13), and a wrong formula still differs by > 1e-3.
    """
    skip_float64_on_mps(device)
    ref, grads = _torch_run(builtin, dict(hp, foreach=False), start=start, device=device)
    assert np.isfinite(ref).all()
    ours_t = _torch_run(getattr(ht, name), hp, start=start, device=device, grads=grads)
    ours_np = _numpy_run(getattr(hn, name), hp, start=start, grads=grads)
    np.testing.assert_allclose(ours_t, ref, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(ours_np, ref, rtol=rtol, atol=rtol * 1e-2)


# Adaptive methods divide by √(running average of g²) + ε: each step's rounding difference is relative to
# the step, and the steps (≈ lr, sign-like) add up over 100 steps. A wrong formula differs by > 1e-3.
ADAPTIVE_RTOL = 1e-9
FAR_START = [3 * p for p in START]


lr = st.floats(1e-3, 0.08)
small = st.floats(0.0, 0.1)
EXAMPLES = settings(max_examples=10)  # 100-step trajectories x 3 implementations: keep the suite fast


@EXAMPLES
@given(lr=lr, momentum=st.floats(0.0, 0.95), dampening=st.floats(0.0, 0.5), weight_decay=small,
       nesterov=st.booleans())
def test_sgd_matches_torch(device, lr, momentum, dampening, weight_decay, nesterov):
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    _compare("SGD", torch.optim.SGD, dict(lr=lr, momentum=momentum, dampening=dampening,
                                          weight_decay=weight_decay, nesterov=nesterov), device)


@EXAMPLES
@given(lr=st.floats(1e-3, 0.05), lr_decay=small, weight_decay=small, initial_accumulator_value=st.floats(0.0, 1.0),
       eps=st.floats(1e-10, 1e-6))
def test_adagrad_matches_torch(device, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    _compare("Adagrad", torch.optim.Adagrad, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                                  initial_accumulator_value=initial_accumulator_value, eps=eps),
             device, rtol=ADAPTIVE_RTOL, start=FAR_START)


@EXAMPLES
@given(lr=st.floats(1e-4, 1e-2), alpha=st.floats(0.5, 0.999), eps=st.floats(1e-8, 1e-4), weight_decay=small,
       momentum=st.sampled_from([0.0, 0.5, 0.9]))
def test_rmsprop_matches_torch(device, lr, alpha, eps, weight_decay, momentum):
    _compare("RMSprop", torch.optim.RMSprop, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                                  momentum=momentum), device, rtol=ADAPTIVE_RTOL,
             start=FAR_START)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_centered_rmsprop_matches_torch(device, momentum):
    """Centered RMSProp divides by √(s − ḡ²), which tends to 0 when the gradient is steady (its steps approach
    lr·g/ε): closed loop the trajectory turns chaotic within ~20 steps; open loop the whole run compares."""
    _compare("RMSprop", torch.optim.RMSprop, dict(lr=1e-3, alpha=0.9, eps=1e-8, weight_decay=0.01,
                                                  momentum=momentum, centered=True), device, rtol=ADAPTIVE_RTOL)


@EXAMPLES
@given(lr=st.floats(1e-4, 0.01), beta1=st.floats(0.0, 0.99), beta2=st.floats(0.9, 0.9999),
       eps=st.floats(1e-8, 1e-4), weight_decay=small, decoupled=st.booleans())
def test_adam_and_adamw_match_torch(device, lr, beta1, beta2, eps, weight_decay, decoupled):
    name, builtin = ("AdamW", torch.optim.AdamW) if decoupled else ("Adam", torch.optim.Adam)
    _compare(name, builtin, dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay), device,
             rtol=ADAPTIVE_RTOL, start=FAR_START)


@settings(max_examples=5)
@given(lr=st.floats(1e-3, 0.08), beta=st.floats(0.0, 0.95))
def test_velocity_form_equals_pytorch_momentum(lr, beta):
    """v ← βv − α∇L, θ ← θ + v (lecture) and b ← βb + ∇L, θ ← θ − αb (PyTorch) give the same iterates."""
    lecture = _numpy_run(hn.Momentum, dict(lr=lr, momentum=beta))
    pytorch = _numpy_run(hn.SGD, dict(lr=lr, momentum=beta))
    np.testing.assert_allclose(lecture, pytorch, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(_torch_run(ht.Momentum, dict(lr=lr, momentum=beta))[0], pytorch, rtol=1e-9,
                               atol=1e-11)


@settings(max_examples=5)
@given(lr=st.floats(1e-3, 0.08), beta=st.floats(0.05, 0.95))
def test_lecture_nesterov_is_pytorch_nesterov_at_the_lookahead_point(lr, beta):
    """PyTorch's Nesterov iterate is the lecture's look-ahead point θ + βv (same gradients, shifted variable)."""
    opt = hn.Momentum(START, lr=lr, momentum=beta, nesterov=True)
    lookahead = []
    for _ in range(STEPS):
        opt.step(numpy_grads(opt.lookahead()))
        lookahead.append(_flat(opt.lookahead()))
    pytorch, _ = _torch_run(torch.optim.SGD, dict(lr=lr, momentum=beta, nesterov=True, foreach=False))
    np.testing.assert_allclose(np.array(lookahead), pytorch, rtol=1e-9, atol=1e-11)
    # the torch twin evaluates the closure at θ + βv itself
    params = [torch.tensor(p, requires_grad=True) for p in START]
    topt = ht.Momentum(params, lr=lr, momentum=beta, nesterov=True)

    def closure():
        topt.zero_grad()
        loss = torch_loss(params)
        loss.backward()
        return loss

    for k in range(STEPS):
        topt.step(closure)
        shifted = [p.detach() + beta * topt.state[p]["velocity"] for p in params]
        np.testing.assert_allclose(_flat([s.numpy() for s in shifted]), pytorch[k], rtol=1e-9, atol=1e-11)
    with pytest.raises(ValueError, match="needs a closure"):
        topt.step()


def test_adam_bias_correction_first_step_is_sign_times_lr():
    """With m̂ = m/(1−β₁ᵗ) the first Adam step is α·g/(|g| + ε) ≈ α·sign(g), whatever β₁, β₂."""
    g = np.array([3.0, -1e-3, 20.0])
    new, _, _ = hn.adam_step(np.zeros(3), g, np.zeros(3), np.zeros(3), step=1, lr=0.1, betas=(0.9, 0.999))
    np.testing.assert_allclose(new, -0.1 * np.sign(g), rtol=1e-4)


def test_optimizers_do_not_mutate_caller_arrays_and_validate():
    w = np.ones(3)
    opt = hn.Adam([w], lr=0.1)
    opt.step([np.ones(3)])
    assert np.all(w == 1.0)
    for impl, params in ((hn, [np.ones(2)]), (ht, [torch.ones(2, requires_grad=True)])):
        with pytest.raises(ValueError, match="Invalid learning rate: -1"):
            impl.SGD(params, lr=-1)
        with pytest.raises(ValueError, match="'betas\\[1\\]' argument of Adam must be a number >= 0.0 and < 1.0"):
            impl.Adam(params, betas=(0.9, 1.0))
        with pytest.raises(ValueError, match="Nesterov momentum requires"):
            impl.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="grads\\[0\\] should have shape \\(2,\\). Got \\(3,\\)"):
        hn.SGD([np.ones(2)], lr=0.1).step([np.ones(3)])
    with pytest.raises(TypeError, match="must be a list of arrays"):
        hn.SGD(np.ones(2), lr=0.1)


def test_twins_have_identical_signatures():
    for module in ("optim", "second_order"):
        np_mod, t_mod = getattr(hn, module), getattr(ht, module)
        assert np_mod.__all__ == t_mod.__all__
        for name in np_mod.__all__:
            assert inspect.signature(getattr(np_mod, name)) == inspect.signature(getattr(t_mod, name)), name


# ---------------------------------------------------------------------------------------------- second order
def _rosen(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


@pytest.mark.parametrize("history_size,max_iter,lr", [(100, 20, 1.0), (3, 7, 0.5), (5, 4, 1.0)])
def test_lbfgs_matches_torch(history_size, max_iter, lr):
    x0 = np.array([-1.2, 1.0, 0.5, -0.3])
    hp = dict(lr=lr, max_iter=max_iter, history_size=history_size)
    np_opt = hn.LBFGS([x0], **hp)
    params = {k: torch.tensor(x0, requires_grad=True) for k in ("ours", "ref")}
    opts = {"ours": ht.LBFGS([params["ours"]], **hp), "ref": torch.optim.LBFGS([params["ref"]], **hp)}

    def closure_for(k):
        def closure():
            opts[k].zero_grad()
            p = params[k]
            loss = torch.sum(100 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2)
            loss.backward()
            return loss
        return closure

    for _ in range(6):
        np_opt.step(lambda ps: (_rosen(ps[0]), [_rosen_grad(ps[0])]))
        for k in opts:
            opts[k].step(closure_for(k))
        ref = params["ref"].detach().numpy()
        np.testing.assert_allclose(params["ours"].detach().numpy(), ref, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(np_opt.params[0], ref, rtol=1e-8, atol=1e-10)


def test_newton_solves_a_quadratic_in_one_step_and_damping_interpolates():
    x0 = [START[0], START[1]]
    closure = lambda ps: (0.0, [A[:3] @ _flat(ps) + B[:3], (A[3:] @ _flat(ps) + B[3:]).reshape(2, 2)], A)
    solution = np.linalg.solve(A, -B)
    opt = hn.Newton(x0, lr=1.0)
    opt.step(closure)
    np.testing.assert_allclose(_flat(opt.params), solution, rtol=1e-10)
    half = hn.Newton(x0, lr=0.5)
    half.step(closure)
    np.testing.assert_allclose(_flat(half.params), (_flat(x0) + solution) / 2, rtol=1e-10)
    g = A @ _flat(x0) + B  # huge damping: a gradient step of length 1/λ
    big = hn.newton_step(_flat(x0), g, A, damping=1e8)
    np.testing.assert_allclose((_flat(x0) - big) * 1e8, g, rtol=1e-6)
    # the torch twin builds the Hessian with autograd
    params = [torch.tensor(p, requires_grad=True) for p in x0]
    topt = ht.Newton(params, lr=1.0)
    topt.step(lambda: 0.5 * torch.cat([p.reshape(-1) for p in params]) @ torch.from_numpy(A)
              @ torch.cat([p.reshape(-1) for p in params]) + torch.from_numpy(B) @ torch.cat(
                  [p.reshape(-1) for p in params]))
    np.testing.assert_allclose(_flat([p.detach().numpy() for p in params]), solution, rtol=1e-10)


def test_gauss_newton_and_levenberg_marquardt_limits():
    rng = np.random.default_rng(1)
    jac, r, x = rng.standard_normal((9, 4)), rng.standard_normal(9), rng.standard_normal(4)
    gn = hn.gauss_newton_step(x, r, jac)
    np.testing.assert_allclose(gn, x - np.linalg.lstsq(jac, r, rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(hn.levenberg_marquardt_step(x, r, jac, damping=1e-12), gn, rtol=1e-8)
    lam = 1e9
    grad = jac.T @ r  # ∇½‖r‖²
    lev = hn.levenberg_marquardt_step(x, r, jac, damping=lam, marquardt=False)
    np.testing.assert_allclose((x - lev) * lam, grad, rtol=1e-6)  # → gradient descent with step 1/λ
    mar = hn.levenberg_marquardt_step(x, r, jac, damping=lam, marquardt=True)
    np.testing.assert_allclose((x - mar) * lam, grad / np.diag(jac.T @ jac), rtol=1e-6)  # curvature-scaled
    t = [torch.from_numpy(v) for v in (x, r, jac)]
    for lam_, mq in ((0.0, True), (0.3, False), (0.3, True)):
        np.testing.assert_allclose(ht.levenberg_marquardt_step(*t, damping=lam_, marquardt=mq).numpy(),
                                   hn.levenberg_marquardt_step(x, r, jac, damping=lam_, marquardt=mq), rtol=1e-10)


def _curve(params, t):
    a, b, c = params
    return a * np.exp(-b * t) + c


def test_levenberg_marquardt_fits_a_curve_in_numpy_and_torch():
    t = np.linspace(0, 4, 30)
    y = _curve((2.0, 1.3, 0.5), t) + 0.01 * np.random.default_rng(2).standard_normal(30)

    def closure(ps):
        a, b, c = ps[0]
        e = np.exp(-b * t)
        return a * e + c - y, np.stack([e, -a * t * e, np.ones_like(t)], axis=1)

    opt = hn.LevenbergMarquardt([np.array([0.5, 0.1, 0.0])], damping=1.0)
    for _ in range(40):
        opt.step(closure)
    np.testing.assert_allclose(opt.params[0], [2.0, 1.3, 0.5], atol=0.05)
    p = torch.tensor([0.5, 0.1, 0.0], dtype=torch.float64, requires_grad=True)
    topt = ht.LevenbergMarquardt([p], damping=1.0)
    tt, yy = torch.from_numpy(t), torch.from_numpy(y)
    for _ in range(40):
        topt.step(lambda: p[0] * torch.exp(-p[1] * tt) + p[2] - yy)
    np.testing.assert_allclose(p.detach().numpy(), opt.params[0], rtol=1e-7)
    gn = hn.GaussNewton([opt.params[0]])  # at the optimum Gauss–Newton stays put
    gn.step(closure)
    np.testing.assert_allclose(gn.params[0], opt.params[0], atol=1e-8)


def test_bfgs_secant_condition_two_loop_and_convergence():
    rng = np.random.default_rng(3)
    h = np.eye(4)
    s_hist, y_hist = [], []
    for _ in range(3):
        s = rng.standard_normal(4)
        y = A[:4, :4] @ s
        h = hn.bfgs_update(h, s, y)
        np.testing.assert_allclose(h @ y, s, rtol=1e-10)  # secant condition
        s_hist.append(s)
        y_hist.append(y)
    g = rng.standard_normal(4)
    np.testing.assert_allclose(hn.lbfgs_direction(g, s_hist, y_hist), -h @ g, rtol=1e-10)
    t_dir = ht.lbfgs_direction(torch.from_numpy(g), [torch.from_numpy(v) for v in s_hist],
                               [torch.from_numpy(v) for v in y_hist])
    np.testing.assert_allclose(t_dir.numpy(), -h @ g, rtol=1e-10)
    quad = lambda ps: (0.5 * ps[0] @ A @ ps[0] + B @ ps[0], [A @ ps[0] + B])
    opt = hn.BFGS([np.zeros(7)])
    for _ in range(30):
        opt.step(quad)
    np.testing.assert_allclose(opt.params[0], np.linalg.solve(A, -B), rtol=1e-6, atol=1e-8)
    p = torch.zeros(7, dtype=torch.float64, requires_grad=True)
    topt = ht.BFGS([p])

    def closure():
        topt.zero_grad()
        loss = 0.5 * p @ torch.from_numpy(A) @ p + torch.from_numpy(B) @ p
        loss.backward()
        return loss

    for _ in range(30):
        topt.step(closure)
    np.testing.assert_allclose(p.detach().numpy(), opt.params[0], rtol=1e-6, atol=1e-8)
