"""helpers.core.testing: relative error, finite differences and the gradient check verdicts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from helpers.core.testing import THRESHOLDS, GradientCheck, gradient_check, numerical_gradient, rel_error


def test_rel_error():
    a = np.array([1.0, -2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, -a) == 1.0
    assert rel_error(a, a + 1e-6) == pytest.approx(1e-6 / 6)
    assert rel_error(torch.tensor(a, requires_grad=True), a) == 0.0  # tensors work too
    with pytest.raises(ValueError, match="same shape"):
        rel_error(a, a[:2])


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8)
    dout = np.array([[1.0, 2.0], [-1.0, 0.5]])
    np.testing.assert_allclose(numerical_gradient(np.sin, x, dout), dout * np.cos(x), rtol=1e-8)
    before = x.copy()
    numerical_gradient(np.exp, x)
    np.testing.assert_array_equal(x, before)  # x is not modified


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="float64 NumPy array"):
        numerical_gradient(np.sin, np.ones(3, dtype=np.float32))


def test_verdicts_follow_the_documented_thresholds():
    assert [v for _, v in THRESHOLDS] == ["great", "ok", "suspicious", "wrong"]
    for err, verdict in [(1e-9, "great"), (1e-6, "ok"), (1e-3, "suspicious"), (0.5, "wrong")]:
        result = GradientCheck({"x": err})
        assert result.verdict == verdict and result.passed == (verdict in ("great", "ok"))
        assert verdict in str(result)


def test_correct_numpy_gradients_are_great():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    result = gradient_check(hn.affine_forward, x, w, b, backward=hn.affine_backward)
    assert result.verdict == "great" and set(result.errors) == {"x", "w", "b"}
    # a loss: the integer labels are skipped, only the scores are checked
    result = gradient_check(hn.softmax_cross_entropy_forward, x, np.array([0, 3, 1]),
                            backward=hn.softmax_cross_entropy_backward)
    assert result.verdict == "great" and set(result.errors) == {"scores"}


def test_wrong_numpy_gradients_are_caught():
    def mse_without_factor_two(dout, cache):  # the slip of the lecture notes
        (g,) = hn.mse_loss_backward(dout, cache)
        return (g / 2,)

    x, y = np.random.default_rng(1).standard_normal((2, 5))
    assert gradient_check(hn.mse_loss_forward, x, y, backward=mse_without_factor_two).verdict == "wrong"

    def softmax_backward_diagonal_only(dout, cache):  # forgets the off-diagonal Jacobian terms
        s, _ = cache
        return (dout * s * (1 - s),)

    result = gradient_check(hn.softmax_forward, x.reshape(1, 5), backward=softmax_backward_diagonal_only)
    assert result.verdict == "wrong"


def test_torch_functions_and_modules():
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float32)
    assert gradient_check(ht.gelu, x).verdict == "great"
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    result = gradient_check(module, x)
    assert result.verdict == "great"
    assert {"input", "parameter 0.weight", "parameter 2.bias"} <= set(result.errors)
    assert next(module.parameters()).dtype == torch.float32  # the module itself stays untouched


def test_torch_custom_autograd_with_a_bug_is_caught():
    class BadSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 x

    x = torch.randn(5, dtype=torch.float64)
    assert gradient_check(BadSquare.apply, x).verdict == "wrong"


def test_numpy_inputs_need_a_backward():
    with pytest.raises(TypeError, match="needs the 'backward' function"):
        gradient_check(hn.relu_forward, np.ones(3))
