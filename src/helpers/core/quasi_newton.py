"""The framework-free part of L-BFGS, shared by ``numpy_impl.second_order`` and ``torch_impl.second_order``.

Everything here uses only ``@``, ``+``, ``-``, ``*``, ``abs`` and ``.max()``/``.sum()``, so it runs unchanged on
NumPy arrays and on torch tensors; each twin supplies how to read and write its parameters as one flat vector.
The iteration reproduces ``torch.optim.LBFGS`` without line search (torch/optim/lbfgs.py), step for step.
"""

from __future__ import annotations

from ._validation import check_lr

__all__ = ["lbfgs_direction", "lbfgs_config", "lbfgs_iterate"]


def lbfgs_direction(grad, s_history, y_history, h_diag=1.0):
    """The two-loop recursion: −H·grad with H the L-BFGS inverse Hessian built from the last (s, y) pairs."""
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


def lbfgs_config(lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size, line_search_fn) -> dict:
    """The checked settings of an L-BFGS optimizer (``max_eval`` defaults to 1.25 ``max_iter``, as in torch)."""
    check_lr(lr, "LBFGS")
    if line_search_fn is not None:
        raise ValueError(f"The 'line_search_fn' argument of LBFGS must be None here. Got {line_search_fn!r}.")
    max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
    return dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                tolerance_change=tolerance_change, history_size=history_size)


def _remember(state, s, y, history_size) -> None:
    """Store the pair (s, y) if its curvature yᵀs is positive, dropping the oldest beyond ``history_size``."""
    if y @ s > 1e-10:
        if len(state["s"]) == history_size:
            state["s"].pop(0)
            state["y"].pop(0)
        state["s"].append(s)
        state["y"].append(y)
        state["h_diag"] = (y @ s) / (y @ y)


def lbfgs_iterate(x, loss, g, *, move, evaluate, state: dict, config: dict) -> None:
    """Up to ``config["max_iter"]`` L-BFGS iterations from the flat point x with loss and flat gradient g.

    ``move(x)`` writes x into the parameters; ``evaluate()`` returns ``(loss, flat gradient)`` there.
    ``state`` (keys n_iter, s, y, h_diag, d, t, prev_grad) persists between calls, as torch's optimizer state.
    """
    c, st = config, state
    st.setdefault("n_iter", 0)
    evals = 1
    if abs(g).max() <= c["tolerance_grad"]:
        return
    d, t = st.get("d"), st.get("t")
    for n_iter in range(1, c["max_iter"] + 1):
        st["n_iter"] += 1
        if st["n_iter"] == 1:
            d, st["s"], st["y"], st["h_diag"] = -g, [], [], 1.0
        else:
            _remember(st, d * t, g - st["prev_grad"], c["history_size"])
            d = lbfgs_direction(g, st["s"], st["y"], st["h_diag"])
        st["prev_grad"], prev_loss = g, loss
        t = min(1.0, 1.0 / float(abs(g).sum())) * c["lr"] if st["n_iter"] == 1 else c["lr"]
        if g @ d > -c["tolerance_change"]:  # not a descent direction
            break
        x = x + t * d
        move(x)
        if n_iter != c["max_iter"]:
            loss, g = evaluate()
            evals += 1
        if n_iter == c["max_iter"] or evals >= c["max_eval"] or abs(g).max() <= c["tolerance_grad"]:
            break
        if abs(d * t).max() <= c["tolerance_change"] or abs(loss - prev_loss) < c["tolerance_change"]:
            break
    st["d"], st["t"] = d, t
