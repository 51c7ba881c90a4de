"""A tiny reverse-mode autodiff engine over NumPy arrays: :mod:`helpers.autodiff.scalar`, one level up.

A :class:`Tensor` wraps a float64 array. The graph machinery is the scalar engine's (same
``_prev``/``_backward`` fields, same topological order); what changes is the local rule of each
operation, which is now a vector-Jacobian product: given ``out.grad`` (shaped like ``out``) it
adds to each input's ``grad`` an array shaped like that input. Two rules carry most of the weight:

* broadcasting copies an input along new or size-1 axes, so its gradient is the *sum* over those
  axes (:func:`unbroadcast`);
* for ``C = A @ B``: ``dA = dC @ B.T`` and ``dB = A.T @ dC``.

Checked against ``torch.autograd`` in ``tests/test_autodiff.py``. References: A. Karpathy,
micrograd (2020); M. Johnson, "autograd"/HIPS (2015); the NumPy broadcasting rules,
https://numpy.org/doc/stable/user/basics.broadcasting.html.
"""

from __future__ import annotations

import numbers

import numpy as np

from .scalar import ReflectedOperators, topological_order

__all__ = ["Tensor", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting (its vector-Jacobian product).

    >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
    [[12.0], [12.0]]
    """
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"unbroadcast cannot sum a gradient of shape {grad.shape} up to shape {shape}.")
    grad = grad.sum(axis=tuple(range(extra)))  # axes broadcasting prepended
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True).reshape(shape)  # axes broadcasting stretched


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _normalize_axis(axis, ndim: int, where: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    if any(not isinstance(a, numbers.Integral) or not -ndim <= a < ndim for a in axes):
        raise ValueError(f"The 'axis' argument of Tensor.{where} must be None or ints in [{-ndim}, {ndim}). "
                         f"Got {axis!r} instead.")
    return tuple(sorted(a % ndim for a in axes))


class Tensor(ReflectedOperators):
    """A float64 array that records how it was computed, so ``backward`` can differentiate through it.

    >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> loss = (Tensor([[1.0, 1.0]]) @ w).sum()
    >>> loss.backward()
    >>> w.grad.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    _lift = staticmethod(lambda x: _as_tensor(x))  # a plain number becomes a constant node

    def __init__(self, data, _children: tuple[Tensor, ...] = (), _op: str = "", label: str = ""):
        array = np.asarray(data)
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.iscomplexobj(array):
            raise TypeError("The 'data' argument of Tensor must be real numbers. Got dtype "
                            f"{array.dtype} instead.")
        self.data = np.array(array, dtype=np.float64)  # a private float64 copy
        self.grad = np.zeros_like(self.data)
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Tensor({name}shape={self.shape}, op={self._op or 'leaf'!r})"

    # ---- elementwise binary operations, with broadcasting ---------------------------------------
    def __add__(self, other) -> Tensor:
        other = _as_tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    def __mul__(self, other) -> Tensor:
        other = _as_tensor(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += unbroadcast(other.data * out.grad, self.shape)
            other.grad += unbroadcast(self.data * out.grad, other.shape)

        out._backward = _backward
        return out

    def __truediv__(self, other) -> Tensor:
        other = _as_tensor(other)
        out = Tensor(self.data / other.data, (self, other), "/")

        def _backward():  # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2
            self.grad += unbroadcast(out.grad / other.data, self.shape)
            other.grad -= unbroadcast(out.grad * self.data / other.data**2, other.shape)

        out._backward = _backward
        return out

    def __pow__(self, exponent) -> Tensor:
        if not isinstance(exponent, numbers.Real) or isinstance(exponent, bool):
            raise TypeError(f"The exponent of Tensor.__pow__ must be an int or float constant. "
                            f"Got {type(exponent).__name__} instead.")
        if not float(exponent).is_integer() and np.any(self.data < 0):
            raise ValueError(f"Negative entries of a Tensor have no real power {exponent!r}.")
        out = Tensor(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other) -> Tensor:
        return self + (-_as_tensor(other))

    # ---- matrix product ------------------------------------------------------------------------
    def __matmul__(self, other) -> Tensor:
        other = _as_tensor(other)
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"Tensor @ Tensor needs 2-D operands of shapes (n, k) and (k, m). "
                             f"Got {self.shape} and {other.shape} instead.")
        out = Tensor(self.data @ other.data, (self, other), "@")  # (n, m)

        def _backward():
            self.grad += out.grad @ other.data.T  # (n, m) @ (m, k) -> (n, k)
            other.grad += self.data.T @ out.grad  # (k, n) @ (n, m) -> (k, m)

        out._backward = _backward
        return out

    # ---- elementwise functions -----------------------------------------------------------------
    def _unary(self, value: np.ndarray, local_grad, op: str) -> Tensor:
        """An elementwise function: its Jacobian is diagonal, so the VJP is ``local_grad * out.grad``."""
        out = Tensor(value, (self,), op)

        def _backward():
            self.grad += local_grad(out.data) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Tensor:
        return self._unary(np.exp(self.data), lambda e: e, "exp")

    def log(self) -> Tensor:
        if np.any(self.data <= 0):
            raise ValueError(f"Tensor.log is defined for positive numbers only. "
                             f"Got a minimum of {float(self.data.min())!r} instead.")
        return self._unary(np.log(self.data), lambda _: 1.0 / self.data, "log")

    def tanh(self) -> Tensor:
        return self._unary(np.tanh(self.data), lambda t: 1.0 - t**2, "tanh")

    def sigmoid(self) -> Tensor:
        # exp(-|x|) never overflows; the two branches are the two algebraic forms of 1/(1+e^-x).
        e = np.exp(-np.abs(self.data))
        s = np.where(self.data >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._unary(s, lambda s: s * (1.0 - s), "sigmoid")

    def relu(self) -> Tensor:
        return self._unary(np.maximum(self.data, 0.0), lambda _: (self.data > 0).astype(np.float64), "relu")

    # ---- reductions and shape changes -----------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        axes = _normalize_axis(axis, self.ndim, "sum")
        out = Tensor(self.data.sum(axis=axes, keepdims=keepdims), (self,), "sum")

        def _backward():  # every summed entry receives the full upstream gradient
            g = out.grad if keepdims else np.expand_dims(out.grad, axes)  # size-1 axes back in place
            self.grad += np.broadcast_to(g, self.shape)

        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        axes = _normalize_axis(axis, self.ndim, "mean")
        count = int(np.prod([self.shape[a] for a in axes]))
        if count == 0:
            raise ValueError(f"Tensor.mean over an empty axis (shape {self.shape}, axis {axis!r}) is "
                             "undefined.")
        return self.sum(axis=axes, keepdims=keepdims) * (1.0 / count)

    def reshape(self, *shape) -> Tensor:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        out = Tensor(self.data.reshape(shape), (self,), "reshape")

        def _backward():  # reshaping moves no number: reshape the gradient back
            self.grad += out.grad.reshape(self.shape)

        out._backward = _backward
        return out

    def transpose(self, *axes) -> Tensor:
        """Permute the axes (reverse them when none are given, like ``np.transpose``)."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError("The axes of Tensor.transpose must be a permutation of "
                             f"{tuple(range(self.ndim))}. "
                             f"Got {axes!r} instead.")
        out = Tensor(self.data.transpose(axes), (self,), "transpose")

        def _backward():  # the inverse permutation puts every gradient entry back
            self.grad += out.grad.transpose(np.argsort(axes))

        out._backward = _backward
        return out

    T = property(lambda self: self.transpose())

    # ---- reverse pass --------------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Fill ``grad`` of every tensor this one depends on with the vector-Jacobian product.

        ``grad`` (the upstream gradient, shaped like ``self``) may be left out for a scalar output,
        where it is 1. Leaves accumulate over calls, intermediate nodes are reset, as in PyTorch.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"Tensor.backward needs a 'grad' argument for a non-scalar output. "
                                 f"Got an output of shape {self.shape}.")
            grad = np.ones_like(self.data)
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != self.shape:
            raise ValueError(f"The 'grad' argument of Tensor.backward must have shape {self.shape}. "
                             f"Got {grad.shape} instead.")
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = np.zeros_like(node.data)
        self.grad = grad.copy()
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set the gradient of this tensor and of every tensor it depends on to zero."""
        for node in topological_order(self):
            node.grad = np.zeros_like(node.data)
