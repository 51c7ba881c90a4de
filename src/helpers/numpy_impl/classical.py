"""Chapter 2: classical machine learning without gradients, NumPy reference.

k-nearest neighbours (L1/L2 distances, choosing k on a validation split or by k-fold
cross-validation), k-means (Lloyd's algorithm from explicit initial centres) and PCA via the SVD.
The torch twin (:mod:`helpers.torch_impl.classical`) has the same functions and signatures.

References: Cover & Hart, "Nearest neighbor pattern classification" (1967); Lloyd, "Least squares
quantization in PCM" (1982); Bishop, *Pattern Recognition and Machine Learning*, §2.5.2, §9.1, §12.1;
the CS231n notes on kNN image classification.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import (
    check_kmeans_args,
    check_knn_args,
    check_knn_cross_validate_args,
    check_knn_select_k_args,
    check_pairwise_distances_args,
    check_pca_fit_args,
    check_pca_inverse_transform_args,
    check_pca_transform_args,
)

__all__ = [
    "pairwise_distances", "knn_predict", "knn_select_k", "knn_cross_validate", "kmeans",
    "pca_fit", "pca_transform", "pca_inverse_transform",
]



# ---- k-nearest neighbours ------------------------------------------------------------------------------------
def pairwise_distances(a, b, *, metric: str = "l2"):
    """Distances between every row of ``a`` (M, D) and every row of ``b`` (N, D) -> (M, N).

    ``"l1"``: sum of absolute differences (Manhattan); ``"l2"``: Euclidean. Computed from explicit
    differences in blocks of rows, so memory stays small and L2 has no cancellation error.
    """
    check_pairwise_distances_args(a, b, metric)
    block = max(1, 2_000_000 // (b.shape[0] * a.shape[1]))  # rows per block: about 16 MB of differences
    out = np.empty((a.shape[0], b.shape[0]))
    for start in range(0, a.shape[0], block):
        diff = a[start:start + block, None, :] - b[None, :, :]  # (m, N, D)
        if metric == "l1":
            out[start:start + block] = np.abs(diff).sum(axis=2)
        else:
            out[start:start + block] = np.sqrt((diff * diff).sum(axis=2))
    return out


def _neighbour_labels(x_train, y_train, x_query, k_max: int, metric: str):
    """Labels of the ``k_max`` nearest training points of each query, nearest first -> (M, k_max)."""
    dist = pairwise_distances(x_query, x_train, metric=metric)  # (M, N)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k_max]  # stable: equal distances keep training order
    return y_train[order]


def _vote(neighbour_labels, n_classes: int):
    """Majority vote over the columns; a tie goes to the smallest label (as scikit-learn does)."""
    counts = (neighbour_labels[:, :, None] == np.arange(n_classes)).sum(axis=1)  # (M, C)
    return counts.argmax(axis=1)  # argmax returns the first maximum


def knn_predict(x_train, y_train, x_query, *, k: int = 1, metric: str = "l2"):
    """Predict the label of each row of ``x_query`` by a majority vote of its ``k`` nearest training points.

    ``x_train`` (N, D), ``y_train`` (N,) integer labels, ``x_query`` (M, D) -> labels (M,).
    "Training" a kNN classifier is just storing the data; all work happens here.
    """
    check_knn_args(x_train, y_train, x_query, k, metric, "knn_predict")
    dist = pairwise_distances(x_query, x_train, metric=metric)  # (M, N): every query to every training point
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]  # (M, k) indices, nearest first (ties: training order)
    labels = y_train[nearest]  # (M, k) the labels of the k nearest neighbours
    votes = (labels[:, :, None] == np.arange(int(y_train.max()) + 1)).sum(axis=1)  # (M, C) votes per class
    return votes.argmax(axis=1)  # the most votes; a tie goes to the smallest label (as in scikit-learn)


def _accuracies(x_train, y_train, x_val, y_val, ks, metric):
    labels = _neighbour_labels(x_train, y_train, x_val, max(ks), metric)  # sort once, vote for every k
    n_classes = int(max(y_train.max(), y_val.max())) + 1
    return np.array([(_vote(labels[:, :k], n_classes) == y_val).mean() for k in ks])


def knn_select_k(x_train, y_train, x_val, y_val, *, ks=(1, 3, 5, 7), metric: str = "l2"):
    """Validation accuracy of kNN for every ``k`` in ``ks``; returns ``(best_k, accuracies)``.

    The best k is the first one with the highest accuracy (the smallest, if ``ks`` is increasing).
    The test split plays no part in this choice.
    """
    check_knn_select_k_args(x_train, y_train, x_val, y_val, ks, metric)
    acc = _accuracies(x_train, y_train, x_val, y_val, ks, metric)
    return int(ks[int(acc.argmax())]), acc


def knn_cross_validate(x, y, *, ks=(1, 3, 5, 7), n_folds: int = 5, metric: str = "l2"):
    """k-fold cross-validation of kNN; returns ``(best_k, mean_accuracy (K,), fold_accuracy (n_folds, K))``.

    The folds are consecutive blocks of rows (sizes differ by at most one), each used once for
    validation while the others are the training set. Shuffle the rows first with your own
    ``rng`` (``perm = rng.permutation(len(x))``): no hidden randomness here.
    """
    check_knn_cross_validate_args(x, y, ks, n_folds, metric)
    bounds = np.linspace(0, x.shape[0], n_folds + 1).round().astype(int)
    folds = []
    for i in range(n_folds):
        val = np.zeros(x.shape[0], dtype=bool)
        val[bounds[i]:bounds[i + 1]] = True
        folds.append(_accuracies(x[~val], y[~val], x[val], y[val], ks, metric))
    fold_acc = np.stack(folds)  # (n_folds, K)
    mean_acc = fold_acc.mean(axis=0)
    return int(ks[int(mean_acc.argmax())]), mean_acc, fold_acc


# ---- k-means -------------------------------------------------------------------------------------------------
def kmeans(x, centers, *, max_iter: int = 100):
    """Lloyd's algorithm from the initial ``centers`` (K, D); returns ``(centers, labels, inertia, n_iter)``.

    Alternate (1) assign each point to its nearest centre and (2) move each centre to the mean of its
    points, until the assignment no longer changes or ``max_iter`` updates were made. A centre that
    loses all its points stays where it is. ``inertia`` is the sum of squared distances to the
    assigned centres. Choose the initial centres explicitly, e.g. ``x[rng.choice(len(x), K, replace=False)]``.
    """
    check_kmeans_args(x, centers, max_iter)
    centers = np.array(centers, dtype=np.float64)
    labels, n_iter = None, 0
    while True:
        d2 = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)  # (N, K) squared distances
        new_labels = d2.argmin(axis=1)
        if (labels is not None and np.array_equal(new_labels, labels)) or n_iter == max_iter:
            labels = new_labels
            break
        labels = new_labels
        onehot = (labels[:, None] == np.arange(centers.shape[0])).astype(np.float64)  # (N, K)
        counts = onehot.sum(axis=0)
        sums = onehot.T @ x  # (K, D)
        centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centers)
        n_iter += 1
    inertia = d2[np.arange(x.shape[0]), labels].sum()
    return centers, labels, inertia, n_iter


# ---- PCA -----------------------------------------------------------------------------------------------------
def pca_fit(x, *, n_components: int):
    """Principal components of ``x`` (N, D) from the SVD of the centred data.

    Returns ``(mean (D,), components (K, D), explained_variance (K,))``. The rows of ``components`` are
    orthonormal directions of decreasing variance; ``explained_variance`` uses the unbiased N-1
    (as scikit-learn does). An eigenvector's sign is arbitrary: we make the largest-magnitude entry of
    each component positive, so the result does not depend on the SVD routine.
    """
    check_pca_fit_args(x, n_components)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)  # x - mean = U diag(s) Vᵀ
    components = vt[:n_components]  # (K, D)
    rows = np.arange(n_components)
    signs = np.sign(components[rows, np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    explained_variance = s[:n_components] ** 2 / max(x.shape[0] - 1, 1)
    return mean, components, explained_variance


def pca_transform(x, mean, components):
    """Coordinates of ``x`` (N, D) along the principal ``components`` (K, D) -> (N, K)."""
    check_pca_transform_args(x, components)
    return (x - mean) @ components.T


def pca_inverse_transform(z, mean, components):
    """Map coordinates ``z`` (N, K) back to input space -> (N, D): the best rank-K reconstruction."""
    check_pca_inverse_transform_args(z, components)
    return z @ components + mean
