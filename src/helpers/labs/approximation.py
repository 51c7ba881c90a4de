"""Universal approximation in practice: fit small MLPs to a 1-D function, count their parameters.

Chapter 3 fits ``f0(x) = sin(1 + x^2)`` on ``[0, 3]`` from noisy samples with one hidden layer of growing
width and with a deeper net (the examples E4.3/E4.4 of the signal-processing lecture notes); chapter 4
fits the same function from only 50 samples, with and without L1/L2 penalties, to watch overfitting and
sparsity (E6.2). Everything runs in float64 on the CPU from an explicit seed, so results are reproducible.

* :func:`dense_parameter_count` / :func:`count_multiplications`: ``sum_l M_l (M_{l-1} + 1)`` and ``sum_l M_l M_{l-1}``.
* :func:`build_mlp`: a ``torch.nn.Sequential`` of ``Linear`` + activation, initialised like ``nn.Linear``
  from a seeded generator.
* :func:`fit_mlp`: full-batch training on the mean squared error plus ``l1 * sum|W| + l2 * sum W^2`` over
  the weight matrices (biases are not penalised). L-BFGS for smooth objectives (fast, no learning rate to
  tune), Adam otherwise (the L1 penalty has a kink at 0, so it needs a (sub)gradient method).

References: Cybenko 1989, Hornik 1991 (universal approximation); Nocedal & Wright, *Numerical
Optimization*, ch. 7 (L-BFGS); Kingma & Ba 2015 (Adam).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..core._device import resolve_device
from ..core._validation import check_array, check_choice, check_int, check_real

__all__ = ["target_function", "dense_parameter_count", "count_multiplications", "build_mlp", "FitResult", "fit_mlp",
           "weight_matrices"]

_ACTIVATIONS = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}


def target_function(x):
    """The function of the lecture notes' examples E4.3, E4.4 and E6.2: ``sin(1 + x^2)``."""
    return np.sin(1.0 + np.asarray(x, dtype=np.float64) ** 2)


def _check_sizes(sizes, func: str) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__") or len(list(sizes)) < 2:
        raise ValueError(f"The 'sizes' argument of {func} must be a sequence of at least two layer widths "
                         f"(inputs, ..., outputs). Got {sizes!r} instead.")
    return [check_int(s, "sizes", func, low=1) for s in sizes]


def dense_parameter_count(sizes) -> int:
    """Weights and biases of a dense net with layer widths ``sizes = (M_0, M_1, ..., M_L)``.

    Layer ``l`` has an ``M_l x M_{l-1}`` weight matrix and ``M_l`` biases: ``sum_l M_l (M_{l-1} + 1)``.
    """
    m = _check_sizes(sizes, "dense_parameter_count")
    return sum(m_out * (m_in + 1) for m_in, m_out in zip(m[:-1], m[1:]))


def count_multiplications(sizes) -> int:
    """Multiplications of one forward pass (one example): ``sum_l M_l M_{l-1}`` (a sum, not a product)."""
    m = _check_sizes(sizes, "count_multiplications")
    return sum(m_out * m_in for m_in, m_out in zip(m[:-1], m[1:]))


def build_mlp(sizes, *, activation: str = "tanh", seed: int = 0) -> torch.nn.Sequential:
    """``Linear -> activation -> ... -> Linear`` in float64, weights drawn like ``nn.Linear`` from ``seed``."""
    m = _check_sizes(sizes, "build_mlp")
    check_choice(activation, "activation", "build_mlp", tuple(_ACTIVATIONS))
    check_int(seed, "seed", "build_mlp", low=0)
    generator = torch.Generator().manual_seed(seed)
    layers: list[torch.nn.Module] = []
    for i, (m_in, m_out) in enumerate(zip(m[:-1], m[1:])):
        linear = torch.nn.Linear(m_in, m_out, dtype=torch.float64)
        bound = 1.0 / np.sqrt(m_in)
        with torch.no_grad():  # nn.Linear's U(-1/sqrt(in), 1/sqrt(in)), but from our generator
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
        layers.append(linear)
        if i < len(m) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return torch.nn.Sequential(*layers)


def weight_matrices(model: torch.nn.Module) -> list[torch.Tensor]:
    """The weight matrices (not the biases) of every ``Linear`` layer, in order."""
    return [mod.weight for mod in model.modules() if isinstance(mod, torch.nn.Linear)]


@dataclass
class FitResult:
    """A trained model with its training curve and errors (plain floats)."""

    model: torch.nn.Module
    sizes: tuple[int, ...]
    n_parameters: int
    losses: list[float] = field(default_factory=list)  # the data MSE after every optimizer step
    train_mse: float = float("nan")

    def predict(self, x) -> np.ndarray:
        """Evaluate the model on a NumPy array ``x`` of shape ``(n, 1)``; returns ``(n, 1)``."""
        with torch.no_grad():
            dev = next(self.model.parameters()).device
            return self.model(torch.as_tensor(np.asarray(x, dtype=np.float64)).to(dev)).cpu().numpy()


def _penalty(model, l1: float, l2: float):
    total = torch.zeros((), dtype=torch.float64, device=next(model.parameters()).device)
    for w in weight_matrices(model):
        if l1:
            total = total + l1 * w.abs().sum()
        if l2:
            total = total + l2 * (w * w).sum()
    return total


def _check_fit_args(x, y, hidden, l1, l2, optimizer, steps, lr):
    """The checks of :func:`fit_mlp`; returns ``(sizes, l1, l2, steps, lr)`` as numbers."""
    check_array(x, "x", "fit_mlp", ndim=2)
    check_array(y, "y", "fit_mlp", ndim=2)
    if x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"The 'x' and 'y' arguments of fit_mlp must hold the same number (>= 1) of rows. "
                         f"Got shapes {x.shape} and {y.shape} instead.")
    l1 = check_real(l1, "l1", "fit_mlp", low=0.0)
    l2 = check_real(l2, "l2", "fit_mlp", low=0.0)
    check_choice(optimizer, "optimizer", "fit_mlp", ("lbfgs", "adam"))
    steps = check_int(steps, "steps", "fit_mlp", low=1)
    lr = check_real(lr, "lr", "fit_mlp", low=0.0, low_open=True)
    if optimizer == "lbfgs" and l1 > 0:
        raise ValueError("fit_mlp: the L1 penalty is not differentiable at 0, which breaks L-BFGS's line "
                         f"search; use optimizer='adam'. Got optimizer={optimizer!r} with l1={l1}.")
    sizes = (x.shape[1], *[check_int(h, "hidden", "fit_mlp", low=1) for h in hidden], y.shape[1])
    return sizes, l1, l2, steps, lr


def fit_mlp(x, y, hidden=(10,), *, activation: str = "tanh", l1: float = 0.0, l2: float = 0.0,
            optimizer: str = "lbfgs", steps: int = 300, lr: float = 1e-2, seed: int = 0, device=None) -> FitResult:
    """Fit an MLP ``1 -> hidden... -> 1`` to ``(x, y)`` (both ``(n, 1)``) by full-batch minimisation of

    ``mean((f(x) - y)^2) + l1 * sum|W| + l2 * sum W^2`` (weight matrices only).

    ``optimizer="lbfgs"`` runs L-BFGS with a strong-Wolfe line search for at most ``steps`` iterations (the
    objective must be smooth: not with ``l1``); ``"adam"`` runs ``steps`` Adam steps with learning rate
    ``lr``. Adam follows a subgradient of the L1 term (``sign(w)``, 0 at 0), so weights that L1 pushes to
    zero end up tiny and jittering around 0, not exactly 0. The model is initialised on the CPU and trained on
    ``device`` (default: the CPU).
    """
    sizes, l1, l2, steps, lr = _check_fit_args(x, y, hidden, l1, l2, optimizer, steps, lr)
    dev = resolve_device(device)
    model = build_mlp(sizes, activation=activation, seed=seed).to(dev)
    xt, yt = (torch.as_tensor(a, dtype=torch.float64).to(dev) for a in (x, y))
    result = FitResult(model=model, sizes=sizes, n_parameters=dense_parameter_count(sizes))
    def objective():
        data = torch.mean((model(xt) - yt) ** 2)
        return data, data + _penalty(model, l1, l2)

    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=steps, history_size=20,
                                line_search_fn="strong_wolfe", tolerance_grad=1e-10, tolerance_change=1e-14)

        def closure():
            opt.zero_grad()
            data, total = objective()
            total.backward()
            result.losses.append(float(data.detach()))
            return total

        opt.step(closure)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            data, total = objective()
            total.backward()
            opt.step()
            result.losses.append(float(data.detach()))
    with torch.no_grad():
        result.train_mse = float(torch.mean((model(xt) - yt) ** 2))
    return result
