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


def check_array_pair(a, b, names, func: str, *, tensor: bool = False, min_ndim: int = 0) -> None:
    """Two floating arrays (tensors if ``tensor``) of one shape, named ``names[0]`` and ``names[1]``."""
    check_array(a, names[0], func, tensor=tensor, min_ndim=min_ndim)
    check_array(b, names[1], func, tensor=tensor)
    check_same_shape(a, b, names[0], names[1], func)


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

# ---- second-order steps on flat vectors (chapter 5) ----
def check_newton_args(x, grad, hessian) -> None:
    n = x.shape[0]
    if grad.shape != (n,) or hessian.shape != (n, n):
        raise ValueError(f"newton_step expects x (n,), grad (n,) and hessian (n, n). Got {tuple(x.shape)}, "
                         f"{tuple(grad.shape)} and {tuple(hessian.shape)} instead.")


def check_levenberg_marquardt_args(x, residuals, jacobian, damping) -> None:
    m, n = jacobian.shape
    if residuals.shape != (m,) or x.shape != (n,):
        raise ValueError(f"levenberg_marquardt_step expects x (n,), residuals (m,) and jacobian (m, n). "
                         f"Got {tuple(x.shape)}, {tuple(residuals.shape)} and {tuple(jacobian.shape)} instead.")
    if damping < 0:
        raise ValueError(f"The 'damping' argument of levenberg_marquardt_step must be >= 0. Got {damping} instead.")


# ---- group and instance norm (chapter 8) ----
def check_grouped_norm_args(x, gamma, beta, eps, func: str, *, min_ndim: int, num_groups=None,
                            tensor: bool = False) -> int | None:
    """x (N, C, ...) with at least ``min_ndim`` dims, gamma and beta (C,), eps > 0; returns the checked
    ``num_groups`` (which must divide C) when one is given."""
    check_array(x, "x", func, tensor=tensor, min_ndim=min_ndim)
    check_per_feature({"gamma": gamma, "beta": beta}, x.shape[1], func, tensor=tensor)
    check_real(eps, "eps", func, low=0, low_open=True)
    if num_groups is None:
        return None
    g = check_int(num_groups, "num_groups", func, low=1)
    if x.shape[1] % g:
        raise ValueError(f"The 'num_groups' argument of {func} must divide the number of channels "
                         f"{x.shape[1]}. Got {g} instead.")
    return g


def check_running_stats_args(x, running_mean, running_var, momentum, func: str, *, tensor: bool = False) -> None:
    """A batch x (N, D) with N >= 2 (unbiased variance), running statistics (D,), momentum in [0, 1]."""
    check_array(x, "x", func, tensor=tensor, ndim=2)
    check_per_feature({"running_mean": running_mean, "running_var": running_var}, x.shape[1], func, tensor=tensor)
    check_real(momentum, "momentum", func, low=0.0, high=1.0)
    if x.shape[0] < 2:
        raise ValueError(f"{func} needs at least 2 examples for the unbiased variance. "
                         f"Got x of shape {tuple(x.shape)}.")


# ---- diffusion schedules and time steps (chapter 12b) ----
def check_alpha_bars(ab, func: str, *, tensor: bool = False) -> None:
    """A DDPM schedule: decreasing, length T + 1, ab[0] = 1 (to float precision), positive entries."""
    check_array(ab, "alpha_bars", func, tensor=tensor, ndim=1)
    tol = 1e-12 if str(ab.dtype).endswith("float64") else 1e-6
    if ab.shape[0] < 2 or abs(float(ab[0]) - 1.0) > tol or bool((ab[1:] <= 0).any()) or bool(
            (ab[1:] >= ab[:-1]).any()):
        head = ab[:4].tolist() if tensor else np.array2string(ab[:4], precision=4)
        raise ValueError(f"The 'alpha_bars' argument of {func} must be a decreasing array of length T + 1 "
                         f"with alpha_bars[0] = 1 and positive entries (see diffusion_schedule). "
                         f"Got {head}{' ...' if ab.shape[0] > 4 else ''} instead.")


def check_time_steps(t, x, alpha_bars, func: str, *, low: int, tensor: bool = False) -> None:
    """Integer steps t (N,), one per sample of x (N, ...), with values in [low, T]."""
    check_array(t, "t", func, tensor=tensor, kind="int", ndim=1)
    T = alpha_bars.shape[0] - 1
    if t.shape[0] != x.shape[0]:
        raise ValueError(f"The 't' argument of {func} must have shape ({x.shape[0]},): one time step per sample. "
                         f"Got shape {tuple(t.shape)} instead.")
    if t.shape[0] and (int(t.min()) < low or int(t.max()) > T):
        raise ValueError(f"The 't' argument of {func} must hold time steps in [{low}, {T}]. "
                         f"Got values in [{int(t.min())}, {int(t.max())}] instead.")


# ---- graphs (chapter 12a) ----
GRAPH_AGGREGATIONS = ("sum", "mean", "max")


def check_adjacency(adj, add_self_loops, func: str, *, tensor: bool = False) -> None:
    """A symmetric, non-negative, finite (V, V) adjacency, bool or float; ``add_self_loops`` a bool."""
    check_array(adj, "adj", func, tensor=tensor, kind="bool_or_float", ndim=2)
    if adj.shape[0] != adj.shape[1]:
        raise ValueError(f"The 'adj' argument of {func} must be a square (V, V) matrix. Got shape "
                         f"{tuple(adj.shape)} instead.")
    a = adj * 1.0  # bool -> float, in NumPy and torch alike
    if not bool((abs(a) < float("inf")).all()) or bool((a < 0).any()) or not bool((a == a.T).all()):
        raise ValueError(f"The 'adj' argument of {func} must be symmetric with finite entries >= 0 (an "
                         "undirected graph). Got a matrix that is not instead.")
    if not isinstance(add_self_loops, bool):
        raise TypeError(f"The 'add_self_loops' argument of {func} must be a bool. Got {add_self_loops!r} "
                        "instead.")


def _check_bias(b, n_out: int, func: str, tensor: bool) -> None:
    check_array(b, "b", func, tensor=tensor, ndim=1)
    if tuple(b.shape) != (n_out,):
        raise ValueError(f"The 'b' argument of {func} must have shape ({n_out},). Got shape {tuple(b.shape)} "
                         "instead.")


def check_graph_conv_args(x, adj, w, b, add_self_loops, func: str, *, tensor: bool = False) -> None:
    """x (..., V, F_in), adj (V, V) (checked as gcn_normalized_adjacency does), w (F_out, F_in), b (F_out,)."""
    check_array(x, "x", func, tensor=tensor, min_ndim=2)
    check_adjacency(adj, add_self_loops, "gcn_normalized_adjacency", tensor=tensor)
    if adj.shape[0] != x.shape[-2]:
        raise ValueError(f"The 'adj' argument of {func} must have shape ({x.shape[-2]}, {x.shape[-2]}) to "
                         f"match the {x.shape[-2]} nodes of x (..., V, F_in). Got shape {tuple(adj.shape)} "
                         "instead.")
    check_array(w, "w", func, tensor=tensor, ndim=2)
    _check_bias(b, w.shape[0], func, tensor)


def check_node_ids(index, num_nodes: int, name: str, func: str, *, tensor: bool = False) -> None:
    check_array(index, name, func, tensor=tensor, kind="int")
    if np.prod(tuple(index.shape)) and (int(index.min()) < 0 or int(index.max()) >= num_nodes):
        raise ValueError(f"The {name!r} argument of {func} must hold node ids in [0, {num_nodes - 1}]. Got "
                         f"values in [{int(index.min())}, {int(index.max())}] instead.")


def check_scatter_args(messages, index, num_nodes, aggr, func: str, *, tensor: bool = False) -> int:
    """messages (E, F), index (E,) with ids in [0, num_nodes), a known ``aggr``; returns num_nodes as an int."""
    check_array(messages, "messages", func, tensor=tensor, ndim=2)
    check_array(index, "index", func, tensor=tensor, kind="int", ndim=1)
    if index.shape[0] != messages.shape[0]:
        raise ValueError(f"The 'index' argument of {func} must have shape ({messages.shape[0]},), one target "
                         f"per message. Got shape {tuple(index.shape)} instead.")
    v = check_int(num_nodes, "num_nodes", func, low=1)
    check_node_ids(index, v, "index", func, tensor=tensor)
    check_choice(aggr, "aggr", func, GRAPH_AGGREGATIONS)
    return v


def check_message_passing_args(x, edge_index, w_self, w_neigh, b, func: str, *, tensor: bool = False) -> None:
    """x (V, F_in), edge_index (2, E) of node ids, w_self and w_neigh (F_out, F_in), b (F_out,)."""
    check_array(x, "x", func, tensor=tensor, ndim=2)
    check_array(edge_index, "edge_index", func, tensor=tensor, kind="int", ndim=2)
    if edge_index.shape[0] != 2:
        raise ValueError(f"The 'edge_index' argument of {func} must have shape (2, E): sources and targets. "
                         f"Got shape {tuple(edge_index.shape)} instead.")
    check_node_ids(edge_index, x.shape[0], "edge_index", func, tensor=tensor)
    check_array(w_self, "w_self", func, tensor=tensor, ndim=2)
    check_array(w_neigh, "w_neigh", func, tensor=tensor, ndim=2)
    if tuple(w_neigh.shape) != tuple(w_self.shape):
        raise ValueError(f"The 'w_neigh' argument of {func} must have the shape of w_self, "
                         f"{tuple(w_self.shape)}. Got shape {tuple(w_neigh.shape)} instead.")
    _check_bias(b, w_self.shape[0], func, tensor)


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
