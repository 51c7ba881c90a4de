"""Chapter 7 and 8 helpers beyond the parity registry: batch-norm running statistics, initialisers, messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


# ---- batch norm: running statistics and train/eval -----------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, 0.01, 1.0])
def test_running_stats_match_batchnorm1d_over_many_batches(momentum):
    rng = np.random.default_rng(0)
    bn = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=torch.float64)
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(15):
        x = rng.normal([1.0, -2.0, 0.5], [2.0, 0.5, 1.0], size=(5, 3))
        bn(torch.from_numpy(x))  # training mode: updates bn.running_* in place
        rm, rv = hn.batch_norm_running_stats(x, rm, rv, momentum=momentum)
        trm, trv = ht.batch_norm_running_stats(torch.from_numpy(x), trm, trv, momentum=momentum)
    np.testing.assert_allclose(rm, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, bn.running_var.numpy(), rtol=1e-12)
    np.testing.assert_allclose(trm.numpy(), rm, rtol=1e-12)
    np.testing.assert_allclose(trv.numpy(), rv, rtol=1e-12)
    # evaluation with the running statistics reproduces bn.eval()
    bn.eval()
    x = rng.normal(size=(4, 3))
    gamma, beta = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    out, _ = hn.batch_norm_forward(x, gamma, beta, rm, rv, training=False)
    np.testing.assert_allclose(out, bn(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-14)


def test_running_variance_is_unbiased_but_normalisation_uses_the_biased_one():
    x = np.array([[0.0], [1.0], [2.0], [5.0]])  # biased variance 3.5, unbiased 14/3
    _, rv = hn.batch_norm_running_stats(x, np.zeros(1), np.zeros(1), momentum=1.0)
    assert rv[0] == pytest.approx(14 / 3)
    out, _ = hn.batch_norm_forward(x, np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), training=True, eps=0.0 + 1e-12)
    assert float(np.mean(out**2)) == pytest.approx(1.0, rel=1e-9)  # divided by the biased std
    assert float(np.mean(out**2)) != pytest.approx(3.5 / (14 / 3))


def test_lecture_beta_is_one_minus_pytorch_momentum():
    rng = np.random.default_rng(1)
    rm, lecture = np.zeros(2), np.zeros(2)
    beta_m = 0.99
    for _ in range(5):
        x = rng.normal(size=(8, 2))
        rm, _ = hn.batch_norm_running_stats(x, rm, np.ones(2), momentum=1 - beta_m)
        lecture = beta_m * lecture + (1 - beta_m) * x.mean(axis=0)
    np.testing.assert_allclose(rm, lecture, rtol=1e-12)


def test_training_output_depends_on_the_batch_eval_output_does_not():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4))
    args = (np.ones(4), np.zeros(4), rng.normal(size=4), rng.uniform(0.5, 2, 4))
    other = np.concatenate([x[:1], rng.normal(3.0, 1.0, size=(5, 4))])
    train_a, _ = hn.batch_norm_forward(x, *args, training=True)
    train_b, _ = hn.batch_norm_forward(other, *args, training=True)
    assert not np.allclose(train_a[0], train_b[0])
    eval_a, _ = hn.batch_norm_forward(x, *args, training=False)
    eval_b, _ = hn.batch_norm_forward(other, *args, training=False)
    np.testing.assert_array_equal(eval_a[0], eval_b[0])


def test_bias_before_batch_norm_cancels():
    rng = np.random.default_rng(3)
    x, b = rng.normal(size=(5, 3)), rng.normal(size=3)
    args = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.ones(3))
    np.testing.assert_allclose(hn.batch_norm_forward(x + b, *args)[0], hn.batch_norm_forward(x, *args)[0], atol=1e-12)


def test_group_norm_special_cases_are_layer_and_instance_norm():
    rng = np.random.default_rng(4)
    x = rng.normal(2.0, 3.0, size=(2, 4, 3, 3))
    ones, zeros = np.ones(4), np.zeros(4)
    one_group, _ = hn.group_norm_forward(x, ones, zeros, num_groups=1)
    flat, _ = hn.layer_norm_forward(x.reshape(2, -1), np.ones(36), np.zeros(36))
    np.testing.assert_allclose(one_group, flat.reshape(x.shape), atol=1e-12)
    np.testing.assert_allclose(hn.group_norm_forward(x, ones, zeros, num_groups=4)[0],
                               hn.instance_norm_forward(x, ones, zeros)[0], atol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda: hn.batch_norm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
     ValueError, "batch_norm_forward needs a batch of at least 2 examples in training mode"),
    (lambda: hn.batch_norm_forward(np.zeros((2, 3)), np.ones(2), np.zeros(3), np.zeros(3), np.ones(3)),
     ValueError, "The 'gamma' argument of batch_norm_forward must have shape (3,) (one value per feature). "
                 "Got shape (2,) instead."),
    (lambda: hn.batch_norm_forward(np.zeros((2, 3, 1)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
     ValueError, "The 'x' argument of batch_norm_forward must have 2 dimensions."),
    (lambda: hn.batch_norm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), training=1),
     TypeError, "The 'training' argument of batch_norm_forward must be a bool. Got 1 instead."),
    (lambda: hn.batch_norm_running_stats(np.zeros((4, 3)), np.zeros(3), np.ones(3), momentum=1.5),
     ValueError, "The 'momentum' argument of batch_norm_running_stats must be a real number in [0, 1]. Got 1.5"),
    (lambda: hn.group_norm_forward(np.zeros((2, 6, 2)), np.ones(6), np.zeros(6), num_groups=4),
     ValueError, "The 'num_groups' argument of group_norm_forward must divide the number of channels 6. Got 4"),
    (lambda: hn.group_norm_forward(np.zeros((2, 6, 2)), np.ones(6), np.zeros(6), num_groups=0),
     ValueError, "The 'num_groups' argument of group_norm_forward must be an int >= 1. Got 0 instead."),
    (lambda: hn.instance_norm_forward(np.zeros((2, 3, 1, 1)), np.ones(3), np.zeros(3)),
     ValueError, "instance_norm_forward needs more than one position per channel."),
    (lambda: hn.instance_norm_forward(np.zeros((2, 3, 4)), np.ones(3), np.zeros(3), eps=0.0),
     ValueError, "The 'eps' argument of instance_norm_forward must be a real number in (0, inf]. Got 0.0"),
    (lambda: ht.group_norm(torch.zeros(2, 6, 2), torch.ones(6), torch.zeros(6), num_groups=4),
     ValueError, "The 'num_groups' argument of group_norm must divide the number of channels 6. Got 4"),
    (lambda: ht.batch_norm(torch.zeros(2, 3), torch.ones(3), torch.zeros(3), torch.zeros(2), torch.ones(3)),
     ValueError, "The 'running_mean' argument of batch_norm must have shape (3,)"),
    (lambda: ht.instance_norm(np.zeros((2, 3, 4)), torch.ones(3), torch.zeros(3)),
     TypeError, "The 'x' argument of instance_norm must be a torch.Tensor."),
])
def test_norm_validation_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_torch_norms_are_device_and_dtype_agnostic():
    x = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0))
    g, b = torch.ones(4), torch.zeros(4)
    out = ht.group_norm(x, g, b, num_groups=2)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, F.group_norm(x, 2, g, b), rtol=1e-5, atol=1e-5)


# ---- initialisation -----------------------------------------------------------------------------------------
def _variance_tolerance(n: int, sigma2: float, k: float = 5.0) -> float:
    """k standard errors of a sample variance of n Gaussian values: Var(s^2) = 2 sigma^4 / (n - 1)."""
    return k * sigma2 * math.sqrt(2.0 / (n - 1))


@pytest.mark.parametrize("shape", [(300, 500), (64, 32, 3, 3), (1000, 200)])
def test_fans_follow_pytorch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert hn.fan_in_and_fan_out(shape) == expected
    assert ht.fan_in_and_fan_out is hn.fan_in_and_fan_out


@pytest.mark.parametrize("scheme, formula", [
    ("gaussian", lambda fi, fo: 0.01**2),
    ("xavier", lambda fi, fo: 1.0 / fi),
    ("glorot", lambda fi, fo: 2.0 / (fi + fo)),
    ("he", lambda fi, fo: 2.0 / fi),
])
def test_empirical_variance_matches_the_formula(scheme, formula):
    shape = (300, 700)  # 210,000 draws: the sample variance is within ~1.5 % at 5 standard errors
    fan_in, fan_out = 700, 300
    sigma2 = formula(fan_in, fan_out)
    assert hn.init_std(shape, scheme=scheme) ** 2 == pytest.approx(sigma2, rel=1e-12)
    w = hn.init_weight(shape, scheme=scheme, rng=np.random.default_rng(5))
    assert w.shape == shape and w.dtype == np.float64
    n = w.size
    assert abs(float(w.var()) - sigma2) < _variance_tolerance(n, sigma2)
    assert abs(float(w.mean())) < 5 * math.sqrt(sigma2 / n)
    wt = ht.init_weight(shape, scheme=scheme, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    assert abs(float(wt.var()) - sigma2) < _variance_tolerance(n, sigma2)


def test_glorot_and_xavier_differ_unless_square():
    assert hn.init_std((100, 100), scheme="glorot") == pytest.approx(hn.init_std((100, 100), scheme="xavier"))
    # 1/n_in = 1/400 vs 2/(400 + 100) = 1/250
    assert hn.init_std((100, 400), scheme="xavier") ** 2 == pytest.approx(1 / 400)
    assert hn.init_std((100, 400), scheme="glorot") ** 2 == pytest.approx(1 / 250)


@pytest.mark.parametrize("scheme, torch_init", [
    ("he", lambda w, g: torch.nn.init.kaiming_normal_(w, generator=g)),
    ("he-fan_out", lambda w, g: torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=g)),
    ("glorot", lambda w, g: torch.nn.init.xavier_normal_(w, generator=g)),
    ("xavier", lambda w, g: torch.nn.init.kaiming_normal_(w, nonlinearity="linear", generator=g)),
    ("gaussian", lambda w, g: torch.nn.init.normal_(w, 0.0, 0.01, generator=g)),
])
@pytest.mark.parametrize("shape", [(30, 70), (8, 4, 3, 3)])
def test_torch_init_weight_draws_exactly_what_torch_nn_init_draws(scheme, torch_init, shape):
    name, _, mode = scheme.partition("-")
    ours = ht.init_weight(shape, scheme=name, mode=mode or "fan_in", generator=torch.Generator().manual_seed(7))
    theirs = torch_init(torch.empty(shape), torch.Generator().manual_seed(7))
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_empirical_variance_of_torch_nn_init_matches_our_formula():
    shape, g = (400, 600), torch.Generator().manual_seed(8)
    n = 400 * 600
    for fn, scheme in ((torch.nn.init.xavier_normal_, "glorot"), (torch.nn.init.kaiming_normal_, "he")):
        w = fn(torch.empty(shape, dtype=torch.float64), generator=g)
        sigma2 = hn.init_std(shape, scheme=scheme) ** 2
        assert abs(float(w.var()) - sigma2) < _variance_tolerance(n, sigma2)


def test_he_keeps_the_relu_signal_and_xavier_halves_it_per_layer():
    x = np.random.default_rng(9).standard_normal((2000, 512))
    second_moment = {}
    for scheme in ("xavier", "he"):
        rng, h = np.random.default_rng(10), x  # same seed: the same standard normals, scaled differently
        for _ in range(4):
            h = np.maximum(h @ hn.init_weight((512, 512), scheme=scheme, rng=rng).T, 0.0)
        second_moment[scheme] = float(np.mean(h**2))
    # ReLU is positively homogeneous, so scaling every weight by 1/sqrt(2) scales layer l by 2^(-l/2): exact
    assert second_moment["xavier"] / second_moment["he"] == pytest.approx(2.0**-4, rel=1e-9)
    # He: E[h^2] stays at E[x^2] = 1 up to finite-width fluctuations (~sqrt(2/512) = 6 % per layer)
    assert second_moment["he"] == pytest.approx(1.0, rel=0.25)


@pytest.mark.parametrize("call, error, message", [
    (lambda: hn.init_std((3, 4), scheme="kaiming"), ValueError,
     "The 'scheme' argument of init_std must be one of 'gaussian', 'xavier', 'glorot', 'he'. Got 'kaiming' instead."),
    (lambda: hn.init_std((3,), scheme="he"), ValueError, "The 'shape' argument of fan_in_and_fan_out must be a tuple"),
    (lambda: hn.init_std((3, 4), mode="fan"), ValueError, "The 'mode' argument of init_std must be one of"),
    (lambda: hn.init_weight((3, 4), rng=0), TypeError, "The 'rng' argument of init_weight must be a np.random.Generator"),
    (lambda: ht.init_weight((3, 4), generator=0), TypeError,
     "The 'generator' argument of init_weight must be a torch.Generator"),
    (lambda: hn.init_std((3, 4), scheme="gaussian", std=-1.0), ValueError,
     "The 'std' argument of init_std must be a real number in [0, inf]. Got -1.0 instead."),
])
def test_init_validation_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
