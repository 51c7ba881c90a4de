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

from ..core.optim_checks import check_damping, check_lr

__all__ = [
    "newton_step", "gauss_newton_step", "levenberg_marquardt_step", "bfgs_update", "lbfgs_direction",
    "Newton", "BFGS", "LBFGS", "GaussNewton", "LevenbergMarquardt",
]


def newton_step(x, grad, hessian, *, lr=1.0, damping=0.0):
    """x − α·(H + λI)⁻¹∇L on flat tensors: x (n,), grad (n,), hessian (n, n)."""
    n = x.shape[0]
    if grad.shape != (n,) or hessian.shape != (n, n):
        raise ValueError(f"newton_step expects x (n,), grad (n,) and hessian (n, n). Got {tuple(x.shape)}, "
                         f"{tuple(grad.shape)} and {tuple(hessian.shape)} instead.")
    eye = torch.eye(n, dtype=x.dtype, device=x.device)
    return x - lr * torch.linalg.solve(hessian + damping * eye, grad)


def gauss_newton_step(x, residuals, jacobian, *, lr=1.0):
    """x − α·(JᵀJ)⁻¹Jᵀr."""
    return levenberg_marquardt_step(x, residuals, jacobian, damping=0.0, lr=lr)


def levenberg_marquardt_step(x, residuals, jacobian, *, damping, marquardt=True, lr=1.0):
    """x − α·(JᵀJ + λD)⁻¹Jᵀr with D = diag(JᵀJ) (Marquardt) or I (Levenberg)."""
    m, n = jacobian.shape
    if residuals.shape != (m,) or x.shape != (n,):
        raise ValueError(f"levenberg_marquardt_step expects x (n,), residuals (m,) and jacobian (m, n). "
                         f"Got {tuple(x.shape)}, {tuple(residuals.shape)} and {tuple(jacobian.shape)} instead.")
    if damping < 0:
        raise ValueError(f"The 'damping' argument of levenberg_marquardt_step must be >= 0. Got {damping} instead.")
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


def lbfgs_direction(grad, s_history, y_history, h_diag=1.0):
    """The two-loop recursion: −H·grad from the stored (s, y) pairs."""
    q = -grad
    alphas = []
    for s, y in zip(reversed(s_history), reversed(y_history)):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q = q - a * y
    r = q * h_diag
    for (s, y), a in zip(zip(s_history, y_history), reversed(alphas)):
        b = (y @ r) / (y @ s)
        r = r + (a - b) * s
    return r


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


class BFGS(_FlatOptimizer):
    """BFGS with a backtracking (Armijo) line search from step ``lr``; PyTorch-style closure (calls backward)."""

    def __init__(self, params, lr=1.0):
        check_lr(lr, "BFGS")
        super().__init__(params, dict(lr=lr))

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
        check_lr(lr, "LBFGS")
        if line_search_fn is not None:
            raise ValueError(f"The 'line_search_fn' argument of LBFGS must be None here. Got {line_search_fn!r}.")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size))

    @torch.no_grad()
    def step(self, closure):
        closure = torch.enable_grad()(closure)
        c = self.param_groups[0]
        st = self._state
        st.setdefault("n_iter", 0)
        orig_loss = closure()
        loss, g = float(orig_loss), self._flat_grad()
        evals = 1
        if g.abs().max() <= c["tolerance_grad"]:
            return orig_loss
        d, t = st.get("d"), st.get("t")
        for n_iter in range(1, c["max_iter"] + 1):
            st["n_iter"] += 1
            if st["n_iter"] == 1:
                d, st["s"], st["y"], st["h_diag"] = -g, [], [], 1.0
            else:
                y, s = g - st["prev_grad"], d * t
                if y @ s > 1e-10:
                    if len(st["s"]) == c["history_size"]:
                        st["s"].pop(0)
                        st["y"].pop(0)
                    st["s"].append(s)
                    st["y"].append(y)
                    st["h_diag"] = (y @ s) / (y @ y)
                d = lbfgs_direction(g, st["s"], st["y"], st["h_diag"])
            st["prev_grad"], prev_loss = g.clone(), loss
            t = min(1.0, 1.0 / float(g.abs().sum())) * c["lr"] if st["n_iter"] == 1 else c["lr"]
            if g @ d > -c["tolerance_change"]:
                break
            self._set_flat(self._flat() + t * d)
            if n_iter != c["max_iter"]:
                loss, g = float(closure()), self._flat_grad()
                evals += 1
            if n_iter == c["max_iter"] or evals >= c["max_eval"] or g.abs().max() <= c["tolerance_grad"]:
                break
            if (d * t).abs().max() <= c["tolerance_change"] or abs(loss - prev_loss) < c["tolerance_change"]:
                break
        st["d"], st["t"] = d, t
        return orig_loss


class GaussNewton(_FlatOptimizer):
    """Gauss–Newton for ½‖r‖²; ``closure()`` returns the residual vector r."""

    def __init__(self, params, lr=1.0):
        check_lr(lr, "GaussNewton")
        super().__init__(params, dict(lr=lr))

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
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 1:
            raise ValueError(f"The 'factor' argument of LevenbergMarquardt must be a number > 1. Got {factor!r}.")
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
