"""Issue 3's acceptance test: the NumPy reference and its torch twin train along the same loss curve.

A two-layer MLP is built twice (hand-written NumPy layers vs ``torch.nn`` modules with autograd and
``torch.nn.functional`` losses), the NumPy initial weights are copied into the torch net, and both are
trained in float64 on real bundled data with the same minibatch order. Every step's loss, every epoch's
metrics and the final weights must agree to float64 round-off. The torch net trains on ``device``
(``pytest --device=cuda``, see ``tests/conftest.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from helpers import data as hd
from helpers.core.bridge import copy_weights
from tests.devices import skip_float64_on_mps, to_numpy


def twin_nets(sizes, activation, device):
    net = hn.nets.mlp(sizes, activation=activation, rng=np.random.default_rng(0))
    tnet = ht.nets.mlp(sizes, activation=activation, generator=torch.Generator().manual_seed(0)).double()
    copy_weights(net, tnet)
    for (name, p), (tname, tp) in zip(net.named_parameters(), tnet.named_parameters(), strict=True):
        assert name == tname
        np.testing.assert_array_equal(p, tp.detach().numpy())  # identical starting points
    return net, tnet.to(device)


def assert_same_run(h_np, h_t, net, tnet, rtol=1e-10):
    assert len(h_np.step_loss) == len(h_t.step_loss) > 0
    np.testing.assert_allclose(h_np.step_loss, h_t.step_loss, rtol=rtol, atol=0)
    np.testing.assert_allclose(h_np.train_loss, h_t.train_loss, rtol=rtol, atol=0)
    np.testing.assert_allclose(h_np.val_loss, h_t.val_loss, rtol=rtol, atol=0)
    assert h_np.train_acc == h_t.train_acc and h_np.val_acc == h_t.val_acc
    for (_, p), (_, tp) in zip(net.named_parameters(), tnet.named_parameters(), strict=True):
        np.testing.assert_allclose(p, to_numpy(tp), rtol=1e-8, atol=1e-12)


@pytest.fixture(scope="module")
def digits():
    return hd.load_digits(rng=0)


def as_torch(*arrays, device):
    return tuple(torch.from_numpy(a).to(device) for a in arrays)


@pytest.mark.parametrize("batch_size, epochs", [(None, 20), (128, 4)])
def test_two_layer_mlp_on_digits_same_loss_curve(digits, batch_size, epochs, device):
    skip_float64_on_mps(device)
    d = digits
    net, tnet = twin_nets((64, 32, 10), "relu", device)
    h_np = hn.train(net, d.x_train, d.y_train, loss="cross_entropy", epochs=epochs, batch_size=batch_size,
                    lr=0.3, val=(d.x_val, d.y_val))
    h_t = ht.train(tnet, *as_torch(d.x_train, d.y_train, device=device), loss="cross_entropy", epochs=epochs,
                   batch_size=batch_size, lr=0.3, val=as_torch(d.x_val, d.y_val, device=device))
    assert_same_run(h_np, h_t, net, tnet)
    assert h_np.step_loss[-1] < 0.6 * h_np.step_loss[0]  # it did learn: the curve is not flat
    assert h_np.val_acc[-1] > 0.8


def test_adam_on_breast_cancer_with_logistic_output_same_loss_curve(device):
    skip_float64_on_mps(device)
    d = hd.load_breast_cancer(rng=1)
    y_train, y_val = d.y_train[:, None].astype(np.float64), d.y_val[:, None].astype(np.float64)  # (N, 1)
    net, tnet = twin_nets((30, 16, 1), "tanh", device)
    # ours (NumPy, hand-written Adam) against torch.optim.Adam, the built-in
    opt = hn.optim.Adam(net.parameters(), lr=1e-2)
    topt = torch.optim.Adam(tnet.parameters(), lr=1e-2, foreach=False)
    kwargs = dict(loss="binary_cross_entropy_with_logits", epochs=15, batch_size=100)
    h_np = hn.train(net, d.x_train, y_train, optimizer=opt, val=(d.x_val, y_val), **kwargs)
    h_t = ht.train(tnet, *as_torch(d.x_train, y_train, device=device), optimizer=topt,
                   val=as_torch(d.x_val, y_val, device=device), **kwargs)
    assert_same_run(h_np, h_t, net, tnet, rtol=1e-9)
    assert h_np.val_acc[-1] > 0.9


def test_regression_with_sigmoid_hidden_layer_same_loss_curve(device):
    skip_float64_on_mps(device)
    x, y = hd.make_regression_1d(64, function="sin(1+x^2)", noise=0.05, x_range=(-2.0, 2.0), rng=0)
    net, tnet = twin_nets((1, 16, 1), "sigmoid", device)
    h_np = hn.train(net, x, y, loss="mse", epochs=30, batch_size=16, lr=0.2)
    h_t = ht.train(tnet, *as_torch(x, y, device=device), loss="mse", epochs=30, batch_size=16, lr=0.2)
    assert_same_run(h_np, h_t, net, tnet)
    assert h_np.train_acc == [] and h_t.train_acc == []  # no accuracy for a regression loss
