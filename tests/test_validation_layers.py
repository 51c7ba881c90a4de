# ruff: noqa: E501  (the table of cases reads best one row per line)
"""Error messages of layers and losses: the right exception, naming the function, argument, expectation and value.

Each row runs against both implementations: NumPy ``<op>_forward`` with arrays, torch ``<op>`` with tensors.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

X = np.ones((2, 3))
LABELS = np.array([0, 2])
BAD = object()

# (op, positional args, keyword args, exception, message pattern with {fn} for the function name)
ROWS = [
    ("relu", ([[1.0, 2.0]],), {}, TypeError, r"The 'x' argument of {fn} must be a {container}\. Got an object of type list"),
    ("relu", (np.ones(3, dtype=int),), {}, TypeError, r"'x' argument of {fn} must have a floating-point dtype\. Got .*int64"),
    ("affine", (X, np.ones((4, 2)), np.ones(4)), {}, ValueError, r"'w' argument of {fn} must have shape \(out_features, 3\).*Got shape \(4, 2\)"),
    ("affine", (X, np.ones((4, 3)), np.ones(3)), {}, ValueError, r"'b' argument of {fn} must have shape \(4,\)\. Got shape \(3,\)"),
    ("affine", (X, np.ones(3), np.ones(3)), {}, ValueError, r"'w' argument of {fn} must have 2 dimensions\. Got .*shape \(3,\)"),
    ("leaky_relu", (X,), {"negative_slope": "0.1"}, TypeError, r"'negative_slope' argument of {fn} must be a real number\. Got '0\.1'"),
    ("prelu", (X, np.ones(2)), {}, ValueError, r"'a' argument of {fn} must have shape \(1,\) or \(3,\).*Got shape \(2,\)"),
    ("elu", (X,), {"alpha": float("nan")}, ValueError, r"'alpha' argument of {fn} must be a real number\. Got nan"),
    ("softmax", (X,), {"dim": 2}, ValueError, r"'dim' argument of {fn} must be an int in \[-2, 1\].*Got 2 instead"),
    ("softmax", (X,), {"dim": 1.0}, TypeError, r"'dim' argument of {fn} must be an int\. Got 1\.0"),
    ("maxout", (X,), {"pieces": 2}, ValueError, r"last dimension of 'x' in {fn} must be a multiple of pieces=2.*\(2, 3\)"),
    ("maxout", (X,), {"pieces": 0}, ValueError, r"'pieces' argument of {fn} must be an int >= 1\. Got 0"),
    ("swish", (X,), {"beta": True}, TypeError, r"'beta' argument of {fn} must be a real number\. Got True"),
    ("gelu", (X,), {"approximate": "erf"}, ValueError, r"'approximate' argument of {fn} must be one of 'none', 'tanh'\. Got 'erf'"),
    ("dropout_inverted", (X,), {"p": 1.0}, ValueError, r"'p' argument of {fn} must be a real number in \[0, 1\)\. Got 1\.0"),
    ("dropout_noninverted", (X,), {"p": -0.1}, ValueError, r"'p' argument of {fn} must be a real number in \[0, 1\)\. Got -0\.1"),
    ("dropout_inverted", (X,), {"training": 1}, TypeError, r"'training' argument of {fn} must be a bool\. Got 1"),
    ("dropout_inverted", (X,), {}, TypeError, r"'{rng}' argument of {fn} must be a {gen} .*no hidden randomness.*Got None"),
    ("dropout_inverted", (X, np.full((2, 3), 0.5)), {}, ValueError, r"'mask' argument of {fn} must be a 0/1 .* of shape \(2, 3\)"),
    ("dropout_noninverted", (X, np.ones((3, 2))), {}, ValueError, r"'mask' argument of {fn} must be a 0/1 .* Got shape \(3, 2\)"),
    ("flatten", (X,), {"start_dim": 1, "end_dim": 0}, ValueError, r"'start_dim' argument of {fn} must not come after end_dim=0"),
    ("mse_loss", (X, np.ones((3, 2))), {}, ValueError, r"'y' argument of {fn} must have the shape of 'x', \(2, 3\)\. Got shape \(3, 2\)"),
    ("l1_loss", (X, X), {"reduction": "avg"}, ValueError, r"'reduction' argument of {fn} must be one of 'mean', 'sum', 'none'\. Got 'avg'"),
    ("huber_loss", (X, X), {"delta": 0.0}, ValueError, r"'delta' argument of {fn} must be a real number in \(0, inf\]\. Got 0\.0"),
    ("binary_cross_entropy", (X * 1.5, X), {}, ValueError, r"'p' argument of {fn} must hold probabilities in \[0, 1\]\. Got values in \[1\.5, 1\.5\]"),
    ("binary_cross_entropy_with_logits", (X, LABELS), {}, TypeError, r"'y' argument of {fn} must have a floating-point dtype"),
    ("softmax_cross_entropy", (X, LABELS.astype(float)), {}, TypeError, r"'y' argument of {fn} must have an integer dtype"),
    ("softmax_cross_entropy", (X, np.array([0, 3])), {}, ValueError, r"'y' argument of {fn} must hold class indices in \[0, 2\]\. Got values in \[0, 3\]"),
    ("softmax_cross_entropy", (X, np.array([0])), {}, ValueError, r"'y' argument of {fn} must have shape \(2,\).*Got shape \(1,\)"),
    ("multiclass_hinge_loss", (np.ones((2, 3, 1)), np.zeros((2, 1), dtype=int)), {}, ValueError, r"'scores' argument of {fn} must have 2 dimensions"),
    ("dice_loss", (np.ones(3), np.ones(3)), {}, ValueError, r"'p' argument of {fn} must have shape \(N, C, \.\.\.\) with at least 2 dimensions"),
    ("jaccard_loss", (X, X), {"eps": -1.0}, ValueError, r"'eps' argument of {fn} must be a real number in \[0, inf\]\. Got -1\.0"),
]


def _tensor(a):
    return torch.from_numpy(a) if isinstance(a, np.ndarray) else a


@pytest.mark.parametrize("impl", ["numpy", "torch"])
@pytest.mark.parametrize("op,args,kwargs,exc,pattern", ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_error_messages(impl, op, args, kwargs, exc, pattern):
    if impl == "numpy":
        fn, name, fill = getattr(hn, f"{op}_forward"), f"{op}_forward", {"container": "NumPy array"}
        fill |= {"rng": "rng", "gen": r"np\.random\.Generator"}
    else:
        fn, name, fill = getattr(ht, op), op, {"container": r"torch\.Tensor"}
        fill |= {"rng": "generator", "gen": r"torch\.Generator"}
        args = tuple(_tensor(a) for a in args)
    with pytest.raises(exc, match=pattern.format(fn=re.escape(name), **fill)):
        fn(*args, **kwargs)


@pytest.mark.parametrize("impl", ["numpy", "torch"])
def test_dropout_refuses_mask_and_generator_together(impl):
    if impl == "numpy":
        with pytest.raises(ValueError, match="dropout_inverted_forward takes either 'mask' or 'rng', not both"):
            hn.dropout_inverted_forward(X, np.ones((2, 3)), rng=np.random.default_rng(0))
    else:
        with pytest.raises(ValueError, match="dropout_inverted takes either 'mask' or 'generator', not both"):
            ht.dropout_inverted(torch.ones(2, 3), torch.ones(2, 3), generator=torch.Generator())


def test_numpy_functions_reject_tensors_and_torch_functions_reject_arrays():
    with pytest.raises(TypeError, match=r"'x' argument of relu_forward must be a NumPy array\. Got a Tensor"):
        hn.relu_forward(torch.ones(2))
    with pytest.raises(TypeError, match=r"'x' argument of relu must be a torch\.Tensor\. Got a ndarray"):
        ht.relu(np.ones(2))
