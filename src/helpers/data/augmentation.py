"""Data augmentation for images stored as NumPy arrays (chapter 8): flips, random crops, colour jitter, noise.

Images are float arrays with values in [0, 1], of shape (H, W) (grey) or (H, W, C) (colour, channels last as
``load_sample_image`` returns them); a batch is (N, H, W[, C]). Every random choice takes an explicit
``np.random.Generator``, so an augmentation pipeline is reproducible. The brightness, contrast and saturation
adjustments follow the definitions of ``torchvision.transforms.functional`` (blend with black, with the mean grey
level, with the grey image; then clip to [0, 1]); ``color_jitter`` applies them in a fixed order where torchvision
shuffles it.

Augment **online**: draw new random transformations for every minibatch while training, so that each epoch sees
new variants (``augment_batch`` inside the training loop). Offline augmentation instead stores a fixed number of
transformed copies once, before training. Random crops belong to training; at test time use one deterministic
centre crop (or average the predictions over a fixed set of crops).

References: Krizhevsky, Sutskever & Hinton (2012) (random crops and flips, colour perturbation); Simonyan &
Zisserman (2015) (scale jittering, multi-crop evaluation); torchvision's ``transforms`` documentation.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core._validation import check_array, check_choice, check_int, check_real

__all__ = [
    "hflip", "vflip", "pad_image", "random_crop", "center_crop", "adjust_brightness", "adjust_contrast",
    "adjust_saturation", "color_jitter", "add_gaussian_noise", "augment_batch",
]

_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601 grey weights, as torchvision's rgb_to_grayscale


def _check_image(image, func: str) -> np.ndarray:
    check_array(image, "image", func, ndim=(2, 3))
    return image


def _check_rng(rng, func: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"The 'rng' argument of {func} must be a np.random.Generator (no hidden randomness). "
                        f"Got {rng!r} instead.")
    return rng


def _size(size, func: str) -> tuple[int, int]:
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    if not (isinstance(size, tuple) and len(size) == 2):
        raise ValueError(f"The 'size' argument of {func} must be an int or a pair (height, width). "
                         f"Got {size!r} instead.")
    return check_int(size[0], "size", func, low=1), check_int(size[1], "size", func, low=1)


def hflip(image):
    """Mirror left-right (the width axis)."""
    return _check_image(image, "hflip")[:, ::-1].copy()


def vflip(image):
    """Mirror top-bottom (the height axis)."""
    return _check_image(image, "vflip")[::-1].copy()


def pad_image(image, padding, *, mode="constant"):
    """Pad ``padding`` pixels on every side of the two spatial axes: zeros, or ``"reflect"``/``"edge"`` values."""
    func = "pad_image"
    _check_image(image, func)
    p = check_int(padding, "padding", func, low=0)
    check_choice(mode, "mode", func, ("constant", "reflect", "edge"))
    widths = ((p, p), (p, p)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, widths, mode=mode)


def random_crop(image, size, *, padding=0, pad_mode="constant", rng):
    """A window of ``size`` at a uniformly random position of the (optionally padded) image (training time).

    With ``padding=p`` and ``size`` equal to the image size this is a random shift by up to ``p`` pixels.
    """
    func = "random_crop"
    _check_image(image, func)
    h, w = _size(size, func)
    padded = pad_image(image, padding, mode=pad_mode)
    if h > padded.shape[0] or w > padded.shape[1]:
        raise ValueError(f"The 'size' argument of {func} must fit into the padded image of size "
                         f"{padded.shape[:2]}. Got {(h, w)} instead.")
    rng = _check_rng(rng, func)
    top = int(rng.integers(0, padded.shape[0] - h + 1))
    left = int(rng.integers(0, padded.shape[1] - w + 1))
    return padded[top:top + h, left:left + w].copy()


def center_crop(image, size):
    """The central window of ``size`` (test time: deterministic, no randomness)."""
    func = "center_crop"
    _check_image(image, func)
    h, w = _size(size, func)
    if h > image.shape[0] or w > image.shape[1]:
        raise ValueError(f"The 'size' argument of {func} must fit into the image of size {image.shape[:2]}. "
                         f"Got {(h, w)} instead.")
    top, left = (image.shape[0] - h) // 2, (image.shape[1] - w) // 2
    return image[top:top + h, left:left + w].copy()


def _grey(image):
    """The grey level of every pixel, (H, W): luma weights for RGB, the plain mean for other channel counts."""
    if image.ndim == 2:
        return image
    return image @ _LUMA if image.shape[2] == 3 else image.mean(axis=-1)


def adjust_brightness(image, factor):
    """``clip(factor * image)``: 0 gives black, 1 the original, 2 twice as bright."""
    _check_image(image, "adjust_brightness")
    f = check_real(factor, "factor", "adjust_brightness", low=0.0)
    return np.clip(f * image, 0.0, 1.0)


def adjust_contrast(image, factor):
    """Blend with the mean grey level: ``clip(m + factor * (image - m))``; 0 gives a flat grey image."""
    _check_image(image, "adjust_contrast")
    f = check_real(factor, "factor", "adjust_contrast", low=0.0)
    m = float(_grey(image).mean())
    return np.clip(m + f * (image - m), 0.0, 1.0)


def adjust_saturation(image, factor):
    """Blend each pixel with its grey value: 0 gives the grey image, 1 the original (grey images unchanged)."""
    _check_image(image, "adjust_saturation")
    f = check_real(factor, "factor", "adjust_saturation", low=0.0)
    if image.ndim == 2:
        return image.copy()
    g = _grey(image)[..., None]  # (H, W, 1)
    return np.clip(g + f * (image - g), 0.0, 1.0)


def color_jitter(image, *, brightness=0.0, contrast=0.0, saturation=0.0, rng):
    """Brightness, contrast and saturation factors drawn uniformly from [max(0, 1 - s), 1 + s] for each strength s."""
    func = "color_jitter"
    _check_image(image, func)
    strengths = [check_real(s, name, func, low=0.0) for s, name in
                 ((brightness, "brightness"), (contrast, "contrast"), (saturation, "saturation"))]
    rng = _check_rng(rng, func)
    out = image
    for s, adjust in zip(strengths, (adjust_brightness, adjust_contrast, adjust_saturation), strict=True):
        if s > 0:
            out = adjust(out, float(rng.uniform(max(0.0, 1.0 - s), 1.0 + s)))
    return out.copy() if out is image else out


def add_gaussian_noise(image, *, std, rng):
    """``clip(image + N(0, std^2))`` pixel by pixel."""
    func = "add_gaussian_noise"
    _check_image(image, func)
    std = check_real(std, "std", func, low=0.0)
    rng = _check_rng(rng, func)
    return np.clip(image + rng.normal(0.0, std, size=image.shape), 0.0, 1.0)


def augment_batch(images, *, rng, flip=False, crop_padding=0, brightness=0.0, contrast=0.0, saturation=0.0,
                  noise_std=0.0):
    """A new random variant of every image of a batch (N, H, W[, C]); same shape. Call it once per minibatch.

    ``flip``: mirror left-right with probability 1/2; ``crop_padding=p``: random shift by up to p pixels (zero
    padding, crop back to H x W); then colour jitter and Gaussian noise with the given strengths.
    """
    func = "augment_batch"
    check_array(images, "images", func, ndim=(3, 4))
    if not isinstance(flip, bool):
        raise TypeError(f"The 'flip' argument of {func} must be a bool. Got {flip!r} instead.")
    p = check_int(crop_padding, "crop_padding", func, low=0)
    noise_std = check_real(noise_std, "noise_std", func, low=0.0)
    rng = _check_rng(rng, func)
    size = images.shape[1:3]
    out = np.empty_like(images)
    for i, image in enumerate(images):
        if flip and rng.random() < 0.5:
            image = image[:, ::-1]
        if p > 0:
            image = random_crop(image, size, padding=p, rng=rng)
        image = color_jitter(image, brightness=brightness, contrast=contrast, saturation=saturation, rng=rng)
        out[i] = add_gaussian_noise(image, std=noise_std, rng=rng) if noise_std > 0 else image
    return out
