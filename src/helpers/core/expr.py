"""A safe expression language for the reader's own loss surfaces f(x, y), with exact derivatives.

Grammar (recursive descent; nothing is ever passed to ``eval``)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("+" | "-") unary | power
    power := atom (("^" | "**") unary)?          # right-associative: -x^2 = -(x^2), 2^-1 = 0.5
    atom  := NUMBER | "x" | "y" | "pi" | "e" | FUNC "(" expr ")" | "(" expr ")"
    FUNC  := sin | cos | exp | log | sqrt | tanh | abs

A parsed expression is a tree of tuples such as ``("add", ("var", "x"), ("num", 1.0))``. Gradients and
Hessians come from *symbolic* differentiation of that tree (with light constant folding), and every tree is
compiled into nested closures that evaluate vectorised over NumPy arrays. Bad input raises
:class:`ExpressionError` (a ``ValueError``) with a message that points at the offending position.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["ExpressionError", "Expression", "parse", "derivative", "to_string", "compile_expression"]

FUNCTIONS = ("sin", "cos", "exp", "log", "sqrt", "tanh", "abs")
MAX_LENGTH = 300
MAX_DEPTH = 60
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(\*\*|[-+*/^()])|([A-Za-z_]\w*))")


class ExpressionError(ValueError):
    """A malformed or disallowed expression; the message says what and where."""


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExpressionError(f"Unexpected character {text[pos:].lstrip()[0]!r} at position "
                                  f"{pos + len(text[pos:]) - len(text[pos:].lstrip())}.")
        number, op, name = m.groups()
        start = m.start(1) if number else m.start(2) if op else m.start(3)
        if number:
            tokens.append(("num", number, start))
        elif op:
            tokens.append(("op", op, start))
        else:
            if name not in ("x", "y", "pi", "e") + FUNCTIONS:
                raise ExpressionError(f"Unknown name {name!r} at position {start}: use x, y, pi, e or one of "
                                      f"{', '.join(FUNCTIONS)}.")
            tokens.append(("name", name, start))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", -1)

    def take(self, value=None):
        kind, text, pos = self.peek()
        if kind == "end" or (value is not None and text != value):
            where = "the end of the expression" if kind == "end" else f"{text!r} at position {pos}"
            raise ExpressionError(f"Expected {value or 'a number, x, y or ('!r} but found {where}.")
        self.i += 1
        return kind, text, pos

    def expr(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"The expression is nested too deeply (more than {MAX_DEPTH} levels).")
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            node = ("add" if op == "+" else "sub", node, self.term())
        self.depth -= 1
        return node

    def term(self):
        node = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            node = ("mul" if op == "*" else "div", node, self.unary())
        return node

    def unary(self):
        if self.peek()[0] == "op" and self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError(f"The expression is nested too deeply (more than {MAX_DEPTH} levels).")
            node = self.unary()
            self.depth -= 1
            return ("neg", node) if op == "-" else node
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] in ("^", "**"):
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError(f"The expression is nested too deeply (more than {MAX_DEPTH} levels).")
            exponent = self.unary()
            self.depth -= 1
            return ("pow", base, exponent)
        return base

    def atom(self):
        kind, text, pos = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "name":
            if text in ("x", "y"):
                return ("var", text)
            if text in ("pi", "e"):
                return ("num", math.pi if text == "pi" else math.e)
            self.take("(")
            arg = self.expr()
            self.take(")")
            return ("call", text, arg)
        if text == "(":
            node = self.expr()
            self.take(")")
            return node
        raise ExpressionError(f"Unexpected {text!r} at position {pos}.")


def parse(text: str):
    """Parse ``text`` into an expression tree; raises :class:`ExpressionError` for anything outside the grammar."""
    if not isinstance(text, str):
        raise ExpressionError(f"The expression must be a string. Got {type(text).__name__} instead.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"The expression is too long ({len(text)} characters; at most {MAX_LENGTH}).")
    parser = _Parser(text)
    if not parser.tokens:
        raise ExpressionError("The expression is empty: type something like x^2 + 10*y^2.")
    node = parser.expr()
    if parser.i != len(parser.tokens):
        _, tok, pos = parser.peek()
        raise ExpressionError(f"Unexpected {tok!r} at position {pos}.")
    return node


# ---------------------------------------------------------------------------- building trees with folding
def _num(v):
    return ("num", float(v))


def _is(node, v):
    return node[0] == "num" and node[1] == v


def _add(a, b):
    if a[0] == "num" and b[0] == "num":
        return _num(a[1] + b[1])
    return b if _is(a, 0.0) else a if _is(b, 0.0) else ("add", a, b)


def _sub(a, b):
    if a[0] == "num" and b[0] == "num":
        return _num(a[1] - b[1])
    return a if _is(b, 0.0) else _neg(b) if _is(a, 0.0) else ("sub", a, b)


def _neg(a):
    return _num(-a[1]) if a[0] == "num" else a[1] if a[0] == "neg" else ("neg", a)


def _mul(a, b):
    if _is(a, 0.0) or _is(b, 0.0):
        return _num(0.0)
    if a[0] == "num" and b[0] == "num":
        return _num(a[1] * b[1])
    return b if _is(a, 1.0) else a if _is(b, 1.0) else ("mul", a, b)


def _div(a, b):
    if _is(a, 0.0):
        return _num(0.0)
    return a if _is(b, 1.0) else ("div", a, b)


def _has_var(node) -> bool:
    return node[0] == "var" or any(isinstance(c, tuple) and _has_var(c) for c in node[1:])


def derivative(node, var: str):
    """The symbolic partial derivative ∂node/∂var (var is "x" or "y")."""
    kind = node[0]
    if kind == "num":
        return _num(0.0)
    if kind == "var":
        return _num(1.0 if node[1] == var else 0.0)
    if kind == "neg":
        return _neg(derivative(node[1], var))
    if kind in ("add", "sub"):
        return (_add if kind == "add" else _sub)(derivative(node[1], var), derivative(node[2], var))
    if kind == "mul":
        a, b = node[1], node[2]
        return _add(_mul(derivative(a, var), b), _mul(a, derivative(b, var)))
    if kind == "div":
        a, b = node[1], node[2]
        return _div(_sub(_mul(derivative(a, var), b), _mul(a, derivative(b, var))), ("pow", b, _num(2.0)))
    if kind == "pow":
        a, b = node[1], node[2]
        if not _has_var(b):  # d(a^c) = c·a^(c−1)·a'
            return _mul(_mul(b, ("pow", a, _sub(b, _num(1.0)))), derivative(a, var))
        # d(a^b) = a^b · (b'·log a + b·a'/a)
        return _mul(node, _add(_mul(derivative(b, var), ("call", "log", a)), _div(_mul(b, derivative(a, var)), a)))
    name, a = node[1], node[2]
    inner = {
        "sin": lambda: ("call", "cos", a),
        "cos": lambda: _neg(("call", "sin", a)),
        "exp": lambda: node,
        "log": lambda: _div(_num(1.0), a),
        "sqrt": lambda: _div(_num(0.5), node),
        "tanh": lambda: _sub(_num(1.0), ("pow", node, _num(2.0))),
        "abs": lambda: ("call", "sign", a),
        "sign": lambda: _num(0.0),
    }[name]()
    return _mul(inner, derivative(a, var))


_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}


def to_string(node) -> str:
    """A fully parenthesised string of the tree (round-trips through :func:`parse`, except ``sign``)."""
    kind = node[0]
    if kind == "num":
        return repr(node[1])
    if kind == "var":
        return node[1]
    if kind == "neg":
        return f"(-{to_string(node[1])})"
    if kind == "call":
        return f"{node[1]}({to_string(node[2])})"
    return f"({to_string(node[1])} {_BINARY[kind]} {to_string(node[2])})"


_NUMPY = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
          "abs": np.abs, "sign": np.sign}
_OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}


def _compile(node):
    """Nested closures f(x, y) -> array: no tree walking at evaluation time."""
    kind = node[0]
    if kind == "num":
        v = node[1]
        return lambda x, y: v
    if kind == "var":
        return (lambda x, y: x) if node[1] == "x" else (lambda x, y: y)
    if kind == "neg":
        f = _compile(node[1])
        return lambda x, y: -f(x, y)
    if kind == "call":
        fn, f = _NUMPY[node[1]], _compile(node[2])
        return lambda x, y: fn(f(x, y))
    if kind == "pow" and node[2][0] == "num" and node[2][1] == 2.0:
        f = _compile(node[1])
        return lambda x, y: np.square(f(x, y))
    op, f, g = _OPS[kind], _compile(node[1]), _compile(node[2])
    return lambda x, y: op(f(x, y), g(x, y))


MAX_NODES = 20_000


def _check_size(trees) -> None:
    """Refuse expressions whose second derivatives are huge (e.g. towers like x^x^x^...)."""
    count = 0
    stack = list(trees)
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError("The expression is too complex to differentiate twice; please simplify it.")
        stack.extend(c for c in node[1:] if isinstance(c, tuple))


class Expression:
    """A parsed f(x, y) with compiled value, gradient and Hessian, each vectorised over NumPy arrays.

    Outside the domain (log of a negative number, division by zero) the values are NaN or ±inf and no
    warning is raised: callers treat non-finite values as data (the widget reports "diverged").
    """

    def __init__(self, text: str):
        self.text = text
        self.tree = parse(text)
        self.grad_trees = (derivative(self.tree, "x"), derivative(self.tree, "y"))
        gx, gy = self.grad_trees
        self.hessian_trees = (derivative(gx, "x"), derivative(gx, "y"), derivative(gy, "y"))
        _check_size(self.hessian_trees)
        self._f = _compile(self.tree)
        self._g = [_compile(t) for t in self.grad_trees]
        self._h = [_compile(t) for t in self.hessian_trees]

    def _eval(self, fn, x, y):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(fn(x, y), dtype=np.float64), np.broadcast(x, y).shape).copy()

    def value(self, x, y):
        """f(x, y), broadcast over arrays."""
        return self._eval(self._f, x, y)

    def grad(self, x, y):
        """(∂f/∂x, ∂f/∂y)."""
        return tuple(self._eval(g, x, y) for g in self._g)

    def hessian(self, x, y):
        """(f_xx, f_xy, f_yy)."""
        return tuple(self._eval(h, x, y) for h in self._h)


def compile_expression(text: str) -> Expression:
    """Parse and compile ``text``; raises :class:`ExpressionError` with a readable message when it is invalid."""
    return Expression(text)
