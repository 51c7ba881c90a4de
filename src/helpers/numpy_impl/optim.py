"""First-order optimizers in NumPy: SGD (+ momentum, Nesterov), the lecture's velocity form, AdaGrad, RMSProp,
Adam and AdamW.

Design (mirrors ``torch.optim``): one pure function per method does the math (``*_step``: arrays in, new arrays
out, nothing mutated); a small class does the bookkeeping (its own float64 copies of the parameters, a lazily
created ``state`` per parameter with PyTorch's keys ``step``, ``momentum_buffer``, ``sum``, ``square_avg``,
``exp_avg``, ``exp_avg_sq``). Usage::

    opt = hn.Adam([w, b], lr=1e-3)
    w, b = opt.step([dw, db])        # returns the new parameters; the caller's arrays are never modified

The ``*_step`` functions also accept an array ``lr`` that broadcasts against the parameter: the optimizer widget
uses this to run several learning rates at once. Each class follows PyTorch's update *exactly* (same order of
operations), so ``tests/test_optim.py`` compares whole trajectories with ``torch.optim``.

References: Polyak (1964) heavy ball; Sutskever et al. (2013) Nesterov in deep learning; Duchi et al. (2011)
AdaGrad; Hinton's lecture 6e (RMSProp); Kingma & Ba (2015) Adam; Loshchilov & Hutter (2019) AdamW.
"""

from __future__ import annotations

import numpy as np

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
    """One step of PyTorch's SGD. Returns ``(new_param, new_momentum_buffer)`` (the buffer is None without momentum).

    g = grad + wd·θ;  b = g on the first step, else μ·b + (1−dampening)·g;  d = g + μ·b (Nesterov) or b;  θ ← θ − α·d.
    """
    g = grad + weight_decay * param if weight_decay else grad
    if momentum == 0:
        return param - lr * g, None
    b = g.copy() if momentum_buffer is None else momentum * momentum_buffer + (1 - dampening) * g
    d = g + momentum * b if nesterov else b
    return param - lr * d, b


def momentum_velocity_step(param, grad, velocity, *, lr, momentum):
    """The lecture's heavy ball: v ← β·v − α·∇L,  θ ← θ + v. Returns ``(new_param, new_velocity)``.

    For Nesterov's variant pass the gradient at the look-ahead point θ + β·v (see :class:`Momentum`).
    With a constant α this is PyTorch's form with v = −α·b (b: PyTorch's momentum buffer).
    """
    v = momentum * velocity - lr * grad
    return param + v, v


def adagrad_step(param, grad, sum_sq, *, step, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10):
    """One AdaGrad step (PyTorch's order). Returns ``(new_param, new_sum)``; ``step`` counts from 1.

    s ← s + g²;  θ ← θ − α/(1 + (t−1)·lr_decay) · g / (√s + ε).
    """
    g = grad + weight_decay * param if weight_decay else grad
    clr = lr / (1 + (step - 1) * lr_decay)
    s = sum_sq + g * g
    return param - clr * (g / (np.sqrt(s) + eps)), s


def rmsprop_step(param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False):
    """One RMSProp step (PyTorch's order; ε *outside* the root). Returns ``(param, square_avg, grad_avg, buffer)``.

    s ← α·s + (1−α)·g²;  θ ← θ − lr · g / (√s + ε)   (centered: √(s − ḡ²); momentum: b ← μ·b + g/(√s+ε)).
    """
    g = grad + weight_decay * param if weight_decay else grad
    s = alpha * square_avg + (1 - alpha) * g * g
    if centered:  # ḡ ← α·ḡ + (1−α)·g, rounded like PyTorch's lerp (s − ḡ² cancels: rounding matters here)
        grad_avg = _lerp(grad_avg, g, 1 - alpha)
        denom = np.sqrt(s - grad_avg * grad_avg) + eps
    else:
        denom = np.sqrt(s) + eps
    if momentum > 0:
        momentum_buffer = momentum * momentum_buffer + g / denom
        return param - lr * momentum_buffer, s, grad_avg, momentum_buffer
    return param - lr * (g / denom), s, grad_avg, momentum_buffer


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled=False):
    """One Adam (``decoupled=False``) or AdamW (``decoupled=True``) step. Returns ``(param, exp_avg, exp_avg_sq)``.

    m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);  θ ← θ − α·m̂/(√v̂ + ε),
    with t = ``step`` counted from 1. Weight decay: Adam adds wd·θ to the gradient (an L2 penalty that the
    adaptive scaling then distorts); AdamW shrinks θ ← θ·(1 − α·wd) directly.
    """
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
    denom = np.sqrt(v) / np.sqrt(bias2) + eps  # = √v̂ + ε, written as PyTorch does
    return param - (lr / bias1) * (m / denom), m, v


# ---------------------------------------------------------------------------------------------- bookkeeping
class _Optimizer:
    """Owns float64 copies of the parameters and one lazily filled ``state`` dict per parameter."""

    def __init__(self, params, defaults: dict):
        if isinstance(params, np.ndarray) or not hasattr(params, "__iter__"):
            raise TypeError(f"The 'params' argument of {type(self).__name__} must be a list of arrays. "
                            f"Got {type(params).__name__} instead.")
        self.params = [np.array(p, dtype=np.float64) for p in params]  # copies: never touch the caller's arrays
        if not self.params:
            raise ValueError(f"The 'params' argument of {type(self).__name__} must not be empty.")
        self.defaults = dict(defaults)
        self.state: list[dict] = [{} for _ in self.params]

    def step(self, grads) -> list[np.ndarray]:
        """Apply one update with ``grads`` (one array per parameter, same shapes); return the new parameters."""
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"The 'grads' argument of {type(self).__name__}.step must hold {len(self.params)} "
                             f"arrays. Got {len(grads)} instead.")
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = np.asarray(g, dtype=np.float64)
            if g.shape != p.shape:
                raise ValueError(f"The 'grads' argument of {type(self).__name__}.step must match the parameter "
                                 f"shapes: grads[{i}] should have shape {p.shape}. Got {g.shape} instead.")
            self.params[i] = self._update(p, g, self.state[i])
        return self.params

    def _update(self, p, g, state):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


class SGD(_Optimizer):
    """PyTorch's SGD: plain, with momentum (buffer b ← μb + g, θ ← θ − αb) and Nesterov (θ ← θ − α(g + μb))."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        check_sgd(lr, momentum, dampening, weight_decay, nesterov, allow_array_lr=True)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _update(self, p, g, state):
        d = self.defaults
        new_p, buf = sgd_step(p, g, state.get("momentum_buffer"), lr=d["lr"], momentum=d["momentum"],
                              dampening=d["dampening"], weight_decay=d["weight_decay"], nesterov=d["nesterov"])
        if buf is not None:
            state["momentum_buffer"] = buf
        return new_p


class Momentum(_Optimizer):
    """The lecture's velocity form v ← βv − α∇L(·), θ ← θ + v (state key ``velocity``).

    With ``nesterov=True`` the gradient passed to :meth:`step` must be evaluated at :meth:`lookahead`,
    the point θ + βv the heavy ball is about to reach (the lecture's look-ahead gradient).
    """

    def __init__(self, params, lr=1e-3, momentum=0.9, nesterov=False):
        check_momentum(lr, momentum, allow_array_lr=True)
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov))

    def lookahead(self) -> list[np.ndarray]:
        """θ + β·v for each parameter: where Nesterov evaluates the gradient (θ itself without Nesterov)."""
        beta = self.defaults["momentum"] if self.defaults["nesterov"] else 0.0
        return [p + beta * s.get("velocity", 0.0) for p, s in zip(self.params, self.state)]

    def _update(self, p, g, state):
        v = state.get("velocity", np.zeros_like(p))
        new_p, state["velocity"] = momentum_velocity_step(p, g, v, lr=self.defaults["lr"],
                                                          momentum=self.defaults["momentum"])
        return new_p


class Adagrad(_Optimizer):
    """PyTorch's Adagrad: per-coordinate steps α/√(Σ g²); state keys ``step``, ``sum``."""

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps, allow_array_lr=True)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, p, g, state):
        d = self.defaults
        state["step"] = state.get("step", 0) + 1
        s = state.get("sum", np.full_like(p, d["initial_accumulator_value"]))
        new_p, state["sum"] = adagrad_step(p, g, s, step=state["step"], lr=d["lr"], lr_decay=d["lr_decay"],
                                           weight_decay=d["weight_decay"], eps=d["eps"])
        return new_p


class RMSprop(_Optimizer):
    """PyTorch's RMSprop (``alpha`` is the lecture's β); state keys ``step``, ``square_avg``, ``grad_avg``, ``momentum_buffer``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        check_rmsprop(lr, alpha, eps, weight_decay, momentum, allow_array_lr=True)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, p, g, state):
        d = self.defaults
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p), grad_avg=np.zeros_like(p) if d["centered"] else None,
                         momentum_buffer=np.zeros_like(p) if d["momentum"] > 0 else None)
        state["step"] += 1
        new_p, state["square_avg"], state["grad_avg"], state["momentum_buffer"] = rmsprop_step(
            p, g, state["square_avg"], state["grad_avg"], state["momentum_buffer"], lr=d["lr"], alpha=d["alpha"],
            eps=d["eps"], weight_decay=d["weight_decay"], momentum=d["momentum"], centered=d["centered"])
        return new_p


class Adam(_Optimizer):
    """Adam with bias correction 1 − βᵗ (state keys ``step``, ``exp_avg``, ``exp_avg_sq``); L2-style weight decay."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        check_adam(type(self).__name__, lr, betas, eps, weight_decay, allow_array_lr=True)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, p, g, state):
        d = self.defaults
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] += 1
        new_p, state["exp_avg"], state["exp_avg_sq"] = adam_step(
            p, g, state["exp_avg"], state["exp_avg_sq"], step=state["step"], lr=d["lr"], betas=d["betas"],
            eps=d["eps"], weight_decay=d["weight_decay"], decoupled=self._decoupled)
        return new_p


class AdamW(Adam):
    """Adam with decoupled weight decay θ ← θ(1 − α·wd) (PyTorch's default wd = 0.01)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
