"""The safe expression grammar: parsing, errors with positions, and derivatives checked against torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.core.expr import ExpressionError, compile_expression, parse, to_string

CASES = [
    ("x^2 + 10*y^2", lambda x, y: x**2 + 10 * y**2),
    ("sin(x)*cos(y) - exp(-x^2 - y^2)", lambda x, y: torch.sin(x) * torch.cos(y) - torch.exp(-x**2 - y**2)),
    ("log(1 + x^2) / sqrt(2 + y^2)", lambda x, y: torch.log(1 + x**2) / torch.sqrt(2 + y**2)),
    ("tanh(x*y) + abs(x - 2*y) + 3", lambda x, y: torch.tanh(x * y) + torch.abs(x - 2 * y) + 3),
    ("(x + 2)^y - 2^-x + x**3/4", lambda x, y: (x + 2) ** y - 2 ** (-x) + x**3 / 4),
    ("-x^2 + pi*e*y", lambda x, y: -x**2 + np.pi * np.e * y),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2),
]


def _second(g, wrt):
    if not g.requires_grad:  # a constant first derivative
        return [torch.zeros_like(w) for w in wrt]
    return torch.autograd.grad(g.sum(), wrt, retain_graph=True, allow_unused=True, materialize_grads=True)


@pytest.mark.parametrize("text,ref", CASES)
def test_value_gradient_and_hessian_match_autograd(text, ref):
    e = compile_expression(text)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.2, 1.5, 6), rng.uniform(-1.0, 1.0, 6)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    f = ref(tx, ty)
    gx, gy = torch.autograd.grad(f.sum(), (tx, ty), create_graph=True)
    hxx, hxy = _second(gx, (tx, ty))
    hyy = _second(gy, (ty,))[0]
    np.testing.assert_allclose(e.value(x, y), f.detach().numpy(), rtol=1e-12)
    for ours, theirs in zip(e.grad(x, y), (gx, gy)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(e.hessian(x, y), (hxx, hxy, hyy)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert to_string(parse(to_string(e.tree))) == to_string(e.tree)  # printing round-trips


def test_precedence_and_associativity():
    e = compile_expression("-x^2 + 2^3^2 - 8/4/2 + 2*-y")
    assert float(e.value(3.0, 1.0)) == -9 + 512 - 1 - 2


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("__import__('os').system('ls')", "Unknown name '__import__' at position 0"),
    ("x.real", "Unexpected character '.' at position 1"),
    ("x +", "found the end of the expression"),
    ("2x", "Unexpected 'x' at position 1"),
    ("sin x", "Expected '\\(' but found 'x' at position 4"),
    ("(x", "Expected '\\)'"),
    ("x)", "Unexpected '\\)' at position 1"),
    ("lambda: 1", "Unknown name 'lambda'"),
    ("(" * 80 + "x" + ")" * 80, "nested too deeply"),
    ("x" + "+x" * 200, "too long"),
    ("x^" * 40 + "x", "too complex"),
])
def test_bad_expressions_raise_readable_errors(text, message):
    with pytest.raises(ExpressionError, match=message):
        compile_expression(text)
    assert issubclass(ExpressionError, ValueError)


def test_outside_the_domain_gives_non_finite_values_without_warnings():
    e = compile_expression("log(x) + sqrt(y) + 1/x")
    with np.errstate(all="raise"):
        v = e.value(np.array([-1.0, 0.0, 1.0]), np.array([-1.0, 1.0, 1.0]))
    assert not np.isfinite(v[:2]).any() and v[2] == 2.0
