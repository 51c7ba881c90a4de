"""The teaching autodiff engines (scalar ``Value`` and array ``Tensor``) against ``torch.autograd``.

Random expression graphs are drawn by hypothesis: a list of operations whose operands are
earlier nodes (so values are reused and gradients must accumulate). Where an operation would
leave its domain (log of a non-positive number, division by ~0, overflow) the graph builder
replaces it by a safe one, decided once on our engine's forward values and replayed on torch,
so both engines always differentiate exactly the same graph.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers.autodiff.scalar import Value, topological_order
from helpers.autodiff.tensor import Tensor, unbroadcast

# ---- operations shared by both engines (Value/Tensor and torch have the same operators and methods) --
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
}
UNARY = {
    "neg": lambda x, c: -x,
    "exp": lambda x, c: x.exp(),
    "log": lambda x, c: x.log(),
    "log_safe": lambda x, c: (x * x + 1.0).log(),
    "tanh": lambda x, c: x.tanh(),
    "sigmoid": lambda x, c: x.sigmoid(),
    "relu": lambda x, c: x.relu(),
    "pow": lambda x, c: x**c,
    "radd": lambda x, c: c + x,  # the reflected operators with a plain number on the left
    "rsub": lambda x, c: c - x,
    "rmul": lambda x, c: c * x,
    "rdiv": lambda x, c: c / x,
}
EXPONENTS = [2, 3, -1, 0.5, -1.5, 1.5]
ALL_OPS = sorted(BINARY) + sorted(set(UNARY) - {"log_safe"})


def make_safe(op: str, c, x: np.ndarray, y: np.ndarray):
    """Replace an operation that would leave its domain on these operand values by a safe one."""
    if max(np.abs(x).max(), np.abs(y).max()) > 1e3:
        return "tanh", c  # keep magnitudes bounded: squashing never fails
    if op == "log" and x.min() <= 1e-2:
        return "log_safe", c
    if op == "div" and np.abs(y).min() < 1e-2:
        return "mul", c
    if op == "rdiv" and np.abs(x).min() < 1e-2:
        return "rmul", c
    if op == "exp" and x.max() > 20:
        return "tanh", c
    if op == "pow" and (c < 0 or not float(c).is_integer()) and x.min() <= 1e-2:
        return "pow", 2
    return op, c


steps_strategy = st.lists(
    st.tuples(st.sampled_from(ALL_OPS), st.integers(0, 50), st.integers(0, 50), st.sampled_from(EXPONENTS)),
    min_size=1, max_size=12,
)
small_floats = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def build(leaves, steps, data_of, resolved=None):
    """Apply ``steps`` to ``leaves``; return all nodes and the resolved (domain-safe) steps."""
    nodes, out_steps = list(leaves), []
    for k, (op, i, j, c) in enumerate(steps):
        i, j = i % len(nodes), j % len(nodes)
        if resolved is None:
            op, c = make_safe(op, c, data_of(nodes[i]), data_of(nodes[j]))
        else:
            op, c = resolved[k]
        out_steps.append((op, c))
        fn = BINARY.get(op)
        nodes.append(fn(nodes[i], nodes[j]) if fn else UNARY[op](nodes[i], c))
    return nodes, out_steps


def assert_grads_close(ours, theirs, rtol=1e-9):
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-10 * scale)


# ---- scalar engine --------------------------------------------------------------------------------
@given(leaf_values=st.lists(small_floats, min_size=1, max_size=4), steps=steps_strategy,
       weights=st.lists(st.floats(-1, 1), min_size=16, max_size=16))
def test_value_matches_torch_on_random_graphs(leaf_values, steps, weights):
    leaves = [Value(v) for v in leaf_values]
    nodes, resolved = build(leaves, steps, lambda v: np.array([v.data]))
    out = sum((w * n for w, n in zip(weights, nodes[len(leaves):], strict=False)), Value(0.0)) + nodes[-1]
    out.backward()

    t_leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in leaf_values]
    t_nodes, _ = build(t_leaves, steps, None, resolved=resolved)
    t_out = sum(w * n for w, n in zip(weights, t_nodes[len(leaves):], strict=False)) + t_nodes[-1]
    t_out.backward()

    for ours, theirs in zip(nodes, t_nodes, strict=True):
        np.testing.assert_allclose(ours.data, theirs.item(), rtol=1e-12, atol=1e-300)
    for leaf, t_leaf in zip(leaves, t_leaves, strict=True):
        expected = 0.0 if t_leaf.grad is None else t_leaf.grad.item()
        assert_grads_close(leaf.grad, expected)


def test_value_lecture_example_x_plus_y_times_z():
    # f = (x + y) z with d = x + y: df/dx = df/dy = z, df/dz = d.
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def _neuron_by_hand():
    w0, x0, w1, x1, w2 = 2.0, -1.0, -3.0, -2.0, -3.0
    s = w0 * x0 + w1 * x1 + w2  # = 1
    sig = 1.0 / (1.0 + math.exp(-s))
    ds = sig * (1.0 - sig)  # sigma'(s)
    # d/dw0 = x0 sigma', d/dx0 = w0 sigma', d/dw1 = x1 sigma', d/dx1 = w1 sigma', d/dw2 = sigma'
    return (w0, x0, w1, x1, w2), sig, (x0 * ds, w0 * ds, x1 * ds, w1 * ds, ds)


@pytest.mark.parametrize("form", ["sigmoid_op", "primitives"])
def test_value_lecture_example_sigmoid_neuron(form):
    inputs, sig, grads = _neuron_by_hand()
    w0, x0, w1, x1, w2 = (Value(v) for v in inputs)
    s = w0 * x0 + w1 * x1 + w2
    f = s.sigmoid() if form == "sigmoid_op" else 1.0 / (1.0 + (-s).exp())
    f.backward()
    assert f.data == pytest.approx(0.7310585786, abs=1e-10)  # sigma(1)
    assert f.data == pytest.approx(sig, rel=1e-14)
    got = (w0.grad, x0.grad, w1.grad, x1.grad, w2.grad)
    np.testing.assert_allclose(got, grads, rtol=1e-12)
    np.testing.assert_allclose(got, (-0.19661, 0.39322, -0.39322, -0.58984, 0.19661), atol=1e-5)


def test_value_gradients_accumulate_like_torch():
    x = Value(3.0)
    y = x * x  # x used twice: two contributions, dy/dx = 2x
    y.backward()
    assert x.grad == 6.0
    y.backward()  # leaves accumulate, the intermediate output restarts at 1
    assert x.grad == 12.0 and y.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0


def test_value_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y + x
    y.backward()
    assert x.grad == 5001.0
    assert len(topological_order(y)) == 5001


def test_value_sigmoid_is_stable_for_large_inputs():
    for a in (-800.0, 800.0):
        v = Value(a)
        s = v.sigmoid()
        s.backward()
        assert math.isfinite(s.data) and v.grad == 0.0


@pytest.mark.parametrize("make, error, message", [
    (lambda: Value("1"), TypeError, "The 'data' argument of Value must be a real number. Got str"),
    (lambda: Value(True), TypeError, "Got bool"),
    (lambda: Value(-1.0).log(), ValueError, "Value.log is defined for positive numbers only. Got -1.0"),
    (lambda: Value(2.0) ** Value(2.0), TypeError, "must be an int or float constant. Got Value"),
    (lambda: Value(-2.0) ** 0.5, ValueError, "no real power 0.5"),
    (lambda: Value(1.0) / 0.0, ZeroDivisionError, "division by zero"),
    (lambda: Value(1.0) + "a", TypeError, "Got str instead"),
])
def test_value_validation(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---- tensor engine --------------------------------------------------------------------------------
TENSOR_EXTRA = ["sum0", "sum1", "sumall", "mean0", "mean1", "meanall", "T", "matmul"]


def tensor_ops(n: int, const):
    """Shape-changing operations that keep every node broadcastable to (n, n)."""

    def full(x):  # broadcast up to (n, n) so that the matrix product applies
        return x + const(np.zeros((n, n)))

    def reduce(x, name, axis):
        axis = axis if x.ndim == 2 else None
        return getattr(x, name)(axis=axis, keepdims=True) if axis is not None else getattr(x, name)()

    return {
        "sum0": lambda x, y: reduce(x, "sum", 0), "sum1": lambda x, y: reduce(x, "sum", 1),
        "sumall": lambda x, y: x.sum(), "mean0": lambda x, y: reduce(x, "mean", 0),
        "mean1": lambda x, y: reduce(x, "mean", 1), "meanall": lambda x, y: x.mean(),
        "T": lambda x, y: x.T if x.ndim == 2 else x, "matmul": lambda x, y: full(x) @ full(y),
    }


def torch_const(a):
    return torch.tensor(a, dtype=torch.float64)


@given(
    n=st.integers(1, 3),
    leaf_shapes=st.lists(st.sampled_from(["nn", "1n", "n1", "n", "", "11"]), min_size=1, max_size=4),
    steps=st.lists(st.tuples(st.sampled_from(ALL_OPS + TENSOR_EXTRA), st.integers(0, 50), st.integers(0, 50),
                             st.sampled_from(EXPONENTS)), min_size=1, max_size=10),
    seed=st.integers(0, 2**32 - 1),
)
def test_tensor_matches_torch_on_random_graphs(n, leaf_shapes, steps, seed):
    rng = np.random.default_rng(seed)
    shapes = [tuple(n if ch == "n" else 1 for ch in code) for code in leaf_shapes]
    leaf_values = [rng.uniform(-2, 2, size=s) for s in shapes]

    def run(leaves, const, resolved=None):
        extra = tensor_ops(n, const)
        nodes, out_steps = list(leaves), []
        for k, (op, i, j, c) in enumerate(steps):
            x, y = nodes[i % len(nodes)], nodes[j % len(nodes)]
            if resolved is None and op not in extra:
                op, c = make_safe(op, c, x.data, y.data)
            elif resolved is not None:
                op, c = resolved[k]
            out_steps.append((op, c))
            if op in extra:
                nodes.append(extra[op](x, y))
            else:
                nodes.append(BINARY[op](x, y) if op in BINARY else UNARY[op](x, c))
        return nodes, out_steps

    leaves = [Tensor(v) for v in leaf_values]
    nodes, resolved = run(leaves, Tensor)
    weights = [rng.uniform(-1, 1, size=node.shape) for node in nodes]  # a different weight per entry
    out = sum(((node * Tensor(w)).sum() for node, w in zip(nodes, weights, strict=True)), Tensor(0.0))
    out.backward()

    t_leaves = [torch.tensor(v, requires_grad=True) for v in leaf_values]
    t_nodes, _ = run(t_leaves, torch_const, resolved)
    t_out = sum((node * torch_const(w)).sum() for node, w in zip(t_nodes, weights, strict=True))
    t_out.backward()

    for ours, theirs in zip(nodes, t_nodes, strict=True):
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-11, atol=1e-12)
    for leaf, t_leaf in zip(leaves, t_leaves, strict=True):
        assert leaf.grad.shape == leaf.shape
        assert_grads_close(leaf.grad, t_leaf.grad.numpy())


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**32 - 1))
def test_tensor_broadcasting_gradients_match_torch(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(0.5, 2.0, size=s) * rng.choice([-1, 1], size=s) for s in shapes.input_shapes)
    ta, tb = Tensor(a), Tensor(b)
    w = rng.normal(size=shapes.result_shape)
    (BINARY[op](ta, tb) * Tensor(w)).sum().backward()
    pa, pb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    (BINARY[op](pa, pb) * torch_const(w)).sum().backward()
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    assert_grads_close(ta.grad, pa.grad.numpy())
    assert_grads_close(tb.grad, pb.grad.numpy())


def test_tensor_bias_gradient_is_the_column_sum():
    x, b = Tensor(np.arange(6.0).reshape(3, 2)), Tensor(np.zeros(2))
    upstream = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    (x + b).backward(upstream)
    np.testing.assert_array_equal(b.grad, [9.0, 12.0])  # summed over the broadcast (batch) axis
    np.testing.assert_array_equal(x.grad, upstream)


def test_unbroadcast_sums_prepended_and_stretched_axes():
    np.testing.assert_array_equal(unbroadcast(np.ones((4, 2, 3)), (2, 1)), np.full((2, 1), 12.0))
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3)), ()), np.array(6.0))
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(unbroadcast(g, (2, 3)), g)
    with pytest.raises(ValueError, match=r"shape \(3,\) up to shape \(2, 3\)"):
        unbroadcast(np.ones(3), (2, 3))


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_tensor_reshape_transpose_reductions_match_torch(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    keepdims = data.draw(st.booleans())
    x = rng.normal(size=shape)

    def chain(t):
        permuted = t.transpose(axes) if isinstance(t, Tensor) else t.permute(axes)  # NumPy's vs torch's name
        y = permuted.reshape(-1).reshape(tuple(shape[a] for a in axes))  # (permuted shape)
        return y.sum(axis=axis, keepdims=keepdims) * 2.0 + y.mean(axis=axis, keepdims=keepdims).tanh()

    tx = Tensor(x)
    out = chain(tx)
    w = rng.normal(size=out.shape)
    (out * Tensor(w)).sum().backward()
    px = torch.tensor(x, requires_grad=True)
    p_out = chain(px)
    (p_out * torch_const(w)).sum().backward()
    np.testing.assert_allclose(out.data, p_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert_grads_close(tx.grad, px.grad.numpy())


@pytest.mark.parametrize("axes", [(1, 2, 0), (2, 0, 1), (0, 2, 1)])
def test_tensor_transpose_gradient_uses_the_inverse_permutation(axes):
    # A 3-cycle is not its own inverse: the backward pass must undo it with argsort(axes).
    x = np.arange(24.0).reshape(2, 3, 4)
    w = np.random.default_rng(1).normal(size=x.transpose(axes).shape)
    tx, px = Tensor(x), torch.tensor(x, requires_grad=True)
    (tx.transpose(axes) * Tensor(w)).sum().backward()
    (px.permute(axes) * torch_const(w)).sum().backward()
    np.testing.assert_array_equal(tx.grad, px.grad.numpy())


def test_tensor_two_layer_net_with_cross_entropy_matches_torch():
    rng = np.random.default_rng(0)
    x, w1 = rng.normal(size=(5, 4)), rng.normal(size=(4, 3))
    b1, w2 = rng.normal(size=3), rng.normal(size=(3, 2))
    onehot = np.eye(2)[[0, 1, 1, 0, 1]]

    def loss(x, w1, b1, w2, onehot):
        scores = (x @ w1 + b1).relu() @ w2  # (5, 2)
        logsumexp = scores.exp().sum(axis=1, keepdims=True).log()  # (5, 1)
        return -((scores - logsumexp) * onehot).sum(axis=1).mean()

    ours = [Tensor(v) for v in (x, w1, b1, w2)]
    l_ours = loss(*ours, Tensor(onehot))
    l_ours.backward()
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w1, b1, w2)]
    l_theirs = loss(*theirs, torch_const(onehot))
    l_theirs.backward()
    assert l_ours.data == pytest.approx(l_theirs.item(), rel=1e-13)
    for a, b in zip(ours, theirs, strict=True):
        assert_grads_close(a.grad, b.grad.numpy(), rtol=1e-12)


def test_tensor_sigmoid_neuron_matches_the_hand_example():
    inputs, sig, grads = _neuron_by_hand()
    w = Tensor([[inputs[0], inputs[2]]])  # (1, 2)
    x = Tensor([[inputs[1]], [inputs[3]]])  # (2, 1)
    b = Tensor(inputs[4])
    f = (w @ x + b).sigmoid().sum()
    f.backward()
    assert f.data == pytest.approx(sig, rel=1e-14)
    np.testing.assert_allclose(w.grad, [[grads[0], grads[2]]], rtol=1e-12)
    np.testing.assert_allclose(x.grad, [[grads[1]], [grads[3]]], rtol=1e-12)
    assert float(b.grad) == pytest.approx(grads[4], rel=1e-12)


def test_tensor_gradients_accumulate_on_leaves_only():
    x = Tensor([1.0, -2.0])
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, -8.0])
    assert float(y.grad) == 1.0
    y.zero_grad()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


@pytest.mark.parametrize("make, error, message", [
    (lambda: Tensor(["a"]), TypeError, "The 'data' argument of Tensor must be real numbers. Got dtype <U1"),
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), ValueError, r"Got \(2, 3\) and \(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones((3, 1))), ValueError, "needs 2-D operands"),
    (lambda: Tensor([0.0, 1.0]).log(), ValueError, "positive numbers only. Got a minimum of 0.0"),
    (lambda: Tensor([-1.0]) ** 0.5, ValueError, "no real power 0.5"),
    (lambda: Tensor([1.0]) ** Tensor([2.0]), TypeError, "int or float constant. Got Tensor"),
    (lambda: Tensor(np.ones((2, 2))).sum(axis=2), ValueError, r"ints in \[-2, 2\). Got 2"),
    (lambda: Tensor(np.ones((2, 2))).transpose((0, 0)), ValueError, r"permutation of \(0, 1\)"),
    (lambda: Tensor(np.ones(3)).exp().backward(), ValueError, r"non-scalar output. Got an output of "
                                                              r"shape \(3,\)"),
    (lambda: Tensor(np.ones(3)).exp().backward(np.ones(2)), ValueError, r"must have shape \(3,\). Got "
                                                                        r"\(2,\)"),
    (lambda: Tensor(np.ones((0, 2))).mean(axis=0), ValueError, "empty axis"),
])
def test_tensor_validation(make, error, message):
    with pytest.raises(error, match=message):
        make()
