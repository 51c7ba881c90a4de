"""Chapter 2: kNN, k-means and PCA in PyTorch (twin of :mod:`helpers.numpy_impl.classical`).

Same functions, signatures and tie-breaking rules as the NumPy reference; everything runs on the
device and in the dtype of the input tensors. Returned indices/labels are int64 tensors.
"""

from __future__ import annotations

import torch

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


def pairwise_distances(a, b, *, metric: str = "l2"):
    """Distances between every row of ``a`` (M, D) and every row of ``b`` (N, D) -> (M, N)."""
    check_pairwise_distances_args(a, b, metric)
    block = max(1, 2_000_000 // (b.shape[0] * a.shape[1]))
    rows = []
    for start in range(0, a.shape[0], block):
        diff = a[start:start + block, None, :] - b[None, :, :]  # (m, N, D)
        rows.append(diff.abs().sum(dim=2) if metric == "l1" else (diff * diff).sum(dim=2).sqrt())
    return torch.cat(rows, dim=0)


def _neighbour_labels(x_train, y_train, x_query, k_max: int, metric: str):
    dist = pairwise_distances(x_query, x_train, metric=metric)  # (M, N)
    order = torch.argsort(dist, dim=1, stable=True)[:, :k_max]
    return y_train[order]  # (M, k_max)


def _vote(neighbour_labels, n_classes: int):
    classes = torch.arange(n_classes, device=neighbour_labels.device)
    counts = (neighbour_labels[:, :, None] == classes).sum(dim=1)  # (M, C)
    return counts.argmax(dim=1)  # torch.argmax returns the first maximum: ties go to the smallest label


def knn_predict(x_train, y_train, x_query, *, k: int = 1, metric: str = "l2"):
    """Majority vote of the ``k`` nearest training points for each row of ``x_query`` -> labels (M,)."""
    check_knn_args(x_train, y_train, x_query, k, metric, "knn_predict")
    dist = pairwise_distances(x_query, x_train, metric=metric)  # (M, N): every query to every training point
    nearest = torch.argsort(dist, dim=1, stable=True)[:, :k]  # (M, k) indices, nearest first (ties: training order)
    labels = y_train[nearest]  # (M, k) the labels of the k nearest neighbours
    classes = torch.arange(int(y_train.max()) + 1, device=labels.device)
    votes = (labels[:, :, None] == classes).sum(dim=1)  # (M, C) votes per class
    return votes.argmax(dim=1)  # the first maximum: a tie goes to the smallest label


def _accuracies(x_train, y_train, x_val, y_val, ks, metric):
    labels = _neighbour_labels(x_train, y_train, x_val, max(ks), metric)
    n_classes = int(max(y_train.max(), y_val.max())) + 1
    acc = [(_vote(labels[:, :k], n_classes) == y_val).double().mean() for k in ks]
    return torch.stack(acc).to(x_train.dtype)


def knn_select_k(x_train, y_train, x_val, y_val, *, ks=(1, 3, 5, 7), metric: str = "l2"):
    """Validation accuracy of kNN for every ``k`` in ``ks``; returns ``(best_k, accuracies)``."""
    check_knn_select_k_args(x_train, y_train, x_val, y_val, ks, metric)
    acc = _accuracies(x_train, y_train, x_val, y_val, ks, metric)
    return int(ks[int(acc.argmax())]), acc


def knn_cross_validate(x, y, *, ks=(1, 3, 5, 7), n_folds: int = 5, metric: str = "l2"):
    """k-fold cross-validation of kNN over consecutive folds; ``(best_k, mean_accuracy, fold_accuracy)``."""
    check_knn_cross_validate_args(x, y, ks, n_folds, metric)
    n = x.shape[0]
    bounds = [round(i * n / n_folds) for i in range(n_folds + 1)]  # same boundaries as np.linspace(...).round()
    folds = []
    for i in range(n_folds):
        val = torch.zeros(n, dtype=torch.bool, device=x.device)
        val[bounds[i]:bounds[i + 1]] = True
        folds.append(_accuracies(x[~val], y[~val], x[val], y[val], ks, metric))
    fold_acc = torch.stack(folds)  # (n_folds, K)
    mean_acc = fold_acc.mean(dim=0)
    return int(ks[int(mean_acc.argmax())]), mean_acc, fold_acc


def kmeans(x, centers, *, max_iter: int = 100):
    """Lloyd's algorithm from the initial ``centers`` (K, D); returns ``(centers, labels, inertia, n_iter)``."""
    check_kmeans_args(x, centers, max_iter)
    centers = centers.clone()
    classes = torch.arange(centers.shape[0], device=x.device)
    labels, n_iter = None, 0
    while True:
        d2 = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(dim=2)  # (N, K)
        new_labels = d2.argmin(dim=1)
        if (labels is not None and torch.equal(new_labels, labels)) or n_iter == max_iter:
            labels = new_labels
            break
        labels = new_labels
        onehot = (labels[:, None] == classes).to(x.dtype)  # (N, K)
        counts = onehot.sum(dim=0)
        sums = onehot.T @ x  # (K, D)
        centers = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], centers)
        n_iter += 1
    inertia = d2.gather(1, labels[:, None]).sum()
    return centers, labels, inertia, n_iter


def pca_fit(x, *, n_components: int):
    """``(mean (D,), components (K, D), explained_variance (K,))`` from the SVD of the centred data."""
    check_pca_fit_args(x, n_components)
    mean = x.mean(dim=0)
    _, s, vt = torch.linalg.svd(x - mean, full_matrices=False)
    components = vt[:n_components]  # (K, D)
    rows = torch.arange(n_components, device=x.device)
    signs = torch.sign(components[rows, components.abs().argmax(dim=1)])
    components = components * signs[:, None]
    explained_variance = s[:n_components] ** 2 / max(x.shape[0] - 1, 1)
    return mean, components, explained_variance


def pca_transform(x, mean, components):
    """Coordinates of ``x`` (N, D) along the principal ``components`` (K, D) -> (N, K)."""
    check_pca_transform_args(x, components)
    return (x - mean) @ components.T


def pca_inverse_transform(z, mean, components):
    """Map coordinates ``z`` (N, K) back to input space -> (N, D)."""
    check_pca_inverse_transform_args(z, components)
    return z @ components + mean
