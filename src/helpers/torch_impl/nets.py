"""The ``torch.nn`` twins of :mod:`helpers.numpy_impl.nets`: same class names, signatures and parameter names.

Here the layers *are* ``torch.nn`` modules, so a network built with them is an ordinary PyTorch model
and an independent check on the hand-written NumPy reference (``tests/test_training_parity.py``):

* ``Sequential``, ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Flatten`` and the base ``Module`` are
  the ``torch.nn`` classes themselves;
* ``Linear`` is ``torch.nn.Linear`` whose initialisation draws from an explicit ``torch.Generator``
  (``nn.Linear`` would use the global random state: hidden randomness);
* ``Dropout`` is inverted dropout with an explicit generator
  (:func:`helpers.torch_impl.layers.dropout_inverted`).

Parameter names match the NumPy side (``"0.weight"``, ``"0.bias"`` ...), so
:func:`helpers.core.bridge.copy_weights` moves weights between the two one to one.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import check_int, check_mlp_args, check_real
from .layers import dropout_inverted

__all__ = [
    "Module", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Flatten", "Sequential", "mlp",
]

Module = torch.nn.Module
ReLU = torch.nn.ReLU
LeakyReLU = torch.nn.LeakyReLU
Sigmoid = torch.nn.Sigmoid
Tanh = torch.nn.Tanh
Flatten = torch.nn.Flatten
Sequential = torch.nn.Sequential


def _check_generator(generator, owner: str) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"The 'generator' argument of {owner} must be a torch.Generator (no hidden "
                        "randomness). "
                        f"Got {generator!r} instead.")
    return generator


class Linear(torch.nn.Linear):
    """``torch.nn.Linear`` initialised from ``generator`` with its usual U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, generator):
        check_int(in_features, "in_features", "Linear", low=1)
        check_int(out_features, "out_features", "Linear", low=1)
        self.generator = _check_generator(generator, "Linear")  # read by reset_parameters below
        super().__init__(in_features, out_features, bias=bias)

    @torch.no_grad()
    def reset_parameters(self) -> None:  # called by nn.Linear.__init__
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight.uniform_(-bound, bound, generator=self.generator)  # (out, in)
        if self.bias is not None:
            self.bias.uniform_(-bound, bound, generator=self.generator)  # (out,)


class Dropout(torch.nn.Module):
    """Inverted dropout (PyTorch's convention), masks drawn from ``generator``; identity in ``eval()``."""

    def __init__(self, p: float = 0.5, *, generator):
        super().__init__()
        self.p = check_real(p, "p", "Dropout", low=0.0, high=1.0, high_open=True)
        self.generator = _check_generator(generator, "Dropout")

    def forward(self, x):
        if not self.training:
            return dropout_inverted(x, p=self.p, training=False)
        # Draw the keep-mask where the generator lives, then move it: a CPU generator serves a GPU model too.
        keep = torch.rand(x.shape, generator=self.generator, device=self.generator.device) >= self.p
        return dropout_inverted(x, keep.to(device=x.device, dtype=x.dtype), p=self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}


def mlp(sizes, *, activation: str = "relu", dropout: float = 0.0, generator) -> torch.nn.Sequential:
    """A multilayer perceptron ``Linear -> activation [-> Dropout] -> ... -> Linear`` (no last activation)."""
    sizes, dropout = check_mlp_args(sizes, activation, _ACTIVATIONS, dropout)
    _check_generator(generator, "mlp")
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, generator=generator))
        if i < len(sizes) - 2:  # hidden layers only
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, generator=generator))
    return Sequential(*layers)
