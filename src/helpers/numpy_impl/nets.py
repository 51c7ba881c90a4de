"""Layer objects and a ``Sequential`` container for the NumPy reference: networks as lists of layers.

Each layer wraps one forward/backward pair of :mod:`helpers.numpy_impl.layers` and keeps the
bookkeeping the functions leave to their caller: its parameters (``params``), the gradients of the
last backward pass (``grads``), the cache between ``forward`` and ``backward``, and a ``training``
flag. The names mirror ``torch.nn`` (``Linear``, ``ReLU``, ``Sequential``, ``parameters()``,
``state_dict()`` with keys such as ``"0.weight"``), and :mod:`helpers.torch_impl.nets` holds twins of
the same names built from ``torch.nn``, so that weights copy over one to one
(:func:`helpers.core.bridge.copy_weights`).

Linear layers store ``weight`` in PyTorch's ``(out_features, in_features)`` layout and draw it, like
``nn.Linear``, from U(-1/sqrt(in), 1/sqrt(in)) with an explicit ``rng``. References: CS231n's
modular layer design (``FullyConnectedNet``); the ``torch.nn.Module`` API.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_array, check_int, check_mlp_args, check_real
from .layers import (
    affine_backward,
    affine_forward,
    dropout_inverted_backward,
    dropout_inverted_forward,
    flatten_backward,
    flatten_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)

__all__ = [
    "Module", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Flatten", "Sequential", "mlp",
]


def _check_rng(rng, owner: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The 'rng' argument of {owner} must be a np.random.Generator (no hidden "
                        "randomness). "
                        f"Got {rng!r} instead.")
    return rng


class Module:
    """Base class: ``params``/``grads`` dicts, a ``training`` flag and ``torch.nn.Module``-like helpers."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True
        self._cache = None

    def forward(self, x):  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _pop_cache(self):
        """The cache of the last forward pass (used once: a second backward needs a new forward)."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called without a forward pass before it.")
        cache, self._cache = self._cache, None
        return cache

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        return list(self.params.items())

    def parameters(self) -> list[np.ndarray]:
        return [p for _, p in self.named_parameters()]

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last backward pass, in the order of :meth:`parameters`."""
        return [self.grads[name] for name in self.params]

    def zero_grad(self) -> None:
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def train(self, mode: bool = True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters by name (``"weight"``, or ``"0.weight"`` inside a ``Sequential``)."""
        return {name: p.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Overwrite every parameter (in place) with the float64 array of the same name in ``state``."""
        own = dict(self.named_parameters())
        if set(state) != set(own):
            raise ValueError(f"The 'state' argument of {type(self).__name__}.load_state_dict must have "
                             "the keys "
                             f"{sorted(own)}. Got {sorted(state)} instead.")
        for name, p in own.items():
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != p.shape:
                raise ValueError(f"state[{name!r}] must have shape {p.shape}. Got {value.shape} instead.")
            p[...] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Module):
    """``y = x @ weight.T + bias`` (:func:`affine_forward`), initialised like ``torch.nn.Linear``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, rng):
        super().__init__()
        self.in_features = check_int(in_features, "in_features", "Linear", low=1)
        self.out_features = check_int(out_features, "out_features", "Linear", low=1)
        _check_rng(rng, "Linear")
        bound = 1.0 / np.sqrt(in_features)
        self.params["weight"] = rng.uniform(-bound, bound, size=(out_features, in_features))  # (out, in)
        if bias:
            self.params["bias"] = rng.uniform(-bound, bound, size=out_features)  # (out,)
        self.zero_grad()

    def forward(self, x):
        b = self.params.get("bias", np.zeros(self.out_features))
        out, self._cache = affine_forward(x, self.params["weight"], b)
        return out

    def backward(self, dout):
        dx, dw, db = affine_backward(dout, self._pop_cache())
        self.grads = {"weight": dw, "bias": db} if "bias" in self.params else {"weight": dw}
        return dx

    def __repr__(self) -> str:
        bias = "bias" in self.params
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={bias})"


class _Stateless(Module):
    """A parameter-free layer defined by a forward/backward pair of :mod:`.layers`; ``_options`` gives the
    forward's keyword arguments (the layer's settings)."""

    _forward = _backward = None  # set by subclasses (staticmethods)

    def _options(self) -> dict:
        return {}

    def forward(self, x):
        out, self._cache = self._forward(x, **self._options())
        return out

    def backward(self, dout):
        (dx,) = self._backward(dout, self._pop_cache())
        return dx


class ReLU(_Stateless):
    _forward, _backward = staticmethod(relu_forward), staticmethod(relu_backward)


class Sigmoid(_Stateless):
    _forward, _backward = staticmethod(sigmoid_forward), staticmethod(sigmoid_backward)


class Tanh(_Stateless):
    _forward, _backward = staticmethod(tanh_forward), staticmethod(tanh_backward)


class LeakyReLU(_Stateless):
    _forward, _backward = staticmethod(leaky_relu_forward), staticmethod(leaky_relu_backward)

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = check_real(negative_slope, "negative_slope", "LeakyReLU")

    def _options(self) -> dict:
        return dict(negative_slope=self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Dropout(_Stateless):
    """Inverted dropout (PyTorch's convention, :func:`dropout_inverted_forward`): identity in ``eval()`` mode.

    The ``rng`` given at construction draws every mask, so a run is reproducible from its seed.
    """

    _forward, _backward = staticmethod(dropout_inverted_forward), staticmethod(dropout_inverted_backward)

    def __init__(self, p: float = 0.5, *, rng):
        super().__init__()
        self.p = check_real(p, "p", "Dropout", low=0.0, high=1.0, high_open=True)
        self.rng = _check_rng(rng, "Dropout")

    def _options(self) -> dict:
        return dict(p=self.p, training=self.training, rng=self.rng if self.training else None)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class Flatten(_Stateless):
    """Merge all axes but the batch axis: ``(N, C, H, W) -> (N, C*H*W)``."""

    _forward, _backward = staticmethod(flatten_forward), staticmethod(flatten_backward)

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def _options(self) -> dict:
        return dict(start_dim=self.start_dim, end_dim=self.end_dim)


class Sequential(Module):
    """Layers applied in order; ``backward`` visits them in reverse (the chain rule, layer by layer)."""

    def __init__(self, *args: Module):  # named like torch.nn.Sequential(*args): the API test compares signatures
        super().__init__()
        layers = args
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Argument {i} of Sequential must be a layer (a "
                                "helpers.numpy_impl.nets.Module). "
                                f"Got {type(layer).__name__} instead.")
        self.layers = list(layers)

    def forward(self, x):
        check_array(x, "x", "Sequential.forward")
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """Backpropagate ``dout`` (dLoss/dOutput) through all layers; return dLoss/dInput."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        # torch.nn.Sequential's names: "<layer index>.<parameter name>"
        return [(f"{i}.{name}", p) for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.gradients()]

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    def train(self, mode: bool = True):
        for layer in self.layers:
            layer.train(mode)
        return super().train(mode)

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}


def mlp(sizes, *, activation: str = "relu", dropout: float = 0.0, rng) -> Sequential:
    """A multilayer perceptron ``Linear -> activation [-> Dropout] -> ... -> Linear`` (no final activation).

    ``sizes = (in, hidden_1, ..., out)``; e.g. ``mlp((64, 32, 10), rng=rng)`` is a two-layer net for digits.
    """
    sizes, dropout = check_mlp_args(sizes, activation, _ACTIVATIONS, dropout)
    _check_rng(rng, "mlp")
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, rng=rng))
        if i < len(sizes) - 2:  # hidden layers only
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers)
