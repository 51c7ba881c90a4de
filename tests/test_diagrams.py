"""Tests of helpers.diagrams: each diagram draws what an independent computation says it should.

The computational graph against the engine's gradients and torch.autograd, the hidden units against the
network's prediction, the convolution windows against the non-zero gradients of F.conv2d /
F.conv_transpose2d / a stack of F.conv1d, the gate names against the twins' LSTM and GRU cells, the
Transformer shapes against transformer_encoder_layer, and the U-Net's skips against its modules.
"""

from __future__ import annotations

import itertools
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import helpers.numpy_impl as hn  # noqa: E402
from helpers.autodiff.scalar import Value, topological_order  # noqa: E402
from helpers.diagrams import activations, conv, graph, rnn_cells, segnets, transformer, units  # noqa: E402
from helpers.labs import approximation as ap  # noqa: E402
from helpers.labs import architectures as A  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


# ------------------------------------------------------------------------------------------------ graph
@pytest.mark.parametrize("name", ["(x+y)·z", "neuron"])
def test_graph_edges_carry_the_engines_values_and_gradients(name):
    root = graph.example_graphs()[name]
    values = topological_order(root)
    nodes, edges = graph.graph_data(root)
    assert [n.data for n in nodes] == [v.data for v in values]
    assert [n.grad for n in nodes] == [v.grad for v in values]
    for e in edges:
        assert e.value == values[e.src].data
    for i, v in enumerate(values[:-1]):  # the multivariate chain rule: uses add up to the node's gradient
        assert sum(e.grad for e in edges if e.src == i) == pytest.approx(v.grad, abs=1e-15)
    texts = _texts(graph.draw_graph(root))
    for e in edges:
        assert graph._fmt(e.value) in texts and graph._fmt(e.grad) in texts


_TORCH_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
              "neg": lambda a: -a, "exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
              "relu": torch.relu}


def _per_use_gradients_by_torch(root):
    """Re-evaluate ``root``'s graph in torch with a separate leaf for every use of every value; return
    ``{(src, dst): d root / d use}`` summed over repeated uses, by topological index (the engine is not used)."""
    order = topological_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    out, uses = {}, {}
    for i, v in enumerate(order):
        if not v._prev:
            out[i] = torch.tensor(v.data, dtype=torch.float64)
            continue
        args = []
        for p in v._prev:
            zero = torch.zeros((), dtype=torch.float64, requires_grad=True)  # d root / d zero = d root / d use
            uses.setdefault((index[id(p)], i), []).append(zero)
            args.append(out[index[id(p)]] + zero)
        op = (lambda a, n=float(v._op[2:]): a**n) if v._op.startswith("**") else _TORCH_OPS[v._op]
        out[i] = op(*args)
    assert out[len(order) - 1].item() == pytest.approx(root.data, rel=1e-12)
    out[len(order) - 1].backward()
    return {k: sum(z.grad.item() for z in zs) for k, zs in uses.items()}


def _mlp_graph():
    x = Value(0.5, label="x")
    w1, b1, w2, b2 = Value(1.0, label="w1"), Value(0.0, label="b1"), Value(-2.0, label="w2"), Value(0.5, label="b2")
    v1, v2, c, t = Value(1.5, label="v1"), Value(-1.0, label="v2"), Value(0.2, label="c"), Value(1.0, label="t")
    loss = ((w1 * x + b1).tanh() * v1 + (x * w2 + b2).tanh() * v2 + c - t) ** 2
    loss.backward()
    return loss


def _every_op():
    u = Value(3.0, label="u")  # used seven times, twice by one node
    g = (u * u + u) / (u.exp() - 1.0) + (-u).relu() + u.sigmoid().log()
    g.backward()
    return g


@pytest.mark.parametrize("make", [lambda: graph.example_graphs()["(x+y)·z"], lambda: graph.example_graphs()["neuron"],
                                  _mlp_graph, _every_op], ids=["xyz", "neuron", "mlp", "every-op"])
def test_edge_gradients_equal_torch_per_use_gradients(make):
    """Each red number is d root / d (that use of the value), computed by torch without the engine."""
    root = make()
    nodes, edges = graph.graph_data(root)
    expected = _per_use_gradients_by_torch(root)
    assert {(e.src, e.dst) for e in edges} == set(expected)
    for e in edges:
        assert e.grad == pytest.approx(expected[e.src, e.dst], rel=1e-12, abs=1e-15)
        assert nodes[e.src].column < nodes[e.dst].column  # inputs are drawn left of their users


def test_xyz_edges_follow_the_add_and_multiply_rules():
    nodes, edges = graph.graph_data(graph.example_graphs()["(x+y)·z"])
    red = {(nodes[e.src].name, nodes[e.dst].op): e.grad for e in edges}
    green = {(nodes[e.src].name, nodes[e.dst].op): e.value for e in edges}
    assert red == {("x", "+"): -4.0, ("y", "+"): -4.0, ("+", "*"): -4.0, ("z", "*"): 3.0}  # z, z, z, x + y
    assert green == {("x", "+"): -2.0, ("y", "+"): 5.0, ("+", "*"): 3.0, ("z", "*"): -4.0}


@pytest.mark.parametrize("make", [lambda: graph.example_graphs()["neuron"], _mlp_graph, _every_op],
                         ids=["neuron", "mlp", "every-op"])
def test_drawn_numbers_are_the_edges_in_their_colours(make):
    """Every forward value is written in green and every gradient in red, once per edge (plus the output)."""
    root = make()
    _, edges = graph.graph_data(root)
    fig = graph.draw_graph(root)
    texts = [(t.get_text(), to_rgba(t.get_color())) for t in fig.axes[0].texts]
    green = Counter(s for s, c in texts if c == to_rgba("tab:green"))
    red = Counter(s for s, c in texts if c == to_rgba("tab:red"))
    assert green == Counter([graph._fmt(e.value) for e in edges] + [graph._fmt(root.data)])
    assert red == Counter([graph._fmt(e.grad) + (f" (×{e.count})" if e.count > 1 else "") for e in edges]
                          + [graph._fmt(root.grad)])
    values_only = graph.draw_graph(root, gradients=False).axes[0].texts
    assert not any(to_rgba(t.get_color()) == to_rgba("tab:red") for t in values_only)


def test_graph_gradients_equal_torch_autograd():
    neuron = graph.example_graphs()["neuron"]
    leaves = {v.label: v.grad for v in topological_order(neuron) if not v._prev}
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in dict(w0=2.0, w1=-3.0, w2=-3.0, x0=-1.0, x1=-2.0).items()}
    torch.sigmoid(t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"]).backward()
    for k, v in t.items():
        assert leaves[k] == pytest.approx(v.grad.item(), rel=1e-12)


def test_graph_value_used_twice_and_grads_restored():
    u = Value(3.0, label="u")
    g = u * u + u
    g.backward()
    before = [v.grad for v in topological_order(g)]
    nodes, edges = graph.graph_data(g)
    assert [v.grad for v in topological_order(g)] == before  # graph_data leaves the gradients as they were
    square = [e for e in edges if e.count == 2]
    assert len(square) == 1 and square[0].grad == 6.0  # d(u*u)/du = 2u, both uses on one edge
    assert sum(e.grad for e in edges if nodes[e.src].name == "u") == 7.0


def test_graph_needs_backward_for_gradients():
    f = Value(1.0) * Value(2.0)
    with pytest.raises(ValueError, match="backward"):
        graph.draw_graph(f)
    graph.draw_graph(f, gradients=False)
    with pytest.raises(TypeError):
        graph.graph_data(2.0)


# ------------------------------------------------------------------------------------------------ units
def test_units_add_up_to_the_network():
    x, y = np.linspace(0, 3, 40)[:, None], np.sin(1 + np.linspace(0, 3, 40) ** 2)[:, None]
    fit = ap.fit_mlp(x, y, (3,), optimizer="adam", steps=30, lr=0.05, seed=0)
    grid = np.linspace(0, 3, 25)
    u = units.unit_contributions(fit, grid)
    np.testing.assert_allclose(u["terms"].sum(axis=1) + u["bias"], u["prediction"], atol=1e-12)
    np.testing.assert_allclose(u["prediction"], fit.predict(grid[:, None])[:, 0], atol=1e-12)
    at_centres = units.unit_contributions(fit, u["centres"])["terms"]
    np.testing.assert_allclose(np.diag(at_centres), 0.0, atol=1e-12)  # tanh(w c + b) = tanh(0) at the centre
    assert len(units.draw_unit_contributions(fit, grid, target=ap.target_function).axes) == 2
    with pytest.raises(ValueError, match="one-hidden-layer"):
        units.unit_contributions(ap.build_mlp((1, 3, 3, 1)), grid)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_unit_terms_equal_numpy_formula_and_the_drawn_curves(activation):
    x, y = np.linspace(0, 3, 40)[:, None], np.sin(1 + np.linspace(0, 3, 40) ** 2)[:, None]
    fit = ap.fit_mlp(x, y, (4,), activation=activation, optimizer="adam", steps=30, lr=0.05, seed=1)
    first, _, last = list(fit.model.children())
    w, b = first.weight.detach().double().numpy()[:, 0], first.bias.detach().double().numpy()
    v, c = last.weight.detach().double().numpy()[0], float(last.bias.detach()[0])
    act = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0.0))
    grid = np.linspace(-1, 4, 51)
    u = units.unit_contributions(fit, grid)
    np.testing.assert_allclose(u["terms"], v * act(np.outer(grid, w) + b), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(u["heights"], v)
    np.testing.assert_array_equal(u["slopes"], w)
    np.testing.assert_allclose(u["centres"], -b / w, rtol=1e-12)
    assert u["bias"] == c
    if activation == "tanh":  # a step of height 2 v_j, upwards when w_j > 0
        far = units.unit_contributions(fit, np.r_[u["centres"] - 40 / np.abs(w), u["centres"] + 40 / np.abs(w)])
        rise = np.diag(far["terms"][len(w):]) - np.diag(far["terms"][:len(w)])
        np.testing.assert_allclose(rise, 2 * v * np.sign(w), rtol=1e-9)
    fig = units.draw_unit_contributions(fit, grid, target=ap.target_function, samples=(x[:, 0], y[:, 0]))
    left, right = fig.axes
    order = np.argsort(u["centres"])
    drawn = [line.get_ydata() for line in left.get_lines() if len(line.get_ydata()) == len(grid)]
    np.testing.assert_allclose(np.array(drawn).T, u["terms"][:, order])  # one curve per unit, left to right
    assert float(np.unique(left.get_lines()[-1].get_ydata())[0]) == pytest.approx(c)  # the output-bias line
    by_label = {line.get_label(): line.get_ydata() for line in right.get_lines()}
    np.testing.assert_allclose(by_label["network = bias + sum of units"], fit.predict(grid[:, None])[:, 0], atol=1e-12)
    partial = [line.get_ydata() for line in right.get_lines() if line.get_label().startswith("_")]
    np.testing.assert_allclose(np.array(partial).T, c + np.cumsum(u["terms"][:, order], axis=1)[:, :-1])


def test_prelu_slope_is_learned_and_matches_torch():
    fit = activations.fit_prelu_slope()
    assert fit["slopes"][-1] == pytest.approx(fit["closed_form"], abs=1e-9)
    assert abs(fit["closed_form"] - fit["true_slope"]) < 0.02
    assert np.all(np.diff(fit["losses"]) <= 1e-15)  # gradient descent on a parabola never goes up
    a = torch.tensor([fit["slopes"][-1]], dtype=torch.float64)
    x = torch.tensor(fit["x"])[:, None]
    np.testing.assert_allclose(hn.prelu_forward(x.numpy(), a.numpy())[0], F.prelu(x, a).numpy())
    left, right = activations.draw_activation_family(fit).axes
    curves = {line.get_label().split(":")[0]: line for line in left.get_lines()}
    t, prelu = curves["PReLU"].get_xydata().T
    np.testing.assert_allclose(prelu, np.where(t > 0, t, fit["slopes"][-1] * t))  # the drawn slope is the learned one
    np.testing.assert_array_equal(right.get_lines()[0].get_ydata(), fit["slopes"])


# ------------------------------------------------------------------------------------------------- conv
def _grad_support(out_fn, x_shape, index):
    x = torch.zeros(x_shape, dtype=torch.float64, requires_grad=True)
    out = out_fn(x)
    out[index].backward()
    return out.shape, (x.grad != 0).numpy()


CONV_CASES = [c for c in itertools.product((5, 7), (1, 3), (1, 2, 3), (0, 1, 2), (1, 2)) if c[3] < c[1] or c[3] == 0]


@pytest.mark.parametrize("n,k,s,p,d", CONV_CASES)
def test_conv_window_equals_gradient_support(n, k, s, p, d):
    w = torch.ones(1, 1, k, k, dtype=torch.float64)
    try:
        out_shape, _ = _grad_support(lambda x: F.conv2d(x, w, stride=s, padding=p, dilation=d), (1, 1, n, n),
                                     (0, 0, 0, 0))
    except RuntimeError:  # the kernel does not fit: the formula must say so too
        with pytest.raises(ValueError):
            conv.conv_window(n, k, stride=s, padding=p, dilation=d)
        return
    size = out_shape[-1]
    for r, c in {(0, 0), (size - 1, size - 1), (size // 2, (size - 1) // 3)}:
        _, support = _grad_support(lambda x: F.conv2d(x, w, stride=s, padding=p, dilation=d), (1, 1, n, n),
                                   (0, 0, r, c))
        win = conv.conv_window(n, k, stride=s, padding=p, dilation=d, output=(r, c))
        assert win["out_size"] == size
        np.testing.assert_array_equal(win["inside"], support[0, 0])


@pytest.mark.parametrize("n,k,s,p,d", [(3, 3, 2, 0, 1), (3, 3, 2, 1, 1), (4, 2, 2, 0, 1), (3, 3, 1, 0, 2),
                                       (2, 4, 3, 1, 1), (3, 3, 3, 2, 2)])
def test_transposed_window_equals_gradient_support(n, k, s, p, d):
    w = torch.ones(1, 1, k, k, dtype=torch.float64)

    def fn(x):
        return F.conv_transpose2d(x, w, stride=s, padding=p, dilation=d)

    size = fn(torch.zeros(1, 1, n, n, dtype=torch.float64)).shape[-1]
    for r, c in itertools.product(range(size), repeat=2):
        _, support = _grad_support(fn, (1, 1, n, n), (0, 0, r, c))
        win = conv.transposed_window(n, k, stride=s, padding=p, dilation=d, output=(r, c))
        assert win["out_size"] == size
        np.testing.assert_array_equal(win["inside"], support[0, 0])


@pytest.mark.parametrize("dilations", [(1, 1, 1, 1), (1, 2, 4, 8), (2, 2), (1, 3), (2, 4)])
def test_atrous_support_equals_gradient_support(dilations):
    length = 41
    sup = conv.atrous_support(dilations, length=length)
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    h, layers = x, [x]
    for d in dilations:
        h = F.conv1d(h, torch.ones(1, 1, 3, dtype=torch.float64), padding=d, dilation=d)
        h.retain_grad()
        layers.append(h)
    h[0, 0, length // 2].backward()
    for reached, t in zip(sup["layers"][:-1], layers[:-1]):
        np.testing.assert_array_equal(reached, (t.grad[0, 0] != 0).numpy())
    assert sup["rf"] == sup["span"]  # span, not count: dilation can leave holes inside the field
    assert sup["layers"][0].sum() <= sup["rf"]


def test_dilation_leaves_holes_and_doubling_fills_them():
    assert conv.atrous_support((2, 2))["layers"][0].sum() < conv.atrous_support((2, 2))["rf"]
    assert conv.atrous_support((1, 2, 4, 8))["layers"][0].sum() == conv.atrous_support((1, 2, 4, 8))["rf"] == 31


def test_conv_drawings_highlight_the_pixels_read():
    dark = to_rgba("#1f77b4")
    for _, n, k, s, p, d, transposed, output in conv.GALLERY:
        fig = conv.draw_conv(n, k, stride=s, padding=p, dilation=d, transposed=transposed, output=output)
        win = (conv.transposed_window if transposed else conv.conv_window)(n, k, stride=s, padding=p, dilation=d,
                                                                           output=output)
        highlighted = sum(patch.get_facecolor() == dark for patch in fig.axes[0].patches)
        assert highlighted == win["inside"].sum()
        plt.close(fig)
    assert len(conv.draw_conv_gallery().axes) == 4
    fig = conv.draw_atrous_stack()
    assert "receptive field 31" in fig.axes[1].get_title()


# ------------------------------------------------------------------------------------------------- RNNs
def test_lstm_step_equals_the_twin_and_gate_names_match():
    rng = np.random.default_rng(0)
    n, d, h = 2, 3, 4
    x, h0, c0 = rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h))
    w = [rng.standard_normal((4 * h, d)), rng.standard_normal((4 * h, h)), rng.standard_normal(4 * h),
         rng.standard_normal(4 * h)]
    (h1, c1), _ = hn.lstm_cell_forward(x, h0, c0, *w)
    step = rnn_cells.lstm_step(x, h0, c0, *w)
    np.testing.assert_allclose(step["h_next"], h1, atol=1e-14)
    np.testing.assert_allclose(step["c_next"], c1, atol=1e-14)
    block = {sym: k for k, (sym, _, _) in enumerate(rnn_cells.LSTM_GATES)}

    def with_biases(**gates):
        b = np.zeros(4 * h)
        for sym, value in gates.items():
            b[block[sym] * h:(block[sym] + 1) * h] = value
        return hn.lstm_cell_forward(x, h0, c0, w[0] * 0, w[1] * 0, b, np.zeros(4 * h))[0]

    np.testing.assert_allclose(with_biases(f=40.0, i=-40.0)[1], c0, atol=1e-12)  # forget gate open: memory kept
    np.testing.assert_allclose(with_biases(o=-40.0)[0], 0.0, atol=1e-12)  # output gate closed: h = 0
    np.testing.assert_allclose(with_biases(f=-40.0, i=40.0, g=40.0)[1], 1.0, atol=1e-12)  # write the candidate
    texts = _texts(rnn_cells.draw_lstm_cell())
    v = rnn_cells.lstm_step(*rnn_cells.example_weights("lstm"))
    for sym, name, _ in rnn_cells.LSTM_GATES:
        assert f"{name}\n{sym} = {rnn_cells._scalar(v[sym])}" in texts


def test_gru_step_equals_the_twin_and_gate_names_match():
    rng = np.random.default_rng(1)
    n, d, h = 2, 3, 4
    x, h0 = rng.standard_normal((n, d)), rng.standard_normal((n, h))
    w = [rng.standard_normal((3 * h, d)), rng.standard_normal((3 * h, h)), rng.standard_normal(3 * h),
         rng.standard_normal(3 * h)]
    h1, _ = hn.gru_cell_forward(x, h0, *w)
    np.testing.assert_allclose(rnn_cells.gru_step(x, h0, *w)["h_next"], h1, atol=1e-14)
    block = {sym: k for k, (sym, _, _) in enumerate(rnn_cells.GRU_GATES)}

    def run(sym, value):
        b = w[3].copy()
        b[block[sym] * h:(block[sym] + 1) * h] = value
        return hn.gru_cell_forward(x, h0, w[0], w[1], w[2], b)[0]

    np.testing.assert_allclose(run("z", 40.0), h0, atol=1e-12)  # update gate 1: keep the old state
    reset = run("r", -1e3)  # reset gate 0: the candidate ignores h W_hn + b_hn
    expected = np.tanh(x @ w[0][2 * h:].T + w[2][2 * h:])
    z = 1 / (1 + np.exp(-(x @ w[0][h:2 * h].T + w[2][h:2 * h] + h0 @ w[1][h:2 * h].T + w[3][h:2 * h])))
    np.testing.assert_allclose(reset, (1 - z) * expected + z * h0, atol=1e-12)
    texts = _texts(rnn_cells.draw_gru_cell())
    v = rnn_cells.gru_step(*rnn_cells.example_weights("gru"))
    for sym, name, _ in rnn_cells.GRU_GATES:
        assert f"{name}\n{sym} = {rnn_cells._scalar(v[sym])}" in texts


# ---------------------------------------------------------------------------------------------- Transformer
def test_transformer_shapes_come_from_the_real_layer():
    from helpers.widgets.attention_heatmap import TransformerConfig

    s = transformer.transformer_shapes()
    out, reference, weights, maps = s["check"]
    torch.testing.assert_close(out, reference, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(weights, maps, rtol=1e-5, atol=1e-6)
    c = s["config"]
    assert s["q"] == (2, c.num_heads, c.length, c.d_model // c.num_heads)
    assert s["scores"] == s["weights"] == (2, c.num_heads, c.length, c.length)
    assert s["ff_hidden"] == (2, c.length, c.dim_feedforward) and s["logits"] == (2, c.length, c.vocab)
    other = transformer.transformer_shapes(TransformerConfig(length=5, d_model=16, num_heads=4, dim_feedforward=24),
                                           batch=3)
    assert other["q"] == (3, 4, 5, 4) and other["ff_hidden"] == (3, 5, 24)
    texts = _texts(transformer.draw_transformer_block())
    assert any("hidden (2, 6, 64)" in t for t in texts) and "(2, 6, 10)" in texts
    assert any("d_k = d_model / heads = 16" in t for t in texts)


# ------------------------------------------------------------------------------------------------ FCN/U-Net
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_unet_skips_join_encoder_and_decoder_of_each_level(depth):
    model = A.TinyUNet(3, 2, width=4, depth=depth)
    info = segnets.segnet_stages(model, size=16)
    st = info["stages"]
    assert len(info["skips"]) == depth
    for level, (i, j) in enumerate(info["skips"]):
        assert st[i]["name"] == f"down[{depth - 1 - level}]" and st[j]["name"] == f"dec[{level}]"
        assert st[j]["in_shape"][0] == st[i]["out_shape"][0] + st[j - 1]["out_shape"][0]
    assert info["output"] == tuple(model(torch.zeros(1, 3, 16, 16)).shape[1:])
    fig = segnets.draw_segnet(model, size=16)
    assert f"{depth} skip connection(s)" in fig.axes[0].get_title()


def test_fcn_has_no_skips_and_upsamples_once():
    info = segnets.segnet_stages(A.TinyFCN(3, 2, width=4), size=16)
    assert info["skips"] == []
    assert [s["level"] for s in info["stages"]][-1] == 0 and max(s["level"] for s in info["stages"]) == 2
    assert info["stages"][-1]["kind"].startswith("transposed")
