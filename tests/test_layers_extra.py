"""Layer checks the parity registry cannot express: dropout against ``F.dropout``, extreme inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_dropout_matches_torch_dropout_with_its_own_mask(p):
    """Run F.dropout under a seed, read its mask off the output, and feed that mask to ours."""
    x = torch.from_numpy(np.random.default_rng(0).uniform(0.5, 2.0, (40, 30)))  # no zeros: mask visible
    torch.manual_seed(1)
    theirs = F.dropout(x, p, training=True)
    mask = theirs != 0
    assert 0 < mask.sum() < mask.numel()  # both kept and dropped units occur
    torch.testing.assert_close(ht.dropout_inverted(x, mask, p=p), theirs, rtol=1e-12, atol=0)
    out_np, _ = hn.dropout_inverted_forward(x.numpy(), mask.numpy(), p=p)
    np.testing.assert_allclose(out_np, theirs.numpy(), rtol=1e-12, atol=0)
    # the lecture's form differs exactly by the factor (1 - p) when training ...
    out_lecture, _ = hn.dropout_noninverted_forward(x.numpy(), mask.numpy(), p=p)
    np.testing.assert_allclose(out_lecture, (1 - p) * theirs.numpy(), rtol=1e-12)
    # ... and at test time F.dropout is the identity while the lecture scales by (1 - p)
    np.testing.assert_array_equal(hn.dropout_inverted_forward(x.numpy(), p=p, training=False)[0],
                                  F.dropout(x, p, training=False).numpy())
    np.testing.assert_allclose(hn.dropout_noninverted_forward(x.numpy(), p=p, training=False)[0],
                               (1 - p) * x.numpy())


@pytest.mark.parametrize("form", ["inverted", "noninverted"])
def test_dropout_keeps_the_expectation_of_train_and_test_equal(form):
    """Both forms make E[train output] == test output; only where the scale goes differs."""
    p, x = 0.3, np.linspace(-1, 1, 7)
    fwd = getattr(hn, f"dropout_{form}_forward")
    rng = np.random.default_rng(0)
    train_mean = np.mean([fwd(x, p=p, rng=rng)[0] for _ in range(20000)], axis=0)
    test = fwd(x, p=p, training=False)[0]
    np.testing.assert_allclose(train_mean, test, atol=0.02)


def test_dropout_generator_and_rng_are_reproducible_and_drop_about_p():
    x = np.ones((200, 50))
    a, _ = hn.dropout_inverted_forward(x, p=0.25, rng=np.random.default_rng(3))
    b, _ = hn.dropout_inverted_forward(x, p=0.25, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert abs((a == 0).mean() - 0.25) < 0.02
    xt = torch.ones(200, 50, dtype=torch.float64)
    c = ht.dropout_inverted(xt, p=0.25, generator=torch.Generator().manual_seed(3))
    d = ht.dropout_inverted(xt, p=0.25, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(c, d)
    assert abs((c == 0).double().mean().item() - 0.25) < 0.02
    assert set(np.unique(a)) == {0.0, 1 / 0.75}


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "swish", "gelu", "softmax"])
def test_extreme_inputs_stay_finite(name):
    """Overflow-prone activations: finite values and gradients for |x| up to 1000, equal to torch's."""
    x = np.array([[-1000.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 1000.0]])
    builtin = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "swish": F.silu, "gelu": F.gelu,
               "softmax": lambda t: F.softmax(t, dim=-1)}[name]
    with np.errstate(all="raise", under="ignore"):  # no overflow or invalid-value warnings either
        out, cache = getattr(hn, f"{name}_forward")(x)
        (dx,) = getattr(hn, f"{name}_backward")(np.ones_like(x), cache)
    xt = torch.tensor(x, requires_grad=True)
    ours = getattr(ht, name)(xt)
    (dxt,) = torch.autograd.grad(ours.sum(), xt)
    xb = torch.tensor(x, requires_grad=True)
    ref = builtin(xb)
    (dref,) = torch.autograd.grad(ref.sum(), xb)
    for value in (out, dx, ours.detach().numpy(), dxt.numpy()):
        assert np.isfinite(value).all()
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dx, dref.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dxt.numpy(), dref.numpy(), rtol=1e-9, atol=1e-12)


def test_maxout_is_max_of_affine_pieces():
    """maxout(affine(x)) equals the maximum over separate affine maps, the textbook definition."""
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((3 * 2, 4)), rng.standard_normal(6)
    z, _ = hn.affine_forward(x, w, b)
    out, _ = hn.maxout_forward(z, pieces=2)
    pieces = [x @ w[k::2].T + b[k::2] for k in range(2)]  # piece k of unit j is row 2j + k
    np.testing.assert_allclose(out, np.maximum(*pieces))


def test_swish_is_x_sigmoid_beta_x_not_twice_that():
    x = np.array([-2.0, 0.5, 3.0])
    out, _ = hn.swish_forward(x, beta=1.5)
    np.testing.assert_allclose(out, x / (1 + np.exp(-1.5 * x)))


def test_swish_limits():
    """With x sigmoid(beta x): beta = 0 gives x / 2 and a large beta approaches ReLU (not 2 ReLU)."""
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(hn.swish_forward(x, beta=0.0)[0], x / 2)
    np.testing.assert_allclose(hn.swish_forward(x, beta=200.0)[0], np.maximum(x, 0), atol=1e-12)
