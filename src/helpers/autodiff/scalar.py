"""A scalar reverse-mode automatic differentiation engine, in the spirit of micrograd.

Every :class:`Value` holds one float (``data``), the derivative of the final output with respect
to it (``grad``), the values it was computed from (``_prev``) and a closure ``_backward`` that
pushes its own gradient to those inputs with the chain rule. Each operation's backward closure
sits right under its forward computation, so the local derivative of every node can be read off.

``out.backward()`` visits the graph in reverse topological order (a node only after every node
that uses it), so each node's gradient is complete before it is passed on. Gradients *add up*
(``+=``): a value used twice receives two contributions (the multivariate chain rule).

This is the engine chapter 4 teaches from; ``tests/test_autodiff.py`` checks it against
``torch.autograd`` on random expression graphs. References: A. Karpathy, micrograd (2020);
Baydin et al., "Automatic differentiation in machine learning: a survey", JMLR 18 (2018).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["Value", "topological_order", "ReflectedOperators"]


class ReflectedOperators:
    """``2 + v``, ``2 * v``, ``2 - v``, ``2 / v``: Python asks the right operand, which lifts the number to a node
    of its own kind (``_lift``) and reuses its forward operators. Shared by :class:`Value` and ``Tensor``."""

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self


def _as_value(x) -> Value:
    """Wrap plain numbers as constants so that ``2 * v`` and ``v + 1`` work."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    raise TypeError("A Value can only be combined with a Value or a real number. Got "
                    f"{type(x).__name__} instead.")


class Value(ReflectedOperators):
    """One scalar node of a computational graph.

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
    """

    _lift = staticmethod(lambda x: _as_value(x))  # a plain number becomes a constant node

    def __init__(self, data, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""):
        if not isinstance(data, numbers.Real) or isinstance(data, bool):
            raise TypeError("The 'data' argument of Value must be a real number. Got "
                            f"{type(data).__name__} instead.")
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # leaves have nothing to pass on
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"

    # ---- binary operations -------------------------------------------------------------------
    def __add__(self, other) -> Value:
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a+b)/da = d(a+b)/db = 1: the gradient is copied to both inputs
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __sub__(self, other) -> Value:
        other = _as_value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b and d(ab)/db = a: multiplication swaps its inputs
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other) -> Value:
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0.")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():  # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = _backward
        return out

    def __pow__(self, exponent) -> Value:
        if not isinstance(exponent, numbers.Real) or isinstance(exponent, bool):
            raise TypeError(
                "The exponent of Value.__pow__ must be an int or float constant. Got "
                f"{type(exponent).__name__} instead."
            )
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"A negative Value ({self.data!r}) has no real power {exponent!r}.")
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(f"0.0 cannot be raised to the negative power {exponent!r}.")
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():  # d(a^n)/da = n a^(n-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        out = Value(-self.data, (self,), "neg")

        def _backward():
            self.grad -= out.grad

        out._backward = _backward
        return out

    # ---- unary functions ---------------------------------------------------------------------
    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():  # d(e^a)/da = e^a: reuse the forward result
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"Value.log is defined for positive numbers only. Got {self.data!r} instead.")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():  # d(log a)/da = 1/a
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():  # d(tanh a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        # Two algebraically equal forms; each only exponentiates a non-positive number (no overflow).
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            s = math.exp(self.data) / (1.0 + math.exp(self.data))
        out = Value(s, (self,), "sigmoid")

        def _backward():  # d(sigma(a))/da = sigma(a) (1 - sigma(a))
            self.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # 1 where the input was positive, else 0 (PyTorch's choice at 0, too)
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    # ---- reverse pass ------------------------------------------------------------------------
    def backward(self) -> None:
        """Fill ``grad`` of every node this value depends on with d(self)/d(node).

        Like ``torch.Tensor.backward`` the gradients of *leaves* accumulate over calls (reset them
        with ``zero_grad`` or ``node.grad = 0.0``); intermediate nodes are reset on every call.
        """
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0  # d(self)/d(self)
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set the gradient of this node and of every node it depends on to zero."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root):
    """The nodes ``root`` depends on, each listed after all of its inputs (``root`` last).

    Works for any node type with a ``_prev`` tuple of inputs (the tensor engine reuses it).

    A depth-first search with an explicit stack (deep graphs would overflow Python's recursion):
    a node is emitted once the children pushed above it have all been emitted.
    """
    order = []
    visited: set[int] = set()
    stack = [(root, False)]  # (node, are its inputs already emitted?)
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in visited)
    return order
