"""helpers.data: generated datasets (shapes, geometry, determinism), splits, standardisation, bundled data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import data as hd

GENERATORS = {
    "moons": lambda rng, n=101: hd.make_moons(n, noise=0.1, rng=rng),
    "circles": lambda rng, n=101: hd.make_circles(n, noise=0.1, rng=rng),
    "spirals": lambda rng, n=101: hd.make_spirals(n, n_classes=3, rng=rng),
    "blobs": lambda rng, n=101: hd.make_blobs(n, centers=4, rng=rng),
    "xor": lambda rng, n=101: hd.make_xor(n, noise=0.1, rng=rng),
    "regression_1d": lambda rng, n=101: hd.make_regression_1d(n, rng=rng),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_shapes_dtypes_and_determinism(name):
    make = GENERATORS[name]
    x, y = make(7)
    assert x.dtype == np.float64 and x.shape[0] == 101 and x.ndim == 2
    assert y.shape[0] == 101
    if name == "regression_1d":
        assert x.shape == (101, 1) and y.shape == (101, 1) and y.dtype == np.float64
    else:
        assert x.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    x2, y2 = make(np.random.default_rng(7))  # an int seed is the same as a fresh Generator with that seed
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = make(8)
    assert not np.array_equal(x, x3)
    rng = np.random.default_rng(7)
    first, _ = make(rng)
    second, _ = make(rng)  # a shared Generator moves on: two calls give two different samples
    assert not np.array_equal(first, second)


def test_moons_lie_on_their_half_circles_without_noise():
    x, y = hd.make_moons(50, noise=0.0, rng=0)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()
    assert np.bincount(y).tolist() == [25, 25]


def test_circles_have_the_two_radii_without_noise():
    x, y = hd.make_circles(41, noise=0.0, factor=0.3, rng=0)
    radius = np.hypot(*x.T)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert np.bincount(y).tolist() == [20, 21]


def test_spirals_classes_and_radius():
    x, y = hd.make_spirals(100, n_classes=4, noise=0.3, rng=0)
    assert np.bincount(y).tolist() == [25, 25, 25, 25]
    assert np.hypot(*x.T).max() <= 1.0 + 1e-12  # noise moves the angle, not the radius


def test_blobs_with_given_centers_and_no_spread():
    centers = np.array([[0.0, 0.0, 1.0], [5.0, 5.0, -1.0]])
    x, y = hd.make_blobs(10, centers=centers, cluster_std=0.0, rng=0)
    np.testing.assert_array_equal(x, centers[y])
    assert np.bincount(y).tolist() == [5, 5]
    x, y = hd.make_blobs(3000, centers=2, cluster_std=0.5, n_features=3, box=4.0, rng=1)
    for c in range(2):
        assert np.abs(x[y == c] - x[y == c].mean(axis=0)).max() < 5 * 0.5 * 1.5  # clusters are compact
        np.testing.assert_allclose(x[y == c].std(axis=0), 0.5, rtol=0.1)


def test_xor_labels_are_sign_disagreement():
    x, y = hd.make_xor(500, rng=3)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    assert np.abs(x).max() <= 1.0


def test_regression_1d_functions_and_noise():
    x, y = hd.make_regression_1d(200, noise=0.0, function="sin(1+x^2)", x_range=(-2.0, 1.0), rng=0)
    np.testing.assert_allclose(y, np.sin(1.0 + x**2))
    assert (np.diff(x[:, 0]) >= 0).all() and x.min() >= -2.0 and x.max() <= 1.0
    x, y = hd.make_regression_1d(20000, noise=0.3, rng=0)
    assert np.std(y - np.sin(x)) == pytest.approx(0.3, rel=0.03)
    x, y = hd.make_regression_1d(5, noise=0.0, function=lambda t: 2 * t, rng=0)
    np.testing.assert_allclose(y, 2 * x)


@pytest.mark.parametrize("call, error, message", [
    (lambda: hd.make_moons(1, rng=0), ValueError, "'n_samples' .* make_moons must be an int >= 2. Got 1"),
    (lambda: hd.make_moons(10, noise=-0.1, rng=0), ValueError, r"'noise' argument of make_moons must "
                                                               r"be a real"),
    (lambda: hd.make_moons(10), TypeError, "rng"),
    (lambda: hd.make_moons(10, rng=np.random.RandomState(0)), TypeError,
     "The 'rng' argument of make_moons must be a np.random.Generator or an int seed >= 0"),
    (lambda: hd.make_circles(10, factor=1.0, rng=0), ValueError, r"'factor' argument of make_circles "
                                                                 r".* \(0, 1\)"),
    (lambda: hd.make_spirals(2, n_classes=3, rng=0), ValueError, "at least n_classes=3. Got 2"),
    (lambda: hd.make_blobs(2, centers=3, rng=0), ValueError, r"at least the number of centers \(3\). Got 2"),
    (lambda: hd.make_blobs(5, centers=np.ones(3), rng=0), ValueError, "'centers' .* must have 2"),
    (lambda: hd.make_xor(0, rng=0), ValueError, "'n_samples' .* make_xor .* >= 1. Got 0"),
    (lambda: hd.make_regression_1d(5, function="cos", rng=0), ValueError, "one of 'sin'.*Got 'cos'"),
    (lambda: hd.make_regression_1d(5, x_range=(1, 0), rng=0), ValueError, r"low < high. Got \(1, 0\)"),
])
def test_generator_validation(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- splits -------------------------------------------------------------------------------------------
@given(n=st.integers(1, 80), n_classes=st.integers(1, 4), stratify=st.booleans(),
       fractions=st.sampled_from([(0.6, 0.2, 0.2), (0.8, 0.1, 0.1), (0.5, 0.5, 0.0), (1.0, 0.0, 0.0)]),
       seed=st.integers(0, 2**32 - 1))
def test_split_parts_are_disjoint_and_cover_the_data(n, n_classes, stratify, fractions, seed):
    x = np.arange(n, dtype=np.float64)[:, None] * np.ones((1, 3))  # row i holds i: rows are identifiable
    y = np.random.default_rng(seed).integers(0, n_classes, size=n)
    d = hd.split(x, y, fractions=fractions, rng=seed, stratify=stratify)
    ids = [part[:, 0].astype(int) for part in (d.x_train, d.x_val, d.x_test)]
    everything = np.concatenate(ids)
    assert sorted(everything.tolist()) == list(range(n))  # disjoint and covering
    for ids_part, y_part in zip(ids, (d.y_train, d.y_val, d.y_test), strict=True):
        np.testing.assert_array_equal(y_part, y[ids_part])  # labels travel with their rows
    assert len(d.y_train) >= 1
    if fractions[1] == 0:
        assert len(d.y_val) == 0
    if fractions[2] == 0:
        assert len(d.y_test) == 0
    d2 = hd.split(x, y, fractions=fractions, rng=np.random.default_rng(seed), stratify=stratify)
    np.testing.assert_array_equal(d.x_train, d2.x_train)


def test_split_sizes_and_stratification():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    x = np.arange(100.0)[:, None]
    d = hd.split(x, y, fractions=(0.6, 0.2, 0.2), rng=0, stratify=True)
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (60, 20, 20)
    # every class is cut 60/20/20 exactly: 50 -> 30/10/10, 30 -> 18/6/6, 20 -> 12/4/4
    assert np.bincount(d.y_train).tolist() == [30, 18, 12]
    assert np.bincount(d.y_val).tolist() == [10, 6, 4]
    assert np.bincount(d.y_test).tolist() == [10, 6, 4]
    assert not np.array_equal(d.y_train, np.sort(d.y_train))  # shuffled, not grouped by class


def test_split_without_stratification_is_a_plain_shuffle():
    y = np.arange(10)
    d = hd.split(np.arange(10.0)[:, None], y, fractions=(0.8, 0.1, 0.1), rng=0)
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (8, 1, 1)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(fractions=(0.6, 0.2)), ValueError, r"three numbers >= 0 \(train > 0\) that sum to 1.*Got "
                                             r"\(0.6, 0.2\)"),
    (dict(fractions=(0.6, 0.3, 0.3)), ValueError, "sum to 1"),
    (dict(fractions=(0.0, 0.5, 0.5)), ValueError, "train > 0"),
    (dict(fractions=(1.2, -0.2, 0.0)), ValueError, "three numbers >= 0"),
    (dict(stratify="yes"), TypeError, "The 'stratify' argument of split must be a bool"),
    (dict(rng=None), TypeError, "The 'rng' argument of split"),
])
def test_split_validation(kwargs, error, message):
    args = dict(fractions=(0.6, 0.2, 0.2), rng=0) | kwargs
    with pytest.raises(error, match=message):
        hd.split(np.zeros((10, 2)), np.zeros(10, dtype=int), **args)


def test_split_validation_of_arrays():
    with pytest.raises(ValueError, match="same number of examples .* Got 10 and 9"):
        hd.split(np.zeros((10, 2)), np.zeros(9, dtype=int), rng=0)
    with pytest.raises(ValueError, match="needs integer class labels"):
        hd.split(np.zeros((10, 2)), np.zeros(10), rng=0, stratify=True)
    with pytest.raises(TypeError, match="The 'x' argument of split must be a NumPy array"):
        hd.split([1, 2], np.zeros(2), rng=0)


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(5.0, 3.0, 200), np.full(200, 7.0), rng.uniform(0, 1, 200)])
    y = np.zeros(200, dtype=np.int64)
    raw = hd.split(x, y, rng=1)
    d = hd.standardize(raw)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.x_train.std(axis=0), [1.0, 0.0, 1.0], atol=1e-12)  # constant: centred only
    np.testing.assert_allclose(d.mean, raw.x_train.mean(axis=0))
    np.testing.assert_allclose(d.scale, [raw.x_train[:, 0].std(), 1.0, raw.x_train[:, 2].std()])
    np.testing.assert_allclose(d.x_test, (raw.x_test - d.mean) / d.scale)  # the same map, not refitted
    assert abs(d.x_test[:, 0].mean()) > 1e-6  # ... so the test set is not exactly centred
    np.testing.assert_array_equal(raw.x_train, hd.split(x, y, rng=1).x_train)  # the input is untouched
    with pytest.raises(TypeError, match="The 'data' argument of standardize must be a Dataset"):
        hd.standardize(x)


# ---- bundled real data ----------------------------------------------------------------------------------
@pytest.mark.parametrize("loader, n, d, k", [
    (hd.load_digits, 1797, 64, 10), (hd.load_iris, 150, 4, 3), (hd.load_breast_cancer, 569, 30, 2),
])
def test_bundled_datasets(loader, n, d, k):
    data = loader(rng=0)
    sizes = [len(data.y_train), len(data.y_val), len(data.y_test)]
    assert sum(sizes) == n
    assert abs(sizes[0] - 0.6 * n) <= k and abs(sizes[2] - 0.2 * n) <= k  # per-class rounding
    for part in (data.x_train, data.x_val, data.x_test):
        assert part.dtype == np.float64 and part.shape[1] == d
    assert data.y_train.dtype == np.int64 and set(np.unique(data.y_train)) == set(range(k))
    assert len(data.target_names) == k and (len(data.feature_names) in (0, d))
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-10)
    # class frequencies of the training part follow the whole dataset's (stratified)
    freq_all = np.bincount(np.concatenate([data.y_train, data.y_val, data.y_test])) / n
    np.testing.assert_allclose(np.bincount(data.y_train) / sizes[0], freq_all, atol=0.02)
    raw = loader(rng=0, standardized=False)
    np.testing.assert_allclose(raw.x_train, data.x_train * data.scale + data.mean, atol=1e-9)
    rows = np.concatenate([raw.x_train, raw.x_val, raw.x_test])
    from sklearn import datasets

    original = getattr(datasets, loader.__name__)().data
    assert sorted(map(tuple, rows)) == sorted(map(tuple, original))  # the same rows, each exactly once
    again = loader(rng=0)
    np.testing.assert_array_equal(again.x_val, data.x_val)


def test_load_sample_image_variants():
    image = hd.load_sample_image("flower")
    assert image.shape == (427, 640, 3) and image.dtype == np.float64
    assert 0.0 <= image.min() and image.max() <= 1.0
    gray = hd.load_sample_image("china", gray=True, downsample=4)
    assert gray.shape == (106, 160)
    china = hd.load_sample_image("china")
    block = china[4:8, 8:12] @ np.array([0.299, 0.587, 0.114])
    assert gray[1, 2] == pytest.approx(block.mean(), rel=1e-12)
    with pytest.raises(ValueError, match="must be 'china' or 'flower'. Got 'cat'"):
        hd.load_sample_image("cat")
    with pytest.raises(ValueError, match="'downsample' .* must be an int >= 1. Got 0"):
        hd.load_sample_image("china", downsample=0)
    with pytest.raises(TypeError, match="'gray' argument of load_sample_image must be a bool"):
        hd.load_sample_image("china", gray=1)
