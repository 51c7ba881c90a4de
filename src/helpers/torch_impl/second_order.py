"""Second-order and quasi-Newton optimizers for PyTorch: Newton (and damped Newton), BFGS, L-BFGS, Gauss–Newton,
Levenberg and Levenberg–Marquardt, as ``torch.optim.Optimizer`` subclasses.

Twins of :mod:`helpers.numpy_impl.second_order` (same names and constructor signatures). Derivatives come from
autograd, so the closures differ from the NumPy ones:

* ``BFGS``, ``LBFGS``: PyTorch's convention — ``closure()`` zeroes the grads, computes the loss, calls
  ``backward()`` and returns the loss (our ``LBFGS`` matches ``torch.optim.LBFGS`` without line search);
* ``Newton``: ``closure()`` returns the loss *without* calling backward; the optimizer builds ∇L and the
  Hessian (n backward passes: O(n²) memory, then an O(n³) solve);
* ``GaussNewton``, ``LevenbergMarquardt``: ``closure()`` returns the residual vector r (loss ½‖r‖²); the
  optimizer builds the Jacobian row by row.
"""

from __future__ import annotations

import torch

from ..core._validation import check_damping, check_factor, check_levenberg_marquardt_args, check_lr, check_newton_args
from ..core.quasi_newton import lbfgs_config, lbfgs_direction, lbfgs_iterate

__all__ = [
    "newton_step", "gauss_newton_step", "levenberg_marquardt_step", "bfgs_update", "lbfgs_direction",
    "Newton", "BFGS", "LBFGS", "GaussNewton", "LevenbergMarquardt",
]


def newton_step(x, grad, hessian, *, lr=1.0, damping=0.0):
    """x − α·(H + λI)⁻¹∇L on flat tensors: x (n,), grad (n,), hessian (n, n)."""
    check_newton_args(x, grad, hessian)
    n = x.shape[0]
    eye = torch.eye(n, dtype=x.dtype, device=x.device)
    return x - lr * torch.linalg.solve(hessian + damping * eye, grad)


def gauss_newton_step(x, residuals, jacobian, *, lr=1.0):
    """x − α·(JᵀJ)⁻¹Jᵀr."""
    return levenberg_marquardt_step(x, residuals, jacobian, damping=0.0, lr=lr)


def levenberg_marquardt_step(x, residuals, jacobian, *, damping, marquardt=True, lr=1.0):
    """x − α·(JᵀJ + λD)⁻¹Jᵀr with D = diag(JᵀJ) (Marquardt) or I (Levenberg)."""
    check_levenberg_marquardt_args(x, residuals, jacobian, damping)
    n = jacobian.shape[1]
    jtj = jacobian.T @ jacobian  # (n, n)
    scale = torch.diag(torch.diagonal(jtj)) if marquardt else torch.eye(n, dtype=x.dtype, device=x.device)
    return x - lr * torch.linalg.solve(jtj + damping * scale, jacobian.T @ residuals)


def bfgs_update(h_inv, s, y):
    """BFGS update of the inverse-Hessian estimate (skipped when sᵀy ≤ 1e-10)."""
    ys = float(y @ s)
    if ys <= 1e-10:
        return h_inv
    rho = 1.0 / ys
    eye = torch.eye(s.shape[0], dtype=s.dtype, device=s.device)
    return (eye - rho * torch.outer(s, y)) @ h_inv @ (eye - rho * torch.outer(y, s)) + rho * torch.outer(s, s)


class _FlatOptimizer(torch.optim.Optimizer):
    """One parameter group viewed as a flat vector x; the state lives in the first parameter's state dict."""

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(f"{type(self).__name__} supports a single parameter group.")
        self._params = self.param_groups[0]["params"]

    @property
    def _state(self):
        return self.state[self._params[0]]  # like torch.optim.LBFGS: keeps state_dict() working

    def _flat(self, tensors=None):
        return torch.cat([t.reshape(-1) for t in (self._params if tensors is None else tensors)])

    def _flat_grad(self):
        return torch.cat([torch.zeros_like(p).reshape(-1) if p.grad is None else p.grad.reshape(-1)
                          for p in self._params])

    @torch.no_grad()
    def _set_flat(self, x):
        i = 0
        for p in self._params:
            p.copy_(x[i:i + p.numel()].view_as(p))
            i += p.numel()

    def _rows(self, vector):
        """The Jacobian of a vector-valued function of the parameters, one backward pass per row: (len, n)."""
        rows = [self._flat(torch.autograd.grad(v, self._params, retain_graph=True, allow_unused=True,
                                               materialize_grads=True)) for v in vector]
        return torch.stack(rows)


class _StepSizeOnly(_FlatOptimizer):
    """A method whose one hyperparameter is the step size ``lr`` (BFGS, Gauss–Newton)."""

    def __init__(self, params, lr=1.0):
        check_lr(lr, type(self).__name__)
        super().__init__(params, dict(lr=lr))


class Newton(_FlatOptimizer):
    """Newton's method x ← x − α(H + λI)⁻¹∇L; ``closure()`` returns the loss without calling backward."""

    def __init__(self, params, lr=1.0, damping=0.0):
        check_lr(lr, "Newton")
        check_damping(damping, "Newton")
        super().__init__(params, dict(lr=lr, damping=damping))

    def step(self, closure):
        with torch.enable_grad():
            loss = closure()
            grad = self._flat(torch.autograd.grad(loss, self._params, create_graph=True))
            hessian = self._rows(grad)  # (n, n)
        group = self.param_groups[0]
        with torch.no_grad():
            self._set_flat(newton_step(self._flat().detach(), grad.detach(), hessian.detach(), lr=group["lr"],
                                       damping=group["damping"]))
        return loss.detach()


class BFGS(_StepSizeOnly):
    """BFGS with a backtracking (Armijo) line search from step ``lr``; PyTorch-style closure (calls backward)."""

    @torch.no_grad()
    def step(self, closure):
        closure = torch.enable_grad()(closure)
        x = self._flat().clone()
        loss = closure()
        g = self._flat_grad()
        h_inv = self._state.get("inv_hessian", torch.eye(x.numel(), dtype=x.dtype, device=x.device))
        d = -h_inv @ g
        t = self.param_groups[0]["lr"]
        for _ in range(30):
            self._set_flat(x + t * d)
            if float(closure()) <= float(loss) + 1e-4 * t * float(g @ d):
                break
            t *= 0.5
        self._state["inv_hessian"] = bfgs_update(h_inv, t * d, self._flat_grad() - g)
        return loss


class LBFGS(_FlatOptimizer):
    """L-BFGS, step for step the algorithm of ``torch.optim.LBFGS`` without line search."""

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        super().__init__(params, lbfgs_config(lr, max_iter, max_eval, tolerance_grad, tolerance_change,
                                              history_size, line_search_fn))

    @torch.no_grad()
    def step(self, closure):
        closure = torch.enable_grad()(closure)

        def evaluate():
            return float(closure()), self._flat_grad()

        orig_loss = closure()
        lbfgs_iterate(self._flat().clone(), float(orig_loss), self._flat_grad(), move=self._set_flat,
                      evaluate=evaluate, state=self._state, config=self.param_groups[0])
        return orig_loss


class GaussNewton(_StepSizeOnly):
    """Gauss–Newton for ½‖r‖²; ``closure()`` returns the residual vector r."""

    def _residuals_and_jacobian(self, closure):
        with torch.enable_grad():
            r = closure()
            jac = self._rows(r)  # (m, n)
        return r.detach(), jac.detach()

    def step(self, closure):
        r, jac = self._residuals_and_jacobian(closure)
        with torch.no_grad():
            self._set_flat(gauss_newton_step(self._flat().detach(), r, jac, lr=self.param_groups[0]["lr"]))
        return 0.5 * (r @ r)


class LevenbergMarquardt(GaussNewton):
    """Levenberg (``marquardt=False``) or Levenberg–Marquardt with the accept/reject λ schedule."""

    def __init__(self, params, damping=1e-2, marquardt=True, factor=10.0):
        check_damping(damping, "LevenbergMarquardt")
        check_factor(factor, "LevenbergMarquardt")
        _FlatOptimizer.__init__(self, params, dict(damping=damping, marquardt=marquardt, factor=factor))
        self._state["damping"] = float(damping)

    def step(self, closure):
        r, jac = self._residuals_and_jacobian(closure)
        group, st = self.param_groups[0], self._state
        loss = 0.5 * (r @ r)
        with torch.no_grad():
            x = self._flat().clone()
            for _ in range(20):
                x_new = levenberg_marquardt_step(x, r, jac, damping=st["damping"], marquardt=group["marquardt"])
                self._set_flat(x_new)
                r_new = closure()
                if 0.5 * float(r_new @ r_new) < float(loss):
                    st["damping"] /= group["factor"]
                    break
                self._set_flat(x)
                st["damping"] = max(st["damping"], 1e-12) * group["factor"]
        return loss
