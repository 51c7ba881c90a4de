"""Second-order and quasi-Newton optimizers in NumPy: Newton (and damped Newton), BFGS, L-BFGS, Gauss–Newton,
Levenberg and Levenberg–Marquardt.

These methods work on the *flattened* parameter vector x (all parameters concatenated, n numbers): a Hessian
or its approximation is an (n, n) matrix — O(n²) memory and an O(n³) solve, which is why deep learning rarely
uses them. The math lives in small pure functions on flat vectors; the classes own float64 copies of the
parameters (``opt.params``) and take a ``closure(params)`` that the method calls as often as it needs:

* ``Newton``: ``closure(params) -> (loss, grads, hessian)`` (hessian of the flattened parameters, (n, n));
* ``BFGS``, ``LBFGS``: ``closure(params) -> (loss, grads)``;
* ``GaussNewton``, ``LevenbergMarquardt``: ``closure(params) -> (residuals, jacobian)`` with loss ½‖r‖²,
  residuals (m,), jacobian (m, n).

``step(closure)`` returns the loss at the start of the step (as ``torch.optim.LBFGS`` does).
``LBFGS`` reproduces ``torch.optim.LBFGS`` (without line search) step by step.
References: Nocedal & Wright, *Numerical Optimization* (2006), ch. 3, 6, 7, 10; Marquardt (1963).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_damping, check_factor, check_levenberg_marquardt_args, check_lr, check_newton_args
from ..core.quasi_newton import lbfgs_config, lbfgs_direction, lbfgs_iterate

__all__ = [
    "newton_step", "gauss_newton_step", "levenberg_marquardt_step", "bfgs_update", "lbfgs_direction",
    "Newton", "BFGS", "LBFGS", "GaussNewton", "LevenbergMarquardt",
]


def newton_step(x, grad, hessian, *, lr=1.0, damping=0.0):
    """x − α·(H + λI)⁻¹∇L. ``lr`` < 1 or ``damping`` λ > 0 give damped Newton; x (n,), grad (n,), hessian (n, n)."""
    check_newton_args(x, grad, hessian)
    n = x.shape[0]
    return x - lr * np.linalg.solve(hessian + damping * np.eye(n), grad)


def gauss_newton_step(x, residuals, jacobian, *, lr=1.0):
    """x − α·(JᵀJ)⁻¹Jᵀr for the loss ½‖r(x)‖² (JᵀJ: the Hessian without the second-derivative terms of r)."""
    return levenberg_marquardt_step(x, residuals, jacobian, damping=0.0, lr=lr)


def levenberg_marquardt_step(x, residuals, jacobian, *, damping, marquardt=True, lr=1.0):
    """x − α·(JᵀJ + λD)⁻¹Jᵀr with D = diag(JᵀJ) (Marquardt) or I (Levenberg).

    λ → 0 gives Gauss–Newton; λ → ∞ gives a tiny gradient step −Jᵀr/λ (Levenberg) or a curvature-scaled one.
    """
    check_levenberg_marquardt_args(x, residuals, jacobian, damping)
    n = jacobian.shape[1]
    jtj = jacobian.T @ jacobian  # (n, n)
    scale = np.diag(np.diag(jtj)) if marquardt else np.eye(n)
    return x - lr * np.linalg.solve(jtj + damping * scale, jacobian.T @ residuals)


def bfgs_update(h_inv, s, y):
    """BFGS update of the inverse-Hessian estimate from a step s and the gradient change y (skipped if sᵀy ≤ 0).

    H⁺ = (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ with ρ = 1/(yᵀs): the secant condition H⁺y = s holds afterwards.
    """
    ys = float(y @ s)
    if ys <= 1e-10:  # curvature condition violated: keep H positive definite
        return h_inv
    rho = 1.0 / ys
    eye = np.eye(s.shape[0])
    return (eye - rho * np.outer(s, y)) @ h_inv @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)


class _FlatOptimizer:
    """Owns float64 copies of the parameters and views them as one flat vector x."""

    def __init__(self, params, defaults):
        if isinstance(params, np.ndarray) or not hasattr(params, "__iter__"):
            raise TypeError(f"The 'params' argument of {type(self).__name__} must be a list of arrays. "
                            f"Got {type(params).__name__} instead.")
        self.params = [np.array(p, dtype=np.float64) for p in params]
        if not self.params:
            raise ValueError(f"The 'params' argument of {type(self).__name__} must not be empty.")
        self.defaults = dict(defaults)
        self.state: dict = {}

    def _flat(self, arrays=None):
        return np.concatenate([np.ravel(a) for a in (self.params if arrays is None else arrays)])

    def _unflat(self, x):
        out, i = [], 0
        for p in self.params:
            out.append(x[i:i + p.size].reshape(p.shape))
            i += p.size
        return out


class _StepSizeOnly(_FlatOptimizer):
    """A method whose one hyperparameter is the step size ``lr`` (BFGS, Gauss–Newton)."""

    def __init__(self, params, lr=1.0):
        check_lr(lr, type(self).__name__)
        super().__init__(params, dict(lr=lr))


class Newton(_FlatOptimizer):
    """Newton's method x ← x − α(H + λI)⁻¹∇L; ``lr`` < 1 or ``damping`` > 0 give damped Newton."""

    def __init__(self, params, lr=1.0, damping=0.0):
        check_lr(lr, "Newton")
        check_damping(damping, "Newton")
        super().__init__(params, dict(lr=lr, damping=damping))

    def step(self, closure):
        loss, grads, hessian = closure(self.params)
        x = newton_step(self._flat(), self._flat(grads), np.asarray(hessian, dtype=np.float64),
                        lr=self.defaults["lr"], damping=self.defaults["damping"])
        self.params = self._unflat(x)
        return loss


class BFGS(_StepSizeOnly):
    """BFGS with a backtracking (Armijo) line search starting from step ``lr``; state key ``inv_hessian``."""

    def step(self, closure):
        x = self._flat()
        loss, grads = closure(self.params)
        g = self._flat(grads)
        h_inv = self.state.get("inv_hessian", np.eye(x.size))
        d = -h_inv @ g
        t = self.defaults["lr"]
        for _ in range(30):  # halve until the loss decreases enough (Armijo condition)
            new_loss, new_grads = closure(self._unflat(x + t * d))
            if new_loss <= loss + 1e-4 * t * (g @ d):
                break
            t *= 0.5
        self.state["inv_hessian"] = bfgs_update(h_inv, t * d, self._flat(new_grads) - g)
        self.params = self._unflat(x + t * d)
        return loss


class LBFGS(_FlatOptimizer):
    """L-BFGS exactly as ``torch.optim.LBFGS`` without line search: up to ``max_iter`` iterations per ``step``."""

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        super().__init__(params, lbfgs_config(lr, max_iter, max_eval, tolerance_grad, tolerance_change,
                                              history_size, line_search_fn))
        self.state = dict(n_iter=0, s=[], y=[], h_diag=1.0, d=None, t=None, prev_grad=None)

    def step(self, closure):
        def move(x):
            self.params = self._unflat(x)

        def evaluate():
            loss, grads = closure(self.params)
            return float(loss), self._flat(grads)

        orig_loss, grads = closure(self.params)
        lbfgs_iterate(self._flat(), float(orig_loss), self._flat(grads), move=move, evaluate=evaluate,
                      state=self.state, config=self.defaults)
        return orig_loss


class GaussNewton(_StepSizeOnly):
    """Gauss–Newton for ½‖r(x)‖²: x ← x − α(JᵀJ)⁻¹Jᵀr."""

    def step(self, closure):
        r, jac = closure(self.params)
        self.params = self._unflat(gauss_newton_step(self._flat(), r, jac, lr=self.defaults["lr"]))
        return 0.5 * float(r @ r)


class LevenbergMarquardt(_FlatOptimizer):
    """Levenberg (``marquardt=False``) or Levenberg–Marquardt with the classic λ schedule: a step that lowers
    the loss is accepted and λ ← λ/``factor``; otherwise it is rejected and λ ← λ·``factor`` (state key ``damping``)."""

    def __init__(self, params, damping=1e-2, marquardt=True, factor=10.0):
        check_damping(damping, "LevenbergMarquardt")
        check_factor(factor, "LevenbergMarquardt")
        super().__init__(params, dict(damping=damping, marquardt=marquardt, factor=factor))
        self.state["damping"] = float(damping)

    def step(self, closure):
        x = self._flat()
        r, jac = closure(self.params)
        loss = 0.5 * float(r @ r)
        for _ in range(20):
            lam = self.state["damping"]
            with np.errstate(all="ignore"):  # a wild trial step is simply rejected below
                x_new = levenberg_marquardt_step(x, r, jac, damping=lam, marquardt=self.defaults["marquardt"])
                r_new, _ = closure(self._unflat(x_new))
                new_loss = 0.5 * float(r_new @ r_new)
            if new_loss < loss:
                self.state["damping"] = lam / self.defaults["factor"]
                self.params = self._unflat(x_new)
                break
            self.state["damping"] = max(lam, 1e-12) * self.defaults["factor"]
        return loss
