"""First-order optimizers as ``torch.optim.Optimizer`` subclasses: SGD (+ momentum, Nesterov), the lecture's
velocity form, AdaGrad, RMSProp, Adam and AdamW.

Twins of :mod:`helpers.numpy_impl.optim`: the same ``*_step`` functions (tensors in, new tensors out) and the same
class names and constructor signatures. Here the classes follow PyTorch's conventions: they update the parameters
*in place* inside ``step(closure=None)`` and keep their state in ``self.state[p]`` with PyTorch's keys, so
``tests/test_optim.py`` can compare them step by step with ``torch.optim`` (``foreach=False``).
Device- and dtype-agnostic: every tensor is created with ``zeros_like``/``clone`` of the parameter.
"""

from __future__ import annotations

import torch

from ..core._validation import check_adagrad, check_adam, check_momentum, check_rmsprop, check_sgd

__all__ = [
    "sgd_step", "momentum_velocity_step", "adagrad_step", "rmsprop_step", "adam_step",
    "SGD", "Momentum", "Adagrad", "RMSprop", "Adam", "AdamW",
]


# ----------------------------------------------------------------------------------------------------- the math
def _lerp(a, b, w):
    """a + w·(b − a) = (1−w)·a + w·b, evaluated as PyTorch's ``lerp`` does (same rounding, so trajectories match)."""
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1 - w)


def sgd_step(param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False):
    """One step of SGD; returns ``(new_param, new_momentum_buffer)`` (see the NumPy twin for the formulas)."""
    g = grad + weight_decay * param if weight_decay else grad
    if momentum == 0:
        return param - lr * g, None
    b = g.clone() if momentum_buffer is None else momentum * momentum_buffer + (1 - dampening) * g
    d = g + momentum * b if nesterov else b
    return param - lr * d, b


def momentum_velocity_step(param, grad, velocity, *, lr, momentum):
    """The lecture's heavy ball v ← βv − α∇L, θ ← θ + v; returns ``(new_param, new_velocity)``."""
    v = momentum * velocity - lr * grad
    return param + v, v


def adagrad_step(param, grad, sum_sq, *, step, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10):
    """One AdaGrad step; returns ``(new_param, new_sum)``."""
    g = grad + weight_decay * param if weight_decay else grad
    clr = lr / (1 + (step - 1) * lr_decay)
    s = sum_sq + g * g
    return param - clr * (g / (s.sqrt() + eps)), s


def rmsprop_step(param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False):
    """One RMSProp step (ε outside the root); returns ``(param, square_avg, grad_avg, momentum_buffer)``."""
    g = grad + weight_decay * param if weight_decay else grad
    s = alpha * square_avg + (1 - alpha) * g * g
    if centered:  # ḡ ← α·ḡ + (1−α)·g, rounded like PyTorch's lerp (s − ḡ² cancels: rounding matters here)
        grad_avg = _lerp(grad_avg, g, 1 - alpha)
        denom = (s - grad_avg * grad_avg).sqrt() + eps
    else:
        denom = s.sqrt() + eps
    if momentum > 0:
        momentum_buffer = momentum * momentum_buffer + g / denom
        return param - lr * momentum_buffer, s, grad_avg, momentum_buffer
    return param - lr * (g / denom), s, grad_avg, momentum_buffer


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled=False):
    """One Adam/AdamW step with bias correction 1 − βᵗ; returns ``(param, exp_avg, exp_avg_sq)``."""
    beta1, beta2 = betas
    if decoupled:
        param = param * (1 - lr * weight_decay)
        g = grad
    else:
        g = grad + weight_decay * param if weight_decay else grad
    m = _lerp(exp_avg, g, 1 - beta1)  # = β₁m + (1−β₁)g
    v = beta2 * exp_avg_sq + (1 - beta2) * g * g
    bias1 = 1 - beta1**step
    bias2 = 1 - beta2**step
    denom = v.sqrt() / bias2**0.5 + eps
    return param - (lr / bias1) * (m / denom), m, v


# ---------------------------------------------------------------------------------------------- bookkeeping
class _Optimizer(torch.optim.Optimizer):
    """Calls ``closure`` (PyTorch convention: it zeroes grads, computes the loss, calls backward, returns the
    loss), then ``_update(p, grad, state, group)`` for every parameter that has a gradient."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.copy_(self._update(p, p.grad, self.state[p], group))
        return loss


class SGD(_Optimizer):
    """SGD with optional momentum, dampening, weight decay and Nesterov (PyTorch's form)."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        check_sgd(lr, momentum, dampening, weight_decay, nesterov)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _update(self, p, g, state, group):
        new_p, buf = sgd_step(p, g, state.get("momentum_buffer"), lr=group["lr"], momentum=group["momentum"],
                              dampening=group["dampening"], weight_decay=group["weight_decay"],
                              nesterov=group["nesterov"])
        if buf is not None:
            state["momentum_buffer"] = buf
        return new_p


class Momentum(_Optimizer):
    """The lecture's velocity form v ← βv − α∇L, θ ← θ + v (state key ``velocity``).

    With ``nesterov=True``, ``step`` needs the closure: it moves the parameters to the look-ahead point θ + βv,
    evaluates the gradient there, moves back and then applies the update, exactly as the lecture writes it.
    """

    def __init__(self, params, lr=1e-3, momentum=0.9, nesterov=False):
        check_momentum(lr, momentum)
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        shifts = []
        for group in self.param_groups:
            if group["nesterov"]:
                if closure is None:
                    raise ValueError("Momentum(nesterov=True).step needs a closure: the gradient is taken at θ + βv.")
                for p in group["params"]:
                    if "velocity" in self.state[p]:
                        shift = group["momentum"] * self.state[p]["velocity"]
                        p.add_(shift)  # go to the look-ahead point ...
                        shifts.append((p, shift))
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for p, shift in shifts:
            p.sub_(shift)  # ... and back, keeping the look-ahead gradient in p.grad
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.copy_(self._update(p, p.grad, self.state[p], group))
        return loss

    def _update(self, p, g, state, group):
        v = state.get("velocity", torch.zeros_like(p))
        new_p, state["velocity"] = momentum_velocity_step(p, g, v, lr=group["lr"], momentum=group["momentum"])
        return new_p


class Adagrad(_Optimizer):
    """AdaGrad (PyTorch's form; state keys ``step``, ``sum``)."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, p, g, state, group):
        state["step"] = state.get("step", 0) + 1
        s = state.get("sum", torch.full_like(p, group["initial_accumulator_value"]))
        new_p, state["sum"] = adagrad_step(p, g, s, step=state["step"], lr=group["lr"], lr_decay=group["lr_decay"],
                                           weight_decay=group["weight_decay"], eps=group["eps"])
        return new_p


class RMSprop(_Optimizer):
    """RMSProp (PyTorch's form: ``alpha`` is the lecture's β, ε outside the root)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        check_rmsprop(lr, alpha, eps, weight_decay, momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, p, g, state, group):
        if not state:
            state.update(step=0, square_avg=torch.zeros_like(p),
                         grad_avg=torch.zeros_like(p) if group["centered"] else None,
                         momentum_buffer=torch.zeros_like(p) if group["momentum"] > 0 else None)
        state["step"] += 1
        new_p, state["square_avg"], state["grad_avg"], state["momentum_buffer"] = rmsprop_step(
            p, g, state["square_avg"], state["grad_avg"], state["momentum_buffer"], lr=group["lr"],
            alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"], momentum=group["momentum"],
            centered=group["centered"])
        return new_p


class Adam(_Optimizer):
    """Adam with bias correction 1 − βᵗ; state keys ``step``, ``exp_avg``, ``exp_avg_sq``."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        check_adam(type(self).__name__, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        if not state:
            state.update(step=0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
        state["step"] += 1
        new_p, state["exp_avg"], state["exp_avg_sq"] = adam_step(
            p, g, state["exp_avg"], state["exp_avg_sq"], step=state["step"], lr=group["lr"], betas=group["betas"],
            eps=group["eps"], weight_decay=group["weight_decay"], decoupled=self._decoupled)
        return new_p


class AdamW(Adam):
    """Adam with decoupled weight decay θ ← θ(1 − α·wd)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
