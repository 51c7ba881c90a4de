"""Datasets for the book: small generated 2-D problems and the real data that ships inside scikit-learn.

Nothing here downloads. Generators take an explicit ``rng`` (a ``np.random.Generator`` or an int
seed) and return float64 inputs, with int64 class labels or float64 regression targets. The real
datasets (``load_digits``, ``load_iris``, ``load_breast_cancer``) come split into train/validation/test
sets (:func:`split`, stratified by class) and standardised with statistics of the *training* set only,
so no information from validation or test data leaks into preprocessing. ``load_sample_image`` returns
one of scikit-learn's two photos as a float image.

The submodules hold the book's other data: :mod:`.shapes` (its own image set with masks and boxes),
:mod:`.text` (the text of chapter 11), :mod:`.augmentation` (image augmentation) and ``files/`` (the
package data they read). Importing this module does not import them.

References: scikit-learn's ``datasets`` module (the bundled data); the CS231n spiral dataset.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..core._validation import check_array, check_int, check_real

__all__ = [
    "make_moons", "make_circles", "make_spirals", "make_blobs", "make_xor", "make_regression_1d",
    "Dataset", "split", "standardize", "load_digits", "load_iris", "load_breast_cancer", "load_sample_image",
]


def _as_rng(rng, func: str) -> np.random.Generator:
    """Accept a Generator (used as is) or an int seed (a fresh Generator): never the global random state."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(f"The 'rng' argument of {func} must be a np.random.Generator or an int seed >= 0. "
                    f"Got {rng!r} instead.")


def _shuffled(x, y, rng):
    order = rng.permutation(len(y))
    return x[order], y[order]


def _two_classes(points0, points1, noise, rng):
    """Class 0 then class 1 (``(m, 2)`` arrays of clean points), plus Gaussian noise of std ``noise``, shuffled."""
    x = np.concatenate([points0, points1])
    x = x + noise * rng.standard_normal(x.shape)
    y = np.concatenate([np.zeros(len(points0), np.int64), np.ones(len(points1), np.int64)])
    return _shuffled(x, y, rng)


# ---------------------------------------------------------------------------------------- generated data
def make_moons(n_samples: int = 200, *, noise: float = 0.1, rng):
    """Two interleaving half circles: x ``(n, 2)`` float64, y ``(n,)`` int64 in {0, 1}."""
    n = check_int(n_samples, "n_samples", "make_moons", low=2)
    noise = check_real(noise, "noise", "make_moons", low=0.0)
    rng = _as_rng(rng, "make_moons")
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n - n0, 2): shifted, flipped copy
    return _two_classes(upper, lower, noise, rng)


def make_circles(n_samples: int = 200, *, noise: float = 0.05, factor: float = 0.5, rng):
    """A circle of radius ``factor`` (class 1) inside one of radius 1 (class 0)."""
    n = check_int(n_samples, "n_samples", "make_circles", low=2)
    noise = check_real(noise, "noise", "make_circles", low=0.0)
    factor = check_real(factor, "factor", "make_circles", low=0.0, high=1.0, low_open=True, high_open=True)
    rng = _as_rng(rng, "make_circles")
    n0 = n // 2
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n - n0, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    return _two_classes(outer, inner, noise, rng)


def make_spirals(n_samples: int = 300, *, n_classes: int = 3, noise: float = 0.2, rng):
    """``n_classes`` interleaved spiral arms (the CS231n toy problem no linear classifier can solve)."""
    n = check_int(n_samples, "n_samples", "make_spirals", low=1)
    k = check_int(n_classes, "n_classes", "make_spirals", low=2)
    noise = check_real(noise, "noise", "make_spirals", low=0.0)
    if n < k:
        raise ValueError(f"The 'n_samples' argument of make_spirals must be at least n_classes={k}. "
                         f"Got {n} instead.")
    rng = _as_rng(rng, "make_spirals")
    counts = np.full(k, n // k) + (np.arange(k) < n % k)  # as equal as possible
    xs, ys = [], []
    for c, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)  # radius grows along the arm
        t = np.linspace(c * 2 * np.pi / k, c * 2 * np.pi / k + 4.0, m) + noise * rng.standard_normal(m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(m, c, np.int64))
    return _shuffled(np.concatenate(xs), np.concatenate(ys), rng)


def make_blobs(n_samples: int = 200, *, centers=3, cluster_std: float = 1.0, n_features: int = 2,
               box: float = 5.0, rng):
    """Gaussian clusters around ``centers``: a count (drawn uniformly in ``[-box, box]^d``) or an array.

    Array centers have shape (k, d). Classes are balanced; ``cluster_std`` is the std of every coordinate.
    """
    n = check_int(n_samples, "n_samples", "make_blobs", low=1)
    std = check_real(cluster_std, "cluster_std", "make_blobs", low=0.0)
    rng = _as_rng(rng, "make_blobs")
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = check_int(centers, "centers", "make_blobs", low=1)
        d = check_int(n_features, "n_features", "make_blobs", low=1)
        box = check_real(box, "box", "make_blobs", low=0.0)
        centers = rng.uniform(-box, box, size=(k, d))
    else:
        centers = check_array(np.asarray(centers, dtype=np.float64), "centers", "make_blobs", ndim=2)
        k = centers.shape[0]
    if n < k:
        raise ValueError("The 'n_samples' argument of make_blobs must be at least the number of "
                         f"centers ({k}). "
                         f"Got {n} instead.")
    y = np.arange(n, dtype=np.int64) % k  # balanced classes
    x = centers[y] + std * rng.standard_normal((n, centers.shape[1]))
    return _shuffled(x, y, rng)


def make_xor(n_samples: int = 200, *, noise: float = 0.0, rng):
    """Points uniform in ``[-1, 1]^2``, labelled 1 where the two coordinates have different signs.

    ``noise`` (a standard deviation) jitters the points *after* labelling, so classes overlap near the axes.
    """
    n = check_int(n_samples, "n_samples", "make_xor", low=1)
    noise = check_real(noise, "noise", "make_xor", low=0.0)
    rng = _as_rng(rng, "make_xor")
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    return x + noise * rng.standard_normal((n, 2)), y


_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "sin(1+x^2)": lambda x: np.sin(1.0 + x**2),  # the universal-approximation example of the lecture notes
    "cubic": lambda x: 0.5 * x**3 - x,
}


def make_regression_1d(n_samples: int = 100, *, function="sin", noise: float = 0.1, x_range=(-3.0, 3.0), rng):
    """Noisy samples ``y = f(x) + noise * eps`` of a 1-D function, as column vectors x, y ``(n, 1)``.

    ``function`` is one of ``"sin"``, ``"sin(1+x^2)"``, ``"cubic"`` or a callable on arrays. ``x`` is drawn
    uniformly from ``x_range`` and sorted (handy for line plots).
    """
    n = check_int(n_samples, "n_samples", "make_regression_1d", low=1)
    noise = check_real(noise, "noise", "make_regression_1d", low=0.0)
    f = function if callable(function) else _FUNCTIONS.get(function)
    if f is None:
        raise ValueError(f"The 'function' argument of make_regression_1d must be a callable or one of "
                         f"{', '.join(map(repr, _FUNCTIONS))}. Got {function!r} instead.")
    if not (isinstance(x_range, (tuple, list)) and len(x_range) == 2
            and all(isinstance(v, numbers.Real) for v in x_range) and x_range[0] < x_range[1]):
        raise ValueError("The 'x_range' argument of make_regression_1d must be a pair (low, high) "
                         "with low < high. "
                         f"Got {x_range!r} instead.")
    rng = _as_rng(rng, "make_regression_1d")
    x = np.sort(rng.uniform(x_range[0], x_range[1], size=n))[:, None]  # (n, 1)
    y = np.asarray(f(x), dtype=np.float64) + noise * rng.standard_normal((n, 1))
    return x, y


# ------------------------------------------------------------------------------------------------- splits
@dataclass(frozen=True, eq=False)
class Dataset:
    """Train/validation/test arrays plus what is known about them (names, standardisation statistics)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str = ""
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    mean: np.ndarray | None = field(default=None, repr=False)  # fitted on x_train by standardize()
    scale: np.ndarray | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        sizes = f"train={len(self.y_train)}, val={len(self.y_val)}, test={len(self.y_test)}"
        return f"Dataset({self.name!r}, {sizes}, features={self.x_train.shape[1:]})"


def _check_fractions(fractions) -> tuple[float, float, float]:
    ok = isinstance(fractions, (tuple, list)) and len(fractions) == 3 and all(
        isinstance(f, numbers.Real) and not isinstance(f, bool) and f >= 0 for f in fractions)
    if not ok or fractions[0] <= 0 or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"The 'fractions' argument of split must be three numbers >= 0 (train > 0) that sum "
                         f"to 1, e.g. (0.6, 0.2, 0.2). Got {fractions!r} instead.")
    return tuple(float(f) for f in fractions)


def _cut(indices, fractions):
    """Cut one group of indices into train/val/test parts of sizes ``fractions * len``, rounded.

    Validation and test sizes are rounded half up; the training part takes the rest (and keeps at least
    one example of a non-empty group).
    """
    n = len(indices)
    n_test = min(int(np.floor(fractions[2] * n + 0.5)), max(n - 1, 0))
    n_val = min(int(np.floor(fractions[1] * n + 0.5)), max(n - 1 - n_test, 0))
    n_train = n - n_val - n_test
    return indices[:n_train], indices[n_train:n_train + n_val], indices[n_train + n_val:]


def split(x, y, *, fractions=(0.6, 0.2, 0.2), rng, stratify: bool = False) -> Dataset:
    """Shuffle and split ``(x, y)`` into disjoint train/validation/test sets that together cover the data.

    With ``stratify=True`` (integer labels ``y``) every class is cut in the same proportions, so small
    classes appear in every part in about their overall frequency.
    """
    check_array(x, "x", "split", kind="any", min_ndim=1)
    check_array(y, "y", "split", kind="any", min_ndim=1)
    if x.shape[0] != y.shape[0]:
        raise ValueError("The 'x' and 'y' arguments of split must have the same number of examples "
                         "(axis 0). "
                         f"Got {x.shape[0]} and {y.shape[0]} instead.")
    fractions = _check_fractions(fractions)
    if not isinstance(stratify, bool):
        raise TypeError(f"The 'stratify' argument of split must be a bool. Got {stratify!r} instead.")
    if stratify and (y.ndim != 1 or not np.issubdtype(y.dtype, np.integer)):
        raise ValueError(f"split(stratify=True) needs integer class labels y of shape (n,). "
                         f"Got dtype {y.dtype} and shape {y.shape} instead.")
    rng = _as_rng(rng, "split")
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    parts = [_cut(rng.permutation(g), fractions) for g in groups]
    train, val, test = (rng.permutation(np.concatenate([p[i] for p in parts])) for i in range(3))
    return Dataset(x[train], y[train], x[val], y[val], x[test], y[test])


def standardize(data: Dataset) -> Dataset:
    """Shift and scale every feature to mean 0, std 1 *on the training set*; apply the same map to val/test.

    Features that are constant on the training set (std 0, e.g. corner pixels of the digits) are only
    centred (scale 1), which avoids dividing by zero.
    """
    if not isinstance(data, Dataset):
        raise TypeError("The 'data' argument of standardize must be a Dataset. Got "
                        f"{type(data).__name__} instead.")
    mean = data.x_train.mean(axis=0)
    std = data.x_train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    return replace(data, x_train=(data.x_train - mean) / scale, x_val=(data.x_val - mean) / scale,
                   x_test=(data.x_test - mean) / scale, mean=mean, scale=scale)


# -------------------------------------------------------------------------------------- bundled real data
def _load_bundled(loader, name: str, fractions, rng, standardized: bool) -> Dataset:
    bunch = loader()
    x, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    data = split(x, y, fractions=fractions, rng=_as_rng(rng, f"load_{name}"), stratify=True)
    data = replace(data, name=name, feature_names=tuple(str(f) for f in getattr(bunch, "feature_names", ())),
                   target_names=tuple(str(t) for t in bunch.target_names))
    return standardize(data) if standardized else data


def load_digits(*, fractions=(0.6, 0.2, 0.2), rng, standardized: bool = True) -> Dataset:
    """1,797 handwritten digits as 8x8 grey images flattened to 64 features (values 0..16), 10 classes."""
    from sklearn import datasets

    return _load_bundled(datasets.load_digits, "digits", fractions, rng, standardized)


def load_iris(*, fractions=(0.6, 0.2, 0.2), rng, standardized: bool = True) -> Dataset:
    """150 iris flowers, 4 measurements (cm), 3 species."""
    from sklearn import datasets

    return _load_bundled(datasets.load_iris, "iris", fractions, rng, standardized)


def load_breast_cancer(*, fractions=(0.6, 0.2, 0.2), rng, standardized: bool = True) -> Dataset:
    """569 breast-mass samples, 30 features of cell nuclei, 2 classes (0 = malignant, 1 = benign)."""
    from sklearn import datasets

    return _load_bundled(datasets.load_breast_cancer, "breast_cancer", fractions, rng, standardized)


def load_sample_image(name: str = "china", *, gray: bool = False, downsample: int = 1) -> np.ndarray:
    """One of scikit-learn's two bundled photos (``"china"`` or ``"flower"``, 427x640) as float64 in [0, 1].

    Shape ``(H, W, 3)``, or ``(H, W)`` with ``gray=True`` (ITU-R 601 luma weights). ``downsample=k``
    averages k x k blocks (cropping the edges to a multiple of k) for smaller, faster examples.
    """
    if name not in ("china", "flower"):
        raise ValueError("The 'name' argument of load_sample_image must be 'china' or 'flower'. Got "
                         f"{name!r} instead.")
    if not isinstance(gray, bool):
        raise TypeError(f"The 'gray' argument of load_sample_image must be a bool. Got {gray!r} instead.")
    k = check_int(downsample, "downsample", "load_sample_image", low=1)
    from sklearn import datasets

    image = datasets.load_sample_image(f"{name}.jpg").astype(np.float64) / 255.0  # (H, W, 3)
    if gray:
        image = image @ np.array([0.299, 0.587, 0.114])  # (H, W)
    if k > 1:
        h, w = image.shape[0] // k, image.shape[1] // k
        blocks = image[:h * k, :w * k].reshape((h, k, w, k) + image.shape[2:])  # (h, k, w, k[, 3])
        image = blocks.mean(axis=(1, 3))
    return image
