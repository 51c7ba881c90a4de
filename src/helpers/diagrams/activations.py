"""PReLU: a leaky ReLU whose negative slope is a parameter, learned by gradient descent like a weight.

:func:`fit_prelu_slope` recovers the slope ``a`` of ``y = prelu(x; a_true) + noise`` from samples by plain
gradient descent on the mean squared error, with the book's hand-written ``prelu_forward`` / ``prelu_backward``
(:mod:`helpers.numpy_impl.layers`). Only negative inputs carry information about ``a``, and the loss is a
parabola in ``a``, so gradient descent converges to the least-squares slope
``sum_{x<0} x y / sum_{x<0} x^2`` (returned as ``"closed_form"``; the unit test checks the agreement).
Everything is float64 and deterministic. :func:`draw_activation_family` plots ReLU, leaky ReLU and the learned
PReLU next to the samples and the slope's trajectory.

Reference: He et al., "Delving deep into rectifiers" (ICCV 2015), which introduced PReLU.
"""

from __future__ import annotations

import numpy as np

from ..numpy_impl.layers import prelu_backward, prelu_forward

__all__ = ["fit_prelu_slope", "draw_activation_family"]


def fit_prelu_slope(*, true_slope: float = 0.2, n: int = 200, noise: float = 0.05, steps: int = 60,
                    lr: float = 0.3, start: float = 0.25, seed: int = 0) -> dict:
    """Learn the PReLU slope from ``n`` samples by ``steps`` of gradient descent from ``start`` (PyTorch's
    initial value for ``nn.PReLU``). Returns ``{"x", "y", "slopes" (steps + 1,), "losses" (steps,),
    "closed_form"}``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1))  # (N, C=1)
    y = prelu_forward(x, np.array([true_slope]))[0] + noise * rng.standard_normal((n, 1))
    a, slopes, losses = np.array([start]), [start], []
    for _ in range(steps):
        out, cache = prelu_forward(x, a)
        losses.append(float(np.mean((out - y) ** 2)))
        _, da = prelu_backward(2.0 * (out - y) / n, cache)  # d(mean squared error)/d out, then the chain rule
        a = a - lr * da
        slopes.append(float(a[0]))
    neg = x[:, 0] <= 0
    closed = float(np.sum(x[neg, 0] * y[neg, 0]) / np.sum(x[neg, 0] ** 2))
    return {"x": x[:, 0], "y": y[:, 0], "slopes": np.array(slopes), "losses": np.array(losses),
            "closed_form": closed, "true_slope": true_slope}


def draw_activation_family(fit: dict | None = None):
    """Left: ReLU, leaky ReLU (0.01) and the learned PReLU over the samples. Right: the slope per step."""
    import matplotlib.pyplot as plt

    fit = fit or fit_prelu_slope()
    t = np.linspace(-3, 3, 301)
    a = fit["slopes"][-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.3))
    left.plot(fit["x"], fit["y"], ".", color="0.75", ms=3, label="samples of prelu(x; a_true) + noise")
    left.plot(t, np.maximum(t, 0), lw=1.5, label="ReLU: slope 0")
    left.plot(t, np.where(t > 0, t, 0.01 * t), lw=1.5, ls="--", label="leaky ReLU: slope 0.01 (fixed)")
    left.plot(t, np.where(t > 0, t, a * t), lw=2, color="C3", label=f"PReLU: slope a = {a:.3f} (learned)")
    left.set(xlabel="x", ylabel="activation", title="three rectifiers")
    left.legend(fontsize=7)
    right.plot(fit["slopes"], color="C3", label="a during gradient descent")
    right.axhline(fit["closed_form"], color="0.3", ls=":", label="least-squares slope")
    right.set(xlabel="step", ylabel="a", title="the slope is learned like a weight")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig
