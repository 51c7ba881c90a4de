"""Image augmentation of chapter 8: definitions, randomness through rng only, messages."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import augmentation as aug


@pytest.fixture
def photo():
    return np.random.default_rng(0).uniform(0.1, 0.9, size=(6, 8, 3))


def test_flips_are_involutions_and_mirror_the_right_axis(photo):
    np.testing.assert_array_equal(aug.hflip(aug.hflip(photo)), photo)
    np.testing.assert_array_equal(aug.hflip(photo)[:, 0], photo[:, -1])
    np.testing.assert_array_equal(aug.vflip(photo)[0], photo[-1])
    grey = photo[..., 0]
    np.testing.assert_array_equal(aug.hflip(grey), grey[:, ::-1])


def test_random_crop_visits_every_window_uniformly_and_only_windows():
    image = np.arange(16.0).reshape(4, 4) / 16
    padded = aug.pad_image(image, 1)
    assert padded.shape == (6, 6) and padded[0].sum() == 0
    rng = np.random.default_rng(1)
    counts = np.zeros((3, 3))
    n = 1800
    for _ in range(n):
        crop = aug.random_crop(image, 4, padding=1, rng=rng)
        hits = [(t, s) for t in range(3) for s in range(3) if np.array_equal(crop, padded[t:t + 4, s:s + 4])]
        assert len(hits) == 1
        counts[hits[0]] += 1
    # each of the 9 offsets has probability 1/9: binomial standard deviation sqrt(n p (1-p)) = 13.3
    assert np.abs(counts - n / 9).max() < 5 * np.sqrt(n * (1 / 9) * (8 / 9))


def test_crop_without_padding_of_full_size_is_the_identity_and_center_crop_is_central(photo):
    np.testing.assert_array_equal(aug.random_crop(photo, (6, 8), rng=np.random.default_rng(0)), photo)
    np.testing.assert_array_equal(aug.center_crop(photo, (2, 4)), photo[2:4, 2:6])


def test_colour_adjustments_follow_their_definitions(photo):
    np.testing.assert_allclose(aug.adjust_brightness(photo, 0.5), photo * 0.5)
    assert aug.adjust_brightness(photo, 10.0).max() == 1.0  # clipped
    grey_mean = float((photo @ np.array([0.299, 0.587, 0.114])).mean())
    flat = aug.adjust_contrast(photo, 0.0)
    np.testing.assert_allclose(flat, grey_mean)
    np.testing.assert_allclose(aug.adjust_contrast(photo, 1.0), photo)
    grey = aug.adjust_saturation(photo, 0.0)
    np.testing.assert_allclose(grey[..., 0], grey[..., 2])
    np.testing.assert_allclose(aug.adjust_saturation(photo, 1.0), photo)


def test_color_jitter_factors_stay_in_their_ranges(photo):
    rng, dim = np.random.default_rng(2), 0.7 * photo  # <= 0.63: no clipping for factors <= 1.3
    for _ in range(50):
        out = aug.color_jitter(dim, brightness=0.3, rng=rng)
        factor = out / dim
        np.testing.assert_allclose(factor, factor.flat[0])  # one factor for the whole image
        assert 0.7 <= factor.flat[0] <= 1.3


def test_same_seed_same_batch_and_noise_statistics():
    images = np.full((20, 8, 8), 0.5)
    a = aug.augment_batch(images, rng=np.random.default_rng(3), flip=True, crop_padding=1, noise_std=0.05)
    b = aug.augment_batch(images, rng=np.random.default_rng(3), flip=True, crop_padding=1, noise_std=0.05)
    np.testing.assert_array_equal(a, b)
    assert a.shape == images.shape and 0 <= a.min() and a.max() <= 1
    noisy = aug.add_gaussian_noise(np.full((200, 200), 0.5), std=0.05, rng=np.random.default_rng(4))
    assert abs(float(noisy.std()) - 0.05) < 5 * 0.05 * np.sqrt(2 / (noisy.size - 1))
    np.testing.assert_array_equal(aug.augment_batch(images, rng=np.random.default_rng(0)), images)


@pytest.mark.parametrize("call, error, message", [
    (lambda: aug.random_crop(np.zeros((4, 4)), 5, rng=np.random.default_rng(0)), ValueError,
     "The 'size' argument of random_crop must fit into the padded image of size (4, 4). Got (5, 5) instead."),
    (lambda: aug.random_crop(np.zeros((4, 4)), 3, rng=0), TypeError,
     "The 'rng' argument of random_crop must be a np.random.Generator"),
    (lambda: aug.hflip(np.zeros(4)), ValueError, "The 'image' argument of hflip must have 2 or 3 dimensions."),
    (lambda: aug.pad_image(np.zeros((2, 2)), 1, mode="wrap"), ValueError,
     "The 'mode' argument of pad_image must be one of 'constant', 'reflect', 'edge'. Got 'wrap' instead."),
    (lambda: aug.adjust_brightness(np.zeros((2, 2)), -1), ValueError,
     "The 'factor' argument of adjust_brightness must be a real number in [0, inf]. Got -1 instead."),
    (lambda: aug.augment_batch(np.zeros((2, 2, 2)), rng=np.random.default_rng(0), flip=1), TypeError,
     "The 'flip' argument of augment_batch must be a bool. Got 1 instead."),
    (lambda: aug.center_crop(np.zeros((3, 3)), (1, 2, 3)), ValueError,
     "The 'size' argument of center_crop must be an int or a pair (height, width)."),
])
def test_augmentation_validation_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
