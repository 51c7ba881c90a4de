"""Network containers (helpers.*_impl.nets), weight copying (helpers.core.bridge), training loops (*.trainer).

The NumPy ``Sequential.backward`` is checked against torch autograd through the ``torch.nn`` twin with
copied weights; the loops' curves are compared in tests/test_training_parity.py.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from helpers.core.bridge import copy_weights
from helpers.core.training import History, ProgressLine

ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), activation=st.sampled_from(ACTIVATIONS),
       batch=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_sequential_backward_matches_torch_autograd(sizes, activation, batch, seed):
    rng = np.random.default_rng(seed)
    net = hn.mlp(sizes, activation=activation, rng=rng)
    tnet = ht.mlp(sizes, activation=activation, generator=gen()).double()
    copy_weights(net, tnet)
    x, dout = rng.normal(size=(batch, sizes[0])), rng.normal(size=(batch, sizes[-1]))

    out = net.forward(x)
    dx = net.backward(dout)
    tx = torch.tensor(x, requires_grad=True)
    tout = tnet(tx)
    tout.backward(torch.from_numpy(dout))  # the same vector-Jacobian product by autograd

    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    names = [n for n, _ in net.named_parameters()]
    assert names == [n for n, _ in tnet.named_parameters()]
    for g, (_, tp) in zip(net.gradients(), tnet.named_parameters(), strict=True):
        np.testing.assert_allclose(g, tp.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_flatten_and_dropout_layers_in_a_sequential():
    rng = np.random.default_rng(0)
    net = hn.Sequential(hn.Flatten(), hn.Linear(12, 3, rng=rng), hn.Dropout(0.5, rng=rng), hn.Tanh())
    tnet = ht.Sequential(ht.Flatten(), ht.Linear(12, 3, generator=gen()), ht.Dropout(0.5, generator=gen()),
                         ht.Tanh()).double()
    copy_weights(net, tnet)
    x = rng.normal(size=(2, 3, 2, 2))
    net.eval(), tnet.eval()  # dropout is the identity at evaluation time, so both agree exactly
    out = net(x)
    dx = net.backward(np.ones_like(out))
    tx = torch.tensor(x, requires_grad=True)
    tnet(tx).sum().backward()
    np.testing.assert_allclose(out, tnet(tx).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12)
    assert dx.shape == x.shape


@pytest.mark.parametrize("impl", ["numpy", "torch"])
def test_dropout_layer_masks_scale_and_reproducibility(impl):
    if impl == "numpy":
        make = lambda seed: hn.Dropout(0.25, rng=np.random.default_rng(seed))  # noqa: E731
        run = lambda layer, x: layer(x)  # noqa: E731
        x = np.ones((200, 50))
    else:
        make = lambda seed: ht.Dropout(0.25, generator=gen(seed))  # noqa: E731
        run = lambda layer, x: layer(x).numpy()  # noqa: E731
        x = torch.ones(200, 50, dtype=torch.float64)
    out = run(make(1), x)
    assert set(np.unique(out)) == {0.0, 1.0 / 0.75}  # inverted dropout: kept units are scaled up
    assert abs((out == 0).mean() - 0.25) < 0.02
    np.testing.assert_array_equal(out, run(make(1), x))  # same seed, same mask
    assert not np.array_equal(out, run(make(2), x))
    layer = make(1)
    layer.eval()
    np.testing.assert_array_equal(run(layer, x), np.ones((200, 50)))


def test_numpy_dropout_backward_reuses_the_forward_mask():
    layer = hn.Dropout(0.5, rng=np.random.default_rng(0))
    out = layer(np.ones((4, 6)))
    np.testing.assert_array_equal(layer.backward(np.ones((4, 6))), out)  # d(x * m)/dx = m


def test_linear_initialisation_like_nn_linear_without_global_randomness():
    state = torch.random.get_rng_state()
    t = ht.Linear(400, 300, generator=gen(3))
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator was not touched
    n = hn.Linear(400, 300, rng=np.random.default_rng(3))
    bound = 1 / np.sqrt(400)
    for w in (n.params["weight"], t.weight.detach().numpy()):
        assert w.shape == (300, 400) and np.abs(w).max() <= bound
        assert abs(w.var() - bound**2 / 3) < 0.05 * bound**2 / 3  # U(-a, a) has variance a^2/3
    assert torch.equal(ht.Linear(4, 2, generator=gen(3)).weight, ht.Linear(4, 2, generator=gen(3)).weight)
    assert isinstance(t, torch.nn.Linear) and ht.Sequential is torch.nn.Sequential
    no_bias = hn.Linear(3, 2, bias=False, rng=np.random.default_rng(0))
    assert list(no_bias.params) == ["weight"]
    no_bias(np.ones((1, 3)))
    assert list(no_bias.backward(np.ones((1, 2))).shape) == [1, 3] and list(no_bias.grads) == ["weight"]
    copy_weights(no_bias, ht.Linear(3, 2, bias=False, generator=gen()))


def test_module_bookkeeping():
    rng = np.random.default_rng(0)
    net = hn.mlp((3, 4, 2), dropout=0.1, rng=rng)
    assert [type(layer).__name__ for layer in net.layers] == ["Linear", "ReLU", "Dropout", "Linear"]
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert net.parameters()[0] is net[0].params["weight"]  # the live arrays, so in-place updates stick
    net.eval()
    assert not any(layer.training for layer in net.layers)
    net.train()
    assert all(layer.training for layer in net.layers)
    net(np.ones((2, 3)))
    net.backward(np.ones((2, 2)))
    assert any(np.any(g) for g in net.gradients())
    net.zero_grad()
    assert not any(np.any(g) for g in net.gradients())
    with pytest.raises(RuntimeError, match="ReLU.backward was called without a forward pass"):
        hn.ReLU().backward(np.ones(2))
    state = net.state_dict()
    state["0.weight"][...] = 0.0  # a copy: the net is unchanged
    assert np.any(net[0].params["weight"])
    net.load_state_dict(state)
    assert not np.any(net[0].params["weight"])
    assert "Linear(in_features=3, out_features=4, bias=True)" in repr(net)


def test_copy_weights_both_ways_and_mismatches():
    net = hn.mlp((3, 5, 2), rng=np.random.default_rng(0))
    tnet = ht.mlp((3, 5, 2), generator=gen())  # float32: copy_weights casts to the target's dtype
    copy_weights(net, tnet)
    assert tnet[0].weight.dtype == torch.float32
    np.testing.assert_allclose(tnet[0].weight.detach().numpy(), net[0].params["weight"], rtol=1e-6)
    other = hn.mlp((3, 5, 2), rng=np.random.default_rng(1))
    copy_weights(tnet.double(), other)
    np.testing.assert_array_equal(other[2].params["bias"], tnet[2].bias.detach().numpy())
    with pytest.raises(ValueError, match=r"has parameters \['0.bias', '0.weight'\] but the target has"):
        copy_weights(hn.Sequential(hn.Linear(3, 5, rng=np.random.default_rng(0))), tnet)
    with pytest.raises(ValueError, match=r"parameter '0.weight' has shape \(5, 3\) in the source but "
                                         r"\(4, 3\)"):
        copy_weights(net, ht.mlp((3, 4, 2), generator=gen()))
    with pytest.raises(ValueError, match="must have shape"):
        copy_weights(ht.mlp((3, 4, 2), generator=gen()), net)
    with pytest.raises(TypeError, match="The 'target' argument of copy_weights must be"):
        copy_weights(net, {"0.weight": 1})


@pytest.mark.parametrize("call, error, message", [
    (lambda: hn.Linear(0, 2, rng=np.random.default_rng(0)), ValueError, "'in_features' .* Linear .* >= 1"),
    (lambda: hn.Linear(2, 2, rng=0), TypeError, "The 'rng' argument of Linear must be a np.random.Generator"),
    (lambda: ht.Linear(2, 2, generator=0), TypeError, "'generator' argument of Linear must be a torch.Gen"),
    (lambda: hn.Dropout(1.0, rng=np.random.default_rng(0)), ValueError, r"'p' argument of Dropout .* "
                                                                        r"\[0, 1\)"),
    (lambda: hn.Sequential(hn.ReLU(), "relu"), TypeError, "Argument 1 of Sequential must be a layer"),
    (lambda: hn.mlp((3,), rng=np.random.default_rng(0)), ValueError, "at least two layer widths"),
    (lambda: ht.mlp((3, 2), activation="gelu", generator=gen()), ValueError, "'activation' argument of mlp"),
    (lambda: hn.mlp((3, 0), rng=np.random.default_rng(0)), ValueError, "'sizes' .* mlp .* >= 1"),
    (lambda: hn.mlp((3, 2), rng=np.random.default_rng(0)).load_state_dict({}), ValueError, "the keys"),
    (lambda: hn.Sequential().forward([1.0]), TypeError, "'x' argument of Sequential.forward must be a"),
])
def test_net_validation(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- training loops -------------------------------------------------------------------------------------
def blobs(n=60):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    x = np.eye(3)[y] * 3 + rng.normal(size=(n, 3))
    return x, y


def test_numpy_loop_with_optimizer_equals_plain_sgd_and_learns():
    x, y = blobs()
    a = hn.mlp((3, 8, 3), rng=np.random.default_rng(0))
    b = hn.mlp((3, 8, 3), rng=np.random.default_rng(0))
    ha = hn.train(a, x, y, epochs=5, batch_size=16, lr=0.2)
    hb = hn.train(b, x, y, epochs=5, batch_size=16, optimizer=hn.optim.SGD(b.parameters(), lr=0.2))
    np.testing.assert_allclose(ha.step_loss, hb.step_loss, rtol=1e-14)
    assert len(ha.step_loss) == 5 * 4 and ha.epoch == [1, 2, 3, 4, 5]
    assert ha.train_acc[-1] > 0.9 and ha.train_loss[-1] < ha.train_loss[0]


def test_shuffling_is_reproducible_and_changes_the_order():
    x, y = blobs()
    runs = []
    for seed in (0, 0, 1):
        net = hn.mlp((3, 8, 3), rng=np.random.default_rng(0))
        runs.append(hn.train(net, x, y, epochs=2, batch_size=16, rng=np.random.default_rng(seed)).step_loss)
    assert runs[0] == runs[1] and runs[0] != runs[2]
    truns = []
    for seed in (0, 0, 1):
        net = ht.mlp((3, 8, 3), generator=gen()).double()
        truns.append(ht.train(net, *map(torch.from_numpy, (x, y)), epochs=2, batch_size=16,
                              generator=gen(seed)).step_loss)
    assert truns[0] == truns[1] and truns[0] != truns[2]


def test_evaluate_restores_the_mode_and_history_summary():
    x, y = blobs()
    net = hn.mlp((3, 8, 3), dropout=0.5, rng=np.random.default_rng(0))
    loss, acc = hn.evaluate(net, x, y)
    assert net.training and 0 <= acc <= 1 and loss > 0
    tnet = ht.mlp((3, 8, 3), dropout=0.5, generator=gen()).double()
    tnet.eval()
    ht.evaluate(tnet, *map(torch.from_numpy, (x, y)))
    assert not tnet.training
    h = hn.train(net, x, y, epochs=2, val=(x, y))
    assert h.summary().startswith("epoch 2  train_loss ") and "val_acc" in h.summary()
    assert History().summary() == "no epoch trained yet"


def test_progress_is_off_by_default_and_writes_one_line_to_stderr(capsys):
    x, y = blobs()
    hn.train(hn.mlp((3, 4, 3), rng=np.random.default_rng(0)), x, y, epochs=2)
    assert capsys.readouterr() == ("", "")
    hn.train(hn.mlp((3, 4, 3), rng=np.random.default_rng(0)), x, y, epochs=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\r") == 2 and captured.err.endswith("(2/2)\n")
    stream = io.StringIO()
    ProgressLine(False, stream).close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(loss="hinge"), ValueError, "The 'loss' argument of train must be one of 'cross_entropy'"),
    (dict(epochs=0), ValueError, "'epochs' argument of train must be an int >= 1. Got 0"),
    (dict(batch_size=0), ValueError, "'batch_size' argument of train must be an int >= 1"),
    (dict(lr=-1.0), ValueError, r"'lr' argument of train must be a real number in \(0, inf\]"),
    (dict(val=(np.ones((2, 3)),)), ValueError, "'val' argument of train must be None or a pair"),
    (dict(y=np.zeros(5, dtype=int)), ValueError, r"same number \(>= 1\) of examples .* \(60, 3\) and \(5,\)"),
])
def test_train_validation(kwargs, error, message):
    x, y = blobs()
    y = kwargs.pop("y", y)
    with pytest.raises(error, match=message):
        hn.train(hn.mlp((3, 4, 3), rng=np.random.default_rng(0)), x, y, **kwargs)
    with pytest.raises(error, match=message):
        tnet = ht.mlp((3, 4, 3), generator=gen()).double()
        ht.train(tnet, torch.from_numpy(x), torch.from_numpy(y), **kwargs)


def test_train_type_validation():
    x, y = blobs()
    with pytest.raises(TypeError, match="'net' argument of train must be a helpers.numpy_impl.nets.Mod"):
        hn.train(lambda v: v, x, y)
    with pytest.raises(TypeError, match="The 'rng' argument of train must be None or a np.random.Generator"):
        hn.train(hn.mlp((3, 4, 3), rng=np.random.default_rng(0)), x, y, rng=0)
    with pytest.raises(TypeError, match="'generator' argument of train must be None or a torch.Gen"):
        tnet = ht.mlp((3, 4, 3), generator=gen())
        ht.train(tnet, torch.ones(4, 3), torch.zeros(4, dtype=torch.long), generator=0)
    with pytest.raises(TypeError, match="The 'x' argument of train must be a torch.Tensor"):
        ht.train(ht.mlp((3, 4, 3), generator=gen()), x, y)


def test_twins_have_the_same_public_names_and_signatures():
    import inspect

    for module in ("nets", "trainer"):
        np_mod, t_mod = getattr(hn, module), getattr(ht, module)
        assert np_mod.__all__ == t_mod.__all__
    # our own classes and functions (the torch.nn aliases keep torch's signatures, e.g. ReLU(inplace=False))
    for name in ("Linear", "Dropout", "mlp", "train", "evaluate", "sgd_update", "loss_and_accuracy"):
        ours, theirs = (inspect.signature(getattr(impl, name)).parameters.values() for impl in (hn, ht))
        rename = {"generator": "rng"}  # the one deliberate difference: NumPy Generator vs torch.Generator
        assert [(p.name, p.kind, p.default) for p in ours] == [
            (rename.get(p.name, p.name), p.kind, p.default) for p in theirs], name
