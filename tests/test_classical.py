"""Chapter 2: kNN, linear/logistic regression, SVM, k-means, PCA and the probability helpers.

Oracles: scikit-learn (an independent implementation), scipy quadrature / Monte Carlo for the
closed forms, torch.distributions, and NumPy == torch for every twin.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from scipy import integrate, optimize, stats
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import pairwise_distances as sk_pairwise
from sklearn.model_selection import KFold
from sklearn.neighbors import KernelDensity, KNeighborsClassifier

import helpers.numpy_impl as hn
import helpers.torch_impl as ht
from tests.registry import classical as registry

T = torch.from_numpy
SK_METRIC = {"l1": "manhattan", "l2": "euclidean"}


def _blobs(seed=0, n=90, d=3, classes=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.standard_normal((n, d)) + 1.5 * rng.standard_normal((classes, d))[y]
    return x, y


# ---- parity of the two hand-written backward passes (also run by tests/test_parity.py once it exists) ------
def _numerical_grad(f, arrays, i, h=1e-6):
    grad = np.zeros_like(arrays[i])
    for idx in np.ndindex(arrays[i].shape):
        plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
        plus[i][idx] += h
        minus[i][idx] -= h
        grad[idx] = (f(*plus) - f(*minus)) / (2 * h)
    return grad


@pytest.mark.parametrize("case", registry.CASES, ids=lambda c: c.id)
def test_registry_cases(case):
    @given(case.inputs)
    def check(drawn):
        arrays, hp = drawn
        out, cache = case.numpy_forward(*arrays, **hp)
        tensors = [T(a).requires_grad_(i not in case.constant_args) for i, a in enumerate(arrays)]
        ours = case.torch_fn(*tensors, **hp)
        np.testing.assert_allclose(out, ours.detach().numpy(), rtol=case.rtol, atol=case.atol)
        np.testing.assert_allclose(out, case.builtin(*tensors, **hp).detach().numpy(), rtol=1e-7, atol=1e-9)
        grads = case.numpy_backward(1.0, cache)
        diff = [t for i, t in enumerate(tensors) if i not in case.constant_args]
        auto = torch.autograd.grad(ours, diff)
        for i, (g, a) in zip([i for i in range(len(arrays)) if i not in case.constant_args], zip(grads, auto)):
            np.testing.assert_allclose(g, a.numpy(), rtol=1e-7, atol=1e-9)
            fd = _numerical_grad(lambda *xs: case.numpy_forward(*xs, **hp)[0], list(arrays), i)
            np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)

    check()


def test_every_public_name_is_registered_or_exempt():
    registered = {c.name for c in registry.CASES}
    for module in (hn.classical, hn.linear_models, hn.probability):
        for name in module.__all__:
            stem = name.removesuffix("_forward").removesuffix("_backward")
            assert stem in registered or name in registry.EXEMPT, name
            twin = ht.classical if module is hn.classical else getattr(ht, module.__name__.rsplit(".", 1)[1])
            assert stem in twin.__all__ or name in twin.__all__, f"{name} has no torch twin"


# ---- kNN ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_pairwise_distances(metric):
    a, _ = _blobs(1, n=7)
    b, _ = _blobs(2, n=11)
    ours = hn.pairwise_distances(a, b, metric=metric)
    np.testing.assert_allclose(ours, sk_pairwise(a, b, metric=SK_METRIC[metric]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ht.pairwise_distances(T(a), T(b), metric=metric).numpy(), ours, rtol=1e-12)
    p = 1.0 if metric == "l1" else 2.0
    np.testing.assert_allclose(torch.cdist(T(a), T(b), p=p).numpy(), ours, rtol=1e-10)


def test_l1_image_distance_of_the_notes():
    test = np.array([[56, 32, 10, 18], [90, 23, 128, 133], [24, 26, 178, 200], [2, 0, 255, 220]], float)
    train = np.array([[10, 20, 24, 17], [8, 10, 89, 100], [12, 16, 178, 170], [4, 32, 233, 112]], float)
    assert hn.pairwise_distances(test.reshape(1, -1), train.reshape(1, -1), metric="l1")[0, 0] == 456.0


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 4, 7])
def test_knn_predict_matches_sklearn_and_torch(metric, k):
    x, y = _blobs(3)
    xq, _ = _blobs(4, n=40)
    ours = hn.knn_predict(x, y, xq, k=k, metric=metric)
    sk = KNeighborsClassifier(n_neighbors=k, metric=SK_METRIC[metric], algorithm="brute").fit(x, y).predict(xq)
    np.testing.assert_array_equal(ours, sk)  # even k: vote ties go to the smallest label in both
    np.testing.assert_array_equal(ht.knn_predict(T(x), T(y), T(xq), k=k, metric=metric).numpy(), ours)


def test_knn_select_k_and_cross_validation():
    x, y = _blobs(5, n=100)
    ks = (1, 3, 5, 9, 15)
    best, acc = hn.knn_select_k(x[:70], y[:70], x[70:], y[70:], ks=ks, metric="l1")
    for k, a in zip(ks, acc):
        clf = KNeighborsClassifier(n_neighbors=k, metric="manhattan", algorithm="brute").fit(x[:70], y[:70])
        assert a == pytest.approx(clf.score(x[70:], y[70:]))
    assert best == ks[int(np.argmax(acc))]
    best_t, acc_t = ht.knn_select_k(T(x[:70]), T(y[:70]), T(x[70:]), T(y[70:]), ks=ks, metric="l1")
    assert best_t == best and np.allclose(acc_t.numpy(), acc)

    best, mean_acc, fold_acc = hn.knn_cross_validate(x, y, ks=ks, n_folds=5)
    assert fold_acc.shape == (5, len(ks))
    for j, k in enumerate(ks):
        for i, (tr, va) in enumerate(KFold(5).split(x)):
            clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(x[tr], y[tr])
            assert fold_acc[i, j] == pytest.approx(clf.score(x[va], y[va]))
    best_t, mean_t, fold_t = ht.knn_cross_validate(T(x), T(y), ks=ks, n_folds=5)
    assert best_t == best and np.allclose(fold_t.numpy(), fold_acc) and np.allclose(mean_t.numpy(), mean_acc)


# ---- linear regression --------------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["lstsq", "normal", "inverse"])
def test_linear_regression_matches_sklearn(solver):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4))
    y = x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7 + 0.1 * rng.standard_normal(50)
    w, b = hn.linear_regression_fit(x, y, solver=solver)
    sk = LinearRegression().fit(x, y)
    np.testing.assert_allclose(w, sk.coef_, rtol=1e-9)
    assert float(b) == pytest.approx(sk.intercept_, rel=1e-9)
    wt, bt = ht.linear_regression_fit(T(x), T(y), solver=solver)
    np.testing.assert_allclose(wt.numpy(), w, rtol=1e-9)
    np.testing.assert_allclose(ht.linear_regression_predict(T(x), wt, bt).numpy(), sk.predict(x), rtol=1e-9)
    np.testing.assert_allclose(hn.linear_regression_predict(x, w, b), sk.predict(x), rtol=1e-9)


def test_lstsq_beats_the_explicit_inverse_on_an_ill_conditioned_problem():
    t = np.linspace(0, 1, 60)
    x = np.stack([t**p for p in range(1, 11)], axis=1)  # polynomial features: cond(X) ~ 1e7
    theta = np.linspace(1, -1, 10)
    y = x @ theta + 0.5  # exact data: the true coefficients are the exact solution
    err = {s: np.abs(hn.linear_regression_fit(x, y, solver=s)[0] - theta).max() for s in ("lstsq", "inverse")}
    assert err["lstsq"] < 1e-5 and err["inverse"] > 100 * err["lstsq"]


def test_least_squares_is_the_gaussian_maximum_likelihood():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 2))
    y = x @ np.array([2.0, -1.0]) + 0.3 + 0.5 * rng.standard_normal(40)

    def nll(params):  # params = (w1, w2, b, log sigma)
        w, b, sigma = params[:2], params[2], math.exp(params[3])
        return -stats.norm.logpdf(y, loc=x @ w + b, scale=sigma).sum()

    res = optimize.minimize(nll, np.zeros(4), method="BFGS", options={"gtol": 1e-10})
    w, b = hn.linear_regression_fit(x, y)
    np.testing.assert_allclose(res.x[:2], w, atol=1e-5)
    assert res.x[2] == pytest.approx(float(b), abs=1e-5)
    residual_var = np.mean((y - x @ w - b) ** 2)  # the MLE of σ² divides by N
    assert math.exp(2 * res.x[3]) == pytest.approx(residual_var, rel=1e-5)


# ---- logistic regression and SVM ---------------------------------------------------------------------------
def _binary(seed=0, n=120):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 2)) + np.where(y[:, None] == 1, 1.0, -1.0) * np.array([0.8, 0.4])
    return x, y


def test_logistic_regression_matches_sklearn_with_the_same_penalty():
    x, y = _binary()
    wd = 0.01
    w, b, losses = hn.logistic_regression_fit(x, y.astype(float), lr=1.0, n_steps=3000, weight_decay=wd)
    # sklearn minimises ½||w||² + C Σ BCE_i = N·C·(mean BCE + ||w||²/(2 N C)): weight_decay = 1/(N C)
    sk = LogisticRegression(C=1.0 / (len(x) * wd), tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(w, sk.coef_[0], atol=1e-6)
    assert float(b) == pytest.approx(sk.intercept_[0], abs=1e-6)
    np.testing.assert_allclose(hn.logistic_regression_predict_proba(x, w, b), sk.predict_proba(x)[:, 1], atol=1e-6)
    assert np.all(np.diff(losses) <= 1e-15)  # gradient descent with a small enough step never goes up
    wt, bt, lt = ht.logistic_regression_fit(T(x), T(y.astype(float)), lr=1.0, n_steps=3000, weight_decay=wd)
    np.testing.assert_allclose(lt.numpy(), losses, rtol=1e-10)
    np.testing.assert_allclose(wt.numpy(), w, rtol=1e-8)
    np.testing.assert_allclose(ht.logistic_regression_predict_proba(T(x), wt, bt).numpy(),
                               hn.logistic_regression_predict_proba(x, w, b), rtol=1e-8)


def test_bce_is_the_negative_bernoulli_log_likelihood():
    x, y = _binary(2, n=30)
    w, b = np.array([0.3, -0.2]), np.array(0.1)
    loss, _ = hn.logistic_regression_forward(x, w, b, y.astype(float))
    p = hn.logistic_regression_predict_proba(x, w, b)
    assert loss == pytest.approx(-np.mean(hn.bernoulli_log_pmf(y, p)), rel=1e-12)
    assert loss > 0  # the notes' formula without the minus sign would be negative


def test_linear_svm_twins_and_separation():
    x, y = _binary(3, n=60)
    x = x + np.where(y[:, None] == 1, 2.0, -2.0)  # separable
    w, b, losses = hn.linear_svm_fit(x, y.astype(float), lr=0.1, n_steps=300, alpha=0.01)
    wt, bt, lt = ht.linear_svm_fit(T(x), T(y.astype(float)), lr=0.1, n_steps=300, alpha=0.01)
    np.testing.assert_allclose(lt.numpy(), losses, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wt.numpy(), w, rtol=1e-8)
    assert (hn.linear_classifier_predict(x, w, b) == y).all()
    np.testing.assert_array_equal(ht.linear_classifier_predict(T(x), wt, bt).numpy(), y)
    assert losses[-1] < 0.1 * losses[0]


# ---- k-means and PCA ----------------------------------------------------------------------------------------
def test_kmeans_matches_sklearn_from_the_same_start():
    x, _ = _blobs(6, n=150, d=2, classes=4)
    rng = np.random.default_rng(0)
    init = x[rng.choice(len(x), 4, replace=False)]
    centers, labels, inertia, _ = hn.kmeans(x, init)
    sk = KMeans(4, init=init, n_init=1, algorithm="lloyd", tol=0.0, max_iter=300).fit(x)
    np.testing.assert_allclose(centers, sk.cluster_centers_, rtol=1e-10)
    np.testing.assert_array_equal(labels, sk.labels_)
    assert float(inertia) == pytest.approx(sk.inertia_, rel=1e-10)
    ct, lt, it, _ = ht.kmeans(T(x), T(init))
    np.testing.assert_allclose(ct.numpy(), centers, rtol=1e-10)
    np.testing.assert_array_equal(lt.numpy(), labels)


def test_pca_matches_sklearn_up_to_sign():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((80, 5)) @ rng.standard_normal((5, 5))
    mean, comps, var = hn.pca_fit(x, n_components=3)
    sk = PCA(3).fit(x)
    signs = np.sign((comps * sk.components_).sum(axis=1))
    np.testing.assert_allclose(comps, signs[:, None] * sk.components_, atol=1e-10)
    np.testing.assert_allclose(var, sk.explained_variance_, rtol=1e-10)
    z = hn.pca_transform(x, mean, comps)
    np.testing.assert_allclose(z, sk.transform(x) * signs, atol=1e-10)
    np.testing.assert_allclose(hn.pca_inverse_transform(z, mean, comps), sk.inverse_transform(sk.transform(x)), atol=1e-10)
    mt, ct, vt = ht.pca_fit(T(x), n_components=3)
    np.testing.assert_allclose(ct.numpy(), comps, atol=1e-10)  # same sign convention in both twins
    np.testing.assert_allclose(ht.pca_inverse_transform(ht.pca_transform(T(x), mt, ct), mt, ct).numpy(),
                               hn.pca_inverse_transform(z, mean, comps), atol=1e-10)


# ---- probability --------------------------------------------------------------------------------------------
def test_log_densities_against_torch_distributions():
    x = np.linspace(-3, 3, 13)
    td = torch.distributions
    np.testing.assert_allclose(hn.normal_log_pdf(x, 0.5, 1.5), td.Normal(T(np.array(0.5)), T(np.array(1.5))).log_prob(T(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(hn.laplace_log_pdf(x, -1.0, 0.7), td.Laplace(T(np.array(-1.0)), T(np.array(0.7))).log_prob(T(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ht.normal_log_pdf(T(x), 0.5, 1.5).numpy(), hn.normal_log_pdf(x, 0.5, 1.5), rtol=1e-12)
    np.testing.assert_allclose(ht.laplace_log_pdf(T(x), -1.0, 0.7).numpy(), hn.laplace_log_pdf(x, -1.0, 0.7), rtol=1e-12)
    k = np.array([0, 1, 1, 0])
    np.testing.assert_allclose(hn.bernoulli_log_pmf(k, 0.3), stats.bernoulli.logpmf(k, 0.3), rtol=1e-12)
    np.testing.assert_allclose(ht.bernoulli_log_pmf(T(k), 0.3).numpy(), stats.bernoulli.logpmf(k, 0.3), rtol=1e-12)
    probs = np.array([0.2, 0.5, 0.3])
    c = np.array([2, 0, 1, 1])
    want = td.Categorical(probs=T(probs)).log_prob(T(c)).numpy()
    np.testing.assert_allclose(hn.categorical_log_pmf(c, probs), want, rtol=1e-12)
    np.testing.assert_allclose(ht.categorical_log_pmf(T(c), T(probs)).numpy(), want, rtol=1e-12)


def test_discrete_entropy_cross_entropy_and_kl():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(5), size=4)
    p[0, 2] = 0.0
    p[0] /= p[0].sum()
    np.testing.assert_allclose(hn.entropy(p), stats.entropy(p, axis=1), rtol=1e-12)
    np.testing.assert_allclose(hn.kl_divergence(p, q), stats.entropy(p, q, axis=1), rtol=1e-12)
    np.testing.assert_allclose(hn.cross_entropy(p, q), hn.entropy(p) + hn.kl_divergence(p, q), rtol=1e-12)
    assert np.all(hn.kl_divergence(p, q) > 0) and np.allclose(hn.kl_divergence(q, q), 0.0, atol=1e-15)
    for name in ("entropy", "cross_entropy", "kl_divergence"):
        args = (p,) if name == "entropy" else (p, q)
        np.testing.assert_allclose(getattr(ht, name)(*map(T, args)).numpy(), getattr(hn, name)(*args), rtol=1e-12)
    assert hn.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf
    assert hn.kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(math.log(2))
    # ∂H/∂p has no nan at p_i = 0 in the torch twin
    pt = T(p[0]).requires_grad_()
    ht.entropy(pt).backward()
    assert torch.isfinite(pt.grad).all()


def _quad_kl(log_p, log_q):
    return integrate.quad(lambda x: math.exp(log_p(x)) * (log_p(x) - log_q(x)), -60, 60, points=[-1, 0, 1], limit=400)[0]


@pytest.mark.parametrize("mp,sp,mq,sq", [(0.0, 1.0, 0.0, 1.0), (0.3, 1.2, -0.5, 0.8), (1.0, 0.5, 2.0, 2.0)])
def test_continuous_kl_closed_forms_against_quadrature(mp, sp, mq, sq):
    n = lambda m, s: (lambda x: float(hn.normal_log_pdf(x, m, s)))
    lap = lambda m, s: (lambda x: float(hn.laplace_log_pdf(x, m, s)))
    cases = [(hn.kl_normal_normal, n(mp, sp), n(mq, sq)), (hn.kl_normal_laplace, n(mp, sp), lap(mq, sq)),
             (hn.kl_laplace_normal, lap(mp, sp), n(mq, sq))]
    for fn, lp, lq in cases:
        closed = float(fn(mp, sp, mq, sq))
        assert closed == pytest.approx(_quad_kl(lp, lq), abs=1e-7), fn.__name__
        assert float(getattr(ht, fn.__name__)(mp, sp, mq, sq)) == pytest.approx(closed, rel=1e-12)
    td = torch.distributions
    want = td.kl_divergence(*(td.Normal(*map(T, map(np.array, a))) for a in ((mp, sp), (mq, sq)))).item()
    assert float(hn.kl_normal_normal(mp, sp, mq, sq)) == pytest.approx(want, rel=1e-10, abs=1e-14)


def test_kl_normal_laplace_monte_carlo_and_entropies():
    rng = np.random.default_rng(0)
    xs = rng.normal(0.2, 1.3, 400_000)
    mc = np.mean(hn.normal_log_pdf(xs, 0.2, 1.3) - hn.laplace_log_pdf(xs, -0.4, 0.9))
    assert float(hn.kl_normal_laplace(0.2, 1.3, -0.4, 0.9)) == pytest.approx(mc, abs=5e-3)
    td = torch.distributions
    assert float(hn.normal_entropy(0.1)) == pytest.approx(td.Normal(T(np.array(0.0)), T(np.array(0.1))).entropy().item())
    assert float(hn.normal_entropy(0.1)) < 0  # differential entropy can be negative (the notes claim ≥ 0)
    assert float(hn.laplace_entropy(0.7)) == pytest.approx(td.Laplace(T(np.array(0.0)), T(np.array(0.7))).entropy().item())


def test_e35_optimal_laplace_scale_is_sqrt_2_over_pi_sigma():
    sigma = 1.7
    res = optimize.minimize_scalar(lambda b: float(hn.kl_normal_laplace(0.0, sigma, 0.0, b)),
                                   bounds=(0.05, 10), method="bounded", options={"xatol": 1e-10})
    assert res.x == pytest.approx(math.sqrt(2 / math.pi) * sigma, rel=1e-6)  # ≈ 0.798 σ, not the notes' 0.86
    assert res.fun == pytest.approx(0.5 - math.log(math.pi / 2), abs=1e-12)
    assert float(hn.kl_normal_laplace(0.0, sigma, 0.0, 0.86 * sigma)) > res.fun
    # the other direction, D_KL(q || p) over b, is minimal at b = σ/√2
    res = optimize.minimize_scalar(lambda b: float(hn.kl_laplace_normal(0.0, b, 0.0, sigma)),
                                   bounds=(0.05, 10), method="bounded", options={"xatol": 1e-10})
    assert res.x == pytest.approx(sigma / math.sqrt(2), rel=1e-6)


@pytest.mark.parametrize("d", [1, 2])
def test_kde_matches_sklearn(d):
    rng = np.random.default_rng(d)
    samples, query = rng.standard_normal((30, d)), rng.standard_normal((9, d))
    ours = hn.kde(query if d > 1 else query[:, 0], samples if d > 1 else samples[:, 0], bandwidth=0.4)
    want = np.exp(KernelDensity(bandwidth=0.4).fit(samples).score_samples(query))
    np.testing.assert_allclose(ours, want, rtol=1e-10)
    np.testing.assert_allclose(ht.kde(T(query), T(samples), bandwidth=0.4).numpy(), want, rtol=1e-10)
    grid = np.linspace(-8, 8, 4001)
    if d == 1:  # a density: integrates to 1
        assert np.trapezoid(hn.kde(grid, samples[:, 0], bandwidth=0.4), grid) == pytest.approx(1.0, abs=1e-6)


# ---- validation messages ------------------------------------------------------------------------------------
@pytest.mark.parametrize("impl", [hn, ht])
def test_validation_messages(impl):
    conv = (lambda a: a) if impl is hn else (lambda a: T(np.asarray(a)))
    x, y = _blobs(0, n=10)
    with pytest.raises(ValueError, match=r"The 'k' argument of knn_predict must be an int in \[1, 10\]. Got 0"):
        impl.knn_predict(conv(x), conv(y), conv(x), k=0)
    with pytest.raises(ValueError, match=r"The 'metric' argument of knn_predict must be one of \['l1', 'l2'\]. Got 'cos"):
        impl.knn_predict(conv(x), conv(y), conv(x), metric="cosine")
    with pytest.raises(ValueError, match="The 'y_train' argument of knn_predict must hold integer class labels"):
        impl.knn_predict(conv(x), conv(y.astype(float)), conv(x))
    with pytest.raises(ValueError, match=r"The 'x_query' argument of knn_predict must have 3 columns. Got shape \(10, 2\)"):
        impl.knn_predict(conv(x), conv(y), conv(x[:, :2]))
    with pytest.raises(ValueError, match="The 'solver' argument of linear_regression_fit must be one of"):
        impl.linear_regression_fit(conv(x), conv(x[:, 0]), solver="qr")
    with pytest.raises(ValueError, match="The 'y' argument of logistic_regression_fit must contain only the labels 0 and 1"):
        impl.logistic_regression_fit(conv(x), conv(x[:, 0]))
    with pytest.raises(ValueError, match="The 'lr' argument of linear_svm_fit must be a finite float > 0. Got -1"):
        impl.linear_svm_fit(conv(x), conv((y > 0).astype(float)), lr=-1.0)
    with pytest.raises(ValueError, match=r"The 'n_components' argument of pca_fit must be an int in \[1, 3\]. Got 4"):
        impl.pca_fit(conv(x), n_components=4)
    with pytest.raises(ValueError, match=r"The 'centers' argument of kmeans must have 3 columns"):
        impl.kmeans(conv(x), conv(x[:2, :2]))
    with pytest.raises(ValueError, match="The 'scale' argument of normal_log_pdf must be > 0. Got -1.0"):
        impl.normal_log_pdf(conv(x), 0.0, -1.0)
    with pytest.raises(ValueError, match="The 'q' argument of kl_divergence must sum to 1 along its last axis"):
        impl.kl_divergence(conv(np.array([0.5, 0.5])), conv(np.array([0.5, 0.6])))
    with pytest.raises(ValueError, match="The 'bandwidth' argument of kde must be a float > 0. Got 0"):
        impl.kde(conv(x[:, 0]), conv(x[:, 0]), bandwidth=0)
    with pytest.raises(ValueError, match="The 'b' argument of logistic_regression"):
        fn = impl.logistic_regression_forward if impl is hn else impl.logistic_regression
        fn(conv(x), conv(np.zeros(3)), conv(np.zeros(2)), conv(np.zeros(10)))


def test_torch_twins_follow_dtype():
    x, y = _binary(0, n=20)
    w, b, _ = ht.logistic_regression_fit(T(x).float(), T(y).float(), n_steps=5)
    assert w.dtype == torch.float32 and b.dtype == torch.float32
    d = ht.pairwise_distances(T(x).float(), T(x).float())
    assert d.dtype == torch.float32
    assert F.softplus(torch.zeros(1)).item() == pytest.approx(math.log(2))
