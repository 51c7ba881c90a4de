"""Chapter 9 beyond the parity registry: the notes' worked examples, running statistics, masks, indices, messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

# Max-pooling examples of the lecture notes (2x2 windows, stride 2): (input, output as printed in the notes).
NOTES_POOLING = {
    "S0:L1383 / S4:L524": ([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]], [[6, 9], [3, 4]]),
    "S3:L1237": ([[1, 3, 5, 3], [4, 2, 3, 1], [3, 1, 1, 3], [0, 1, 0, 4]], [[4, 5], [3, 4]]),
    "S2 E7.4": ([[5, 3, 5, 7], [2, 8, 2, 4], [3, 2, 6, 1], [1, 5, 0, 5]], [[8, 7], [5, 6]]),
}


@pytest.mark.parametrize("name", NOTES_POOLING)
def test_worked_max_pooling_examples_of_the_notes(name):
    x, expected = (np.array(a, dtype=float) for a in NOTES_POOLING[name])
    out, _ = hn.max_pool2d_forward(x[None, None], kernel_size=2, stride=2)
    np.testing.assert_array_equal(out[0, 0], expected)
    np.testing.assert_array_equal(ht.max_pool2d(torch.tensor(x)[None, None], kernel_size=2).numpy()[0, 0], expected)
    np.testing.assert_array_equal(F.max_pool2d(torch.tensor(x)[None, None], 2).numpy()[0, 0], expected)


def test_notes_translation_invariance_example():
    """S2 7-15: two different 2x4 inputs give the same pooled output [8, 7]."""
    for rows in ([[5, 3, 5, 7], [2, 8, 2, 4]], [[5, 3, 7, 1], [2, 8, 4, 3]]):
        out, _ = hn.max_pool2d_forward(np.array(rows, dtype=float)[None, None], kernel_size=2)
        np.testing.assert_array_equal(out[0, 0], [[8, 7]])


def test_max_pool_backward_routes_to_the_maximum():
    x = np.array(NOTES_POOLING["S0:L1383 / S4:L524"][0], dtype=float)[None, None]
    out, cache = hn.max_pool2d_forward(x, kernel_size=2)
    (dx,) = hn.max_pool2d_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0, 0], [1, 0, 0, 1], [1, 0, 0, 1], [0, 0, 0, 0]])


def test_nearest_upsampling_copies_and_does_not_average():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    out, _ = hn.upsample2d_forward(x, scale_factor=2, mode="nearest")
    np.testing.assert_array_equal(out[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("scale", [1, 2, 3, 1.5, 2.5])
def test_interpolation_rows_are_convex_weights(mode, scale):
    a = hn.interpolation_matrix(5, scale, mode)
    assert a.shape == (int(5 * scale), 5)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    assert (a >= 0).all()
    np.testing.assert_array_equal(ht.interpolation_matrix(5, scale, mode), a)


@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("stride", [1, 2, None])
def test_max_pool_indices_match_pytorch(stride, padding):
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 6))
    ref_out, ref_idx = F.max_pool2d(torch.tensor(x), 3, stride, padding, return_indices=True)
    for out, idx in (hn.max_pool2d_with_indices(x, kernel_size=3, stride=stride, padding=padding),
                     ht.max_pool2d_with_indices(torch.tensor(x), kernel_size=3, stride=stride, padding=padding)):
        np.testing.assert_array_equal(np.asarray(idx), ref_idx.numpy())
        np.testing.assert_allclose(np.asarray(out), ref_out.numpy())


def test_unpooling_inverts_pooling_at_the_maxima():
    x = np.random.default_rng(1).normal(size=(1, 2, 4, 6))
    out, idx = hn.max_pool2d_with_indices(x, kernel_size=2)
    up, _ = hn.max_unpool2d_forward(out, idx, kernel_size=2)
    assert up.shape == x.shape
    kept = up != 0
    np.testing.assert_array_equal(up[kept], x[kept])
    assert kept.sum() == out.size


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_running_stats_follow_pytorch_momentum_and_unbiased_variance(momentum):
    rng = np.random.default_rng(2)
    x = rng.normal(2.0, 3.0, size=(4, 3, 2, 5))
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    F.batch_norm(torch.tensor(x), t_rm, t_rv, training=True, momentum=momentum)  # updates t_rm, t_rv in place
    new_m, new_v = hn.spatial_batch_norm_running_stats(x, rm, rv, momentum=momentum)
    np.testing.assert_allclose(new_m, t_rm.numpy())
    np.testing.assert_allclose(new_v, t_rv.numpy())
    tm, tv = ht.spatial_batch_norm_running_stats(torch.tensor(x), torch.tensor(rm), torch.tensor(rv), momentum=momentum)
    np.testing.assert_allclose(tm.numpy(), t_rm.numpy())
    np.testing.assert_allclose(tv.numpy(), t_rv.numpy())
    # the biased variance would be different: the test can tell them apart
    biased = (1 - momentum) * rv + momentum * x.var(axis=(0, 2, 3))
    assert not np.allclose(biased, t_rv.numpy())


def test_spatial_dropout_matches_masks_read_off_dropout2d():
    x = torch.randn(4, 6, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    p = 0.5
    torch.manual_seed(3)
    ref = F.dropout2d(x, p=p, training=True)
    mask = (ref.abs().sum(dim=(2, 3), keepdim=True) > 0).double()  # whole channels are kept or dropped
    assert 0 < mask.sum() < mask.numel()
    out, _ = hn.spatial_dropout_forward(x.numpy(), mask.numpy(), p=p)
    np.testing.assert_allclose(out, ref.numpy())
    np.testing.assert_allclose(ht.spatial_dropout(x, mask, p=p).numpy(), ref.numpy())


def test_one_by_one_convolution_is_a_matmul_over_channels():
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(2, 5, 3, 4)), rng.normal(size=(7, 5, 1, 1)), rng.normal(size=7)
    out, _ = hn.conv2d_forward(x, w, b)
    np.testing.assert_allclose(out, np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x) + b[None, :, None, None])


def test_notes_weight_layout_converts_by_a_transpose():
    rng = np.random.default_rng(5)
    x, w_notes, b = rng.normal(size=(1, 3, 5, 5)), rng.normal(size=(3, 4, 3, 3)), np.zeros(4)  # (Depth, Filters, F, F)
    out, _ = hn.conv2d_forward(x, w_notes.transpose(1, 0, 2, 3), b)
    ref = F.conv2d(torch.tensor(x), torch.tensor(w_notes).transpose(0, 1))
    np.testing.assert_allclose(out, ref.numpy())


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3), stride=0),
         ValueError, "The 'stride' argument of conv2d_forward must be an int >= 1. Got (0, 0) instead."),
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3), padding="half"),
         ValueError, "The 'padding' argument of conv2d_forward must be 'valid', 'same', 'full'"),
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3), padding="same",
                                   stride=2),
         ValueError, "can be 'same' only with stride 1"),
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 5, 5)), np.zeros((3, 1, 3, 3)), np.zeros(3)),
         ValueError, "with groups=1, x has 2 channels"),
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 2, 2)), np.zeros((3, 2, 3, 3)), np.zeros(3)),
         ValueError, "the dilated kernel (3 pixels) is larger than the padded input (2)"),
        (lambda: hn.conv2d_forward(np.zeros((2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3)),
         ValueError, "The 'x' argument of conv2d_forward must have 4 dimensions. Got shape (2, 5, 5) instead."),
        (lambda: hn.conv2d_forward(np.zeros((1, 2, 5, 5), dtype=int), np.zeros((3, 2, 3, 3)), np.zeros(3)),
         TypeError, "The 'x' argument of conv2d_forward must have a float dtype"),
        (lambda: ht.conv2d(torch.zeros(1, 2, 5, 5), torch.zeros(3, 2, 3, 3), torch.zeros(2)),
         ValueError, "The 'b' argument of conv2d must have shape (3,). Got (2,) instead."),
        (lambda: ht.conv2d([1.0], torch.zeros(3, 2, 3, 3), torch.zeros(3)),
         TypeError, "The 'x' argument of conv2d must be a torch.Tensor. Got list instead."),
        (lambda: hn.max_pool2d_forward(np.zeros((1, 1, 4, 4)), kernel_size=2, padding=2),
         ValueError, "The 'padding' argument of max_pool2d_with_indices must be at most half the kernel size"),
        (lambda: hn.avg_pool2d_forward(np.zeros((1, 1, 4, 4)), kernel_size=0),
         ValueError, "The 'kernel_size' argument of avg_pool2d_forward must be an int >= 1. Got (0, 0) instead."),
        (lambda: hn.conv_transpose2d_forward(np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 3, 3)), np.zeros(1), stride=2,
                                             output_padding=2),
         ValueError, "The 'output_padding' argument of conv_transpose_output_size must be smaller than stride"),
        (lambda: hn.upsample2d_forward(np.zeros((1, 1, 2, 2)), scale_factor=2, mode="bicubic"),
         ValueError, "The 'mode' argument of interpolation_matrix must be 'nearest' or 'bilinear'. Got 'bicubic'"),
        (lambda: hn.spatial_dropout_forward(np.zeros((2, 3, 4, 4)), np.ones((2, 3, 4, 4)), p=0.5),
         ValueError, "The 'mask' argument of spatial_dropout_forward must have shape (2, 3, 1, 1)"),
        (lambda: hn.spatial_dropout_forward(np.zeros((2, 3, 4, 4)), np.ones((2, 3, 1, 1)), p=1.0),
         ValueError, "The 'p' argument of spatial_dropout_forward must be a number in [0, 1). Got 1.0 instead."),
        (lambda: ht.spatial_batch_norm(torch.zeros(2, 3, 2, 2), torch.ones(2), torch.zeros(3), torch.zeros(3),
                                       torch.ones(3)),
         ValueError, "The 'gamma' argument of spatial_batch_norm must have shape (3,). Got (2,) instead."),
        (lambda: hn.spatial_batch_norm_running_stats(np.zeros((1, 3, 2, 2)), np.zeros(3), np.ones(3), momentum=1.5),
         ValueError, "The 'momentum' argument of spatial_batch_norm_running_stats must be a number in [0, 1]"),
        (lambda: hn.max_unpool2d_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), kernel_size=2),
         ValueError, "The 'indices' argument of max_unpool2d_forward must be an integer array of shape (1, 1, 2, 2)"),
        (lambda: hn.depthwise_separable_conv2d_forward(np.zeros((1, 3, 4, 4)), np.zeros((3, 3, 3, 3)), np.zeros(3),
                                                       np.zeros((2, 3, 1, 1)), np.zeros(2)),
         ValueError, "The 'w_depth' argument of depthwise_separable_conv2d_forward must have shape (3, 1, k, k)"),
    ],
)
def test_validation_messages(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert message in str(info.value)
