"""Argument checks shared by ``helpers.numpy_impl`` and ``helpers.torch_impl``.

Every message names the function, the argument, what was expected and what was received, in the
scikit-learn style: "The 'p' argument of dropout_inverted_forward must be a float in [0, 1). Got 1.5 instead."
Works on NumPy arrays and torch tensors alike (torch is never imported here).
"""

from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    """A short description of a received value: its repr for scalars, type and shape for arrays."""
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return f"a {type(value).__name__} of shape {tuple(shape)} and dtype {value.dtype}"
    if isinstance(value, (numbers.Number, str, type(None), bool)):
        return repr(value)
    return f"an object of type {type(value).__name__}"


def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "dtype") and hasattr(value, "device")


def _is_float_dtype(value) -> bool:
    dtype = value.dtype
    return bool(dtype.is_floating_point) if _is_tensor(value) else np.issubdtype(dtype, np.floating)


def _is_int_dtype(value) -> bool:
    if _is_tensor(value):
        dtype = value.dtype
        return not dtype.is_floating_point and not dtype.is_complex and str(dtype) != "torch.bool"
    return np.issubdtype(value.dtype, np.integer)


def check_array(value, name: str, func: str, *, tensor: bool = False, kind: str = "float", ndim=None,
                min_ndim: int = 0):
    """Check that ``value`` is an ndarray (a ``torch.Tensor`` if ``tensor``) with the right dtype and ndim.

    ``kind`` is "float", "int", "bool_or_float" or "any". ``ndim`` is an int or a tuple of allowed ints.
    """
    container = "torch.Tensor" if tensor else "NumPy array"
    ok_type = _is_tensor(value) if tensor else isinstance(value, np.ndarray)
    if not ok_type:
        raise TypeError(f"The {name!r} argument of {func} must be a {container}. "
                        f"Got {_describe(value)} instead.")
    kinds = {
        "float": (_is_float_dtype, "a floating-point dtype"),
        "int": (_is_int_dtype, "an integer dtype"),
        "bool_or_float": (lambda v: _is_float_dtype(v) or str(v.dtype) in ("bool", "torch.bool"),
                          "a bool or floating-point dtype"),
        "any": (lambda v: True, "any dtype"),
    }
    test, expected = kinds[kind]
    if not test(value):
        raise TypeError(f"The {name!r} argument of {func} must have {expected}. "
                        f"Got {_describe(value)} instead.")
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and value.ndim not in allowed:
        want = " or ".join(str(a) for a in allowed)
        raise ValueError(f"The {name!r} argument of {func} must have {want} dimensions. "
                         f"Got {_describe(value)} instead.")
    if value.ndim < min_ndim:
        raise ValueError(f"The {name!r} argument of {func} must have at least {min_ndim} dimensions. "
                         f"Got {_describe(value)} instead.")
    return value


def check_same_shape(a, b, name_a: str, name_b: str, func: str) -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"The {name_b!r} argument of {func} must have the shape of {name_a!r}, "
                         f"{tuple(a.shape)}. Got shape {tuple(b.shape)} instead.")


def check_choice(value, name: str, func: str, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"The {name!r} argument of {func} must be one of "
                         f"{', '.join(repr(c) for c in choices)}. Got {value!r} instead.")


def check_real(value, name: str, func: str, *, low=None, high=None, low_open=False, high_open=False):
    """A real number (not a bool) in the interval given by ``low``/``high`` (closed unless ``*_open``)."""
    interval = ""
    if low is not None or high is not None:
        left = ("(" if low_open else "[") + ("-inf" if low is None else f"{low:g}")
        right = ("inf" if high is None else f"{high:g}") + (")" if high_open else "]")
        interval = f" in {left}, {right}"
    message = (f"The {name!r} argument of {func} must be a real number{interval}. "
               f"Got {_describe(value)} instead.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(message)
    if not np.isfinite(value):
        raise ValueError(message)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(message)
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(message)
    return float(value)


def check_int(value, name: str, func: str, *, low: int | None = None) -> int:
    bound = "" if low is None else f" >= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"The {name!r} argument of {func} must be an int{bound}. "
                        f"Got {_describe(value)} instead.")
    if low is not None and value < low:
        raise ValueError(f"The {name!r} argument of {func} must be an int{bound}. Got {value!r} instead.")
    return int(value)


def check_dim(dim, ndim: int, name: str, func: str) -> int:
    """A valid (possibly negative) axis of an ``ndim``-dimensional array; returns it non-negative."""
    check_int(dim, name, func)
    if not -ndim <= dim < ndim:
        raise ValueError(f"The {name!r} argument of {func} must be an int in [{-ndim}, {ndim - 1}] "
                         f"for an input with {ndim} dimensions. Got {dim!r} instead.")
    return dim % ndim


def check_train_call(net, x, y, *, net_type, shuffle, loss, epochs, batch_size, lr, val, func: str = "train") -> int:
    """Every argument check of the two ``train`` loops in one call; returns the number of examples.

    ``net_type`` is the class ``net`` must be (the NumPy ``Module`` or ``torch.nn.Module``: tensors are expected
    with the latter); ``shuffle`` is ``(name, value, type)`` of the optional random source that reorders the
    examples every epoch (``("rng", rng, np.random.Generator)`` or ``("generator", g, torch.Generator)``).
    """
    from .training import check_train_args  # the loops' shared checks (training imports this module)

    tensor = net_type.__module__.startswith("torch")
    if not isinstance(net, net_type):
        what = "torch.nn.Module" if tensor else "helpers.numpy_impl.nets.Module"
        raise TypeError(f"The 'net' argument of {func} must be a {what}. Got {type(net).__name__} instead.")
    check_array(x, "x", func, tensor=tensor)
    check_array(y, "y", func, tensor=tensor, kind="any")
    n = check_train_args(func, x, y, loss=loss, epochs=epochs, batch_size=batch_size, lr=lr, val=val)
    name, value, kind = shuffle
    if value is not None and not isinstance(value, kind):
        what = "torch.Generator" if tensor else "np.random.Generator"
        raise TypeError(f"The {name!r} argument of {func} must be None or a {what}. Got {value!r} instead.")
    return n


def check_per_feature(arrays: dict, d: int, func: str, *, tensor: bool = False) -> None:
    """Each of ``arrays`` (name -> array) is 1-D with ``d`` entries, one per feature."""
    for name, a in arrays.items():
        check_array(a, name, func, tensor=tensor, ndim=1)
        if tuple(a.shape) != (d,):
            raise ValueError(f"The {name!r} argument of {func} must have shape ({d},) (one value per feature). "
                             f"Got shape {tuple(a.shape)} instead.")


def check_batch_norm_args(x, gamma, beta, running_mean, running_var, func: str, *, training, eps,
                          tensor: bool = False) -> None:
    """The arguments of a batch norm of features ``x`` (N, D): per-feature parameters and statistics of shape
    (D,), ``eps > 0``, a bool ``training``, and in training a batch of at least 2 examples."""
    check_array(x, "x", func, tensor=tensor, ndim=2)
    check_per_feature({"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var},
                      x.shape[1], func, tensor=tensor)
    check_real(eps, "eps", func, low=0, low_open=True)
    if not isinstance(training, bool):
        raise TypeError(f"The 'training' argument of {func} must be a bool. Got {training!r} instead.")
    if training and x.shape[0] < 2:
        raise ValueError(f"{func} needs a batch of at least 2 examples in training mode (one value has no "
                         f"variance). Got x of shape {tuple(x.shape)} instead.")


def check_init_args(scheme, std, mode, func: str, schemes) -> float:
    """An initialisation ``scheme`` from ``schemes``, a ``mode`` "fan_in"/"fan_out" and a ``std >= 0``; returns
    ``std`` as a float."""
    check_choice(scheme, "scheme", func, schemes)
    check_choice(mode, "mode", func, ("fan_in", "fan_out"))
    return check_real(std, "std", func, low=0.0)


def check_affine_args(x, w, b, func: str, *, tensor: bool = False) -> None:
    """x (..., in), w (out, in) in PyTorch's ``nn.Linear`` layout, b (out,): arrays (tensors if ``tensor``)."""
    check_array(x, "x", func, tensor=tensor, min_ndim=1)
    check_array(w, "w", func, tensor=tensor, ndim=2)
    check_array(b, "b", func, tensor=tensor, ndim=1)
    if x.shape[-1] != w.shape[1]:
        raise ValueError(f"The 'w' argument of {func} must have shape (out_features, {x.shape[-1]}) "
                         f"to match x's last dimension. Got shape {tuple(w.shape)} instead.")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"The 'b' argument of {func} must have shape ({w.shape[0]},). "
                         f"Got shape {tuple(b.shape)} instead.")


def check_finite_difference_args(x, h, func: str) -> None:
    """x: a float64 NumPy array (float32 rounding ruins finite differences); h: a step > 0."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"The 'x' argument of {func} must be a float64 NumPy array "
                        f"(float32 rounding ruins finite differences). Got {type(x).__name__} "
                        f"of dtype {getattr(x, 'dtype', None)} instead.")
    if not h > 0:
        raise ValueError(f"The 'h' argument of {func} must be > 0. Got {h!r} instead.")

# ---- chapters 2-3: kNN, k-means, PCA, linear models, probability (shapes only: NumPy arrays and tensors) ----
METRICS = ("l1", "l2")
SOLVERS = ("lstsq", "normal", "inverse")


def shape_of(a):
    return tuple(a.shape) if hasattr(a, "shape") else type(a).__name__


def check_matrix(a, name: str, where: str, *, cols: int | None = None) -> None:
    if getattr(a, "ndim", None) != 2:
        raise ValueError(f"The '{name}' argument of {where} must be a 2-D array (N, D). Got shape {shape_of(a)} instead.")
    if cols is not None and a.shape[1] != cols:
        raise ValueError(f"The '{name}' argument of {where} must have {cols} columns. Got shape {shape_of(a)} instead.")
    if a.shape[0] == 0:
        raise ValueError(f"The '{name}' argument of {where} must have at least one row. Got shape {shape_of(a)} instead.")


def check_labels(y, n: int, name: str, where: str) -> None:
    if getattr(y, "ndim", None) != 1 or y.shape[0] != n:
        raise ValueError(f"The '{name}' argument of {where} must have shape ({n},). Got shape {shape_of(y)} instead.")
    if "int" not in str(y.dtype) or bool((y < 0).any()):
        raise ValueError(
            f"The '{name}' argument of {where} must hold integer class labels >= 0. Got dtype {y.dtype} instead."
        )


def check_int_in_range(value, name: str, where: str, *, low: int = 1, high: int | None = None) -> None:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bound = f"an int >= {low}" if high is None else f"an int in [{low}, {high}]"
        raise ValueError(f"The '{name}' argument of {where} must be {bound}. Got {value!r} instead.")


def check_listed(value, name: str, where: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"The '{name}' argument of {where} must be one of {list(choices)}. Got {value!r} instead.")


def check_knn_args(x_train, y_train, x_query, k, metric, where: str) -> None:
    check_matrix(x_train, "x_train", where)
    check_labels(y_train, x_train.shape[0], "y_train", where)
    check_matrix(x_query, "x_query", where, cols=x_train.shape[1])
    check_int_in_range(k, "k", where, high=x_train.shape[0])
    check_listed(metric, "metric", where, METRICS)


def check_targets(y, n: int, name: str, where: str, *, binary: bool = False) -> None:
    if getattr(y, "ndim", None) != 1 or y.shape[0] != n:
        raise ValueError(f"The '{name}' argument of {where} must have shape ({n},). Got shape {shape_of(y)} instead.")
    if binary and not ((y == 0) | (y == 1)).all():
        raise ValueError(f"The '{name}' argument of {where} must contain only the labels 0 and 1.")


def check_wb(x, w, b, where: str) -> None:
    if getattr(w, "shape", None) != (x.shape[1],):
        raise ValueError(f"The 'w' argument of {where} must have shape ({x.shape[1]},). Got shape {shape_of(w)} instead.")
    if getattr(b, "ndim", 0) != 0:
        raise ValueError(f"The 'b' argument of {where} must be a scalar (0-d array). Got shape {shape_of(b)} instead.")


def check_positive(value, name: str, where: str, *, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)
    if not ok or value != value or value == float("inf"):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The '{name}' argument of {where} must be a finite float {bound}. Got {value!r} instead.")
