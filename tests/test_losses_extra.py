"""Loss checks beyond the parity registry: closed forms (Dice/Jaccard), stability, worked examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.special import expit

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


def _both(name, *arrays, **hp):
    """The NumPy and the torch value of a loss, as floats/arrays."""
    out_np, _ = getattr(hn, f"{name}_forward")(*arrays, **hp)
    out_t = getattr(ht, name)(*(torch.from_numpy(a) for a in arrays), **hp)
    return out_np, out_t.numpy()


@pytest.mark.parametrize("name", ["dice_loss", "jaccard_loss"])
def test_overlap_losses_closed_forms(name):
    y = np.array([[[1.0, 1.0, 0.0, 0.0]]])  # (N, C, pixels) = (1, 1, 4): one binary mask
    half = {"dice_loss": 1 - 2 / 3, "jaccard_loss": 1 - 1 / 2}[name]  # one of two foreground pixels found
    for p, expected in [(y.copy(), 0.0),  # perfect prediction
                        (1 - y, 1.0),  # disjoint masks
                        (np.array([[[1.0, 0.0, 0.0, 0.0]]]), half)]:
        for value in _both(name, p, y, eps=0.0):
            assert float(value) == pytest.approx(expected, abs=1e-15)


def test_dice_by_hand_with_smoothing():
    p, y = np.array([[[0.9, 0.2]], [[0.1, 0.6]]]), np.array([[[1.0, 0.0]], [[1.0, 1.0]]])  # (2, 1, 2)
    # example 0: (2*0.9 + 1) / (1.1 + 1 + 1); example 1: (2*0.7 + 1) / (0.7 + 2 + 1)
    expected = 1 - np.array([2.8 / 3.1, 2.4 / 3.7])
    for value in _both("dice_loss", p, y, reduction="none"):
        np.testing.assert_allclose(value, expected, rtol=1e-14)


def test_multiclass_dice_averages_the_classes():
    """Two classes (background/foreground) of a 2x2 image: the loss is 1 - the mean of the class scores."""
    fg = np.array([[1.0, 1.0], [0.0, 0.0]])
    y = np.stack([1 - fg, fg])[None]  # (1, 2, 2, 2), one-hot over the class axis
    p = np.stack([np.full((2, 2), 0.5), np.full((2, 2), 0.5)])[None]
    # each class: intersection 1, sums 2 + 2: Dice = 2 / 4 = 0.5; Jaccard = 1 / 3
    for value in _both("dice_loss", p, y, eps=0.0):
        assert float(value) == pytest.approx(0.5)
    for value in _both("jaccard_loss", p, y, eps=0.0):
        assert float(value) == pytest.approx(2 / 3)


def test_jaccard_equals_dice_over_two_minus_dice():
    rng = np.random.default_rng(0)
    p, y = rng.random((3, 1, 5, 4)), (rng.random((3, 1, 5, 4)) > 0.5).astype(float)
    dice = 1 - hn.dice_loss_forward(p, y, reduction="none", eps=0.0)[0]
    jacc = 1 - hn.jaccard_loss_forward(p, y, reduction="none", eps=0.0)[0]
    np.testing.assert_allclose(jacc, dice / (2 - dice), rtol=1e-13)


@pytest.mark.parametrize("z", [-1000.0, -40.0, 40.0, 1000.0])
def test_bce_with_logits_is_stable(z):
    zs, ys = np.array([z, z]), np.array([0.0, 1.0])
    value, cache = hn.binary_cross_entropy_with_logits_forward(zs, ys, reduction="none")
    (grad,) = hn.binary_cross_entropy_with_logits_backward(np.ones(2), cache)
    ref = F.binary_cross_entropy_with_logits(torch.tensor(zs), torch.tensor(ys), reduction="none").numpy()
    # atol: at z = -40 the exact loss log(1 + e^-40) = 4e-18, which PyTorch rounds to 0
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_both("binary_cross_entropy_with_logits", zs, ys, reduction="none")[1], ref,
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad, expit(zs) - ys, atol=1e-15)


def test_bce_from_probabilities_clamps_like_pytorch():
    p, y = np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])
    ref = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y), reduction="none").numpy()
    for value in _both("binary_cross_entropy", p, y, reduction="none"):
        np.testing.assert_allclose(value, ref)  # 100, 100, 0: finite thanks to the clamp at log = -100


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    scores, y = np.array([[1000.0, 0.0, -1000.0], [1e4, 1e4, 0.0]]), np.array([2, 0])
    ref = F.cross_entropy(torch.tensor(scores), torch.tensor(y), reduction="none").numpy()
    for value in _both("softmax_cross_entropy", scores, y, reduction="none"):
        np.testing.assert_allclose(value, ref, rtol=1e-12)
    np.testing.assert_allclose(ref, [2000.0, np.log(2)])


def test_initial_cross_entropy_is_log_c():
    """The sanity check of chapter 6: equal scores give a loss of log C."""
    value, _ = hn.softmax_cross_entropy_forward(np.zeros((4, 10)), np.arange(4))
    assert float(value) == pytest.approx(np.log(10))


def test_multiclass_hinge_worked_example():
    """CS231n's example: scores (3.2, 5.1, -1.7), correct class 0: max(0, 2.9) + max(0, -3.9) = 2.9."""
    scores, y = np.array([[3.2, 5.1, -1.7]]), np.array([0])
    for value in _both("multiclass_hinge_loss", scores, y):
        assert float(value) == pytest.approx(2.9)
    theirs = F.multi_margin_loss(torch.tensor(scores), torch.tensor(y)).item()
    assert theirs == pytest.approx(2.9 / 3)  # PyTorch divides by the number of classes


def test_mse_gradient_has_the_factor_two():
    (grad,) = hn.mse_loss_backward(1.0, hn.mse_loss_forward(np.array([3.0]), np.array([1.0]))[1])
    assert grad[0] == 4.0  # d/dx (x - y)^2 = 2 (x - y), not (x - y)


def test_l1_minimiser_is_the_median():
    """The constant minimising the L1 loss is the median, not the mean (a slip of the notes)."""
    y = np.array([0.0, 0.0, 1.0, 10.0])
    grid = np.linspace(-1, 11, 1201)
    losses = [float(hn.l1_loss_forward(np.full(4, c), y)[0]) for c in grid]
    best = grid[np.isclose(losses, min(losses))]
    assert best.min() <= np.median(y) <= best.max() and not best.min() <= y.mean() <= best.max()
