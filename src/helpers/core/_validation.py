"""Argument checks shared by ``helpers.numpy_impl`` and ``helpers.torch_impl``.

Every message names the function, the argument, what was expected and what was received, in the
scikit-learn style: "The 'p' argument of dropout_inverted_forward must be a float in [0, 1). Got 1.5 instead."
Works on NumPy arrays and torch tensors alike (torch is never imported here).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .conv_arithmetic import conv_transpose_output_size, pair


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

# ---- losses (chapters 2, 7 and 10) ----
REDUCTIONS = ("mean", "sum", "none")


def check_loss_pair(x, y, func: str, reduction, *, xname: str = "x", yname: str = "y", tensor: bool = False) -> None:
    """A prediction/target pair of one shape and a known reduction."""
    check_array_pair(x, y, (xname, yname), func, tensor=tensor)
    check_choice(reduction, "reduction", func, REDUCTIONS)


def check_class_scores(scores, y, func: str, reduction, *, spatial: bool = True, tensor: bool = False) -> None:
    """scores (N, C) (or (N, C, d1, ...) when ``spatial``), integer labels y (N, d1, ...) in [0, C), reduction."""
    check_array(scores, "scores", func, tensor=tensor, min_ndim=2, ndim=None if spatial else 2)
    check_array(y, "y", func, tensor=tensor, kind="int")
    want = (scores.shape[0],) + tuple(scores.shape[2:])
    if tuple(y.shape) != want:
        raise ValueError(f"The 'y' argument of {func} must have shape {want} (scores' shape without the "
                         f"class axis 1). Got shape {tuple(y.shape)} instead.")
    if np.prod(want) and (int(y.min()) < 0 or int(y.max()) >= scores.shape[1]):
        raise ValueError(f"The 'y' argument of {func} must hold class indices in [0, {scores.shape[1] - 1}]. "
                         f"Got values in [{int(y.min())}, {int(y.max())}] instead.")
    check_choice(reduction, "reduction", func, REDUCTIONS)


def check_overlap_args(p, y, func: str, reduction, eps, *, tensor: bool = False) -> float:
    """Soft masks p, y (N, C, ...) of one shape for Dice/Jaccard, a reduction and eps >= 0; returns eps."""
    check_loss_pair(p, y, func, reduction, xname="p", tensor=tensor)
    if p.ndim < 2:
        raise ValueError(f"The 'p' argument of {func} must have shape (N, C, ...) with at least 2 dimensions. "
                         f"Got shape {tuple(p.shape)} instead.")
    return check_real(eps, "eps", func, low=0.0)


# ---- VAE (chapter 12b) ----
def check_latent_args(mu, logvar, func: str, *, eps=None, reduction=None, tensor: bool = False) -> None:
    """mu and logvar (N, latent) of one shape; ``eps`` of that shape and a known ``reduction`` when given."""
    check_array_pair(mu, logvar, ("mu", "logvar"), func, tensor=tensor, min_ndim=1)
    if eps is not None:
        check_array(eps, "eps", func, tensor=tensor)
        check_same_shape(mu, eps, "mu", "eps", func)
    if reduction is not None:
        check_choice(reduction, "reduction", func, REDUCTIONS)


def check_elbo_args(x_logits, x, mu, beta, reduction, func: str, *, tensor: bool = False) -> float:
    """Decoder logits and data (N, D) of one shape, mu with N rows, beta >= 0, a known reduction; returns beta."""
    check_array(x_logits, "x_logits", func, tensor=tensor, ndim=2)
    check_array(x, "x", func, tensor=tensor)
    check_same_shape(x_logits, x, "x_logits", "x", func)
    check_array(mu, "mu", func, tensor=tensor, ndim=2)
    if mu.shape[0] != x.shape[0]:
        raise ValueError(f"The 'mu' argument of {func} must have {x.shape[0]} rows (one per "
                         f"sample of 'x'). Got shape {tuple(mu.shape)} instead.")
    beta = check_real(beta, "beta", func, low=0.0)
    check_choice(reduction, "reduction", func, REDUCTIONS)
    return beta


# ---- convolution, pooling, spatial batch norm, recurrent cells (shared by both twins) ----
# Chapters 9 and 10 keep their short messages ("... must have 4 dimensions. Got shape (2, 5, 5) instead."), which
# their tests pin: ``check_float_array`` writes them for arrays and tensors alike; the recurrent cells use
# ``check_sequence_array`` (below, with deep_rnn), which names the axes ("must have shape (T, N, D)").
RNN_NONLINEARITIES = ("tanh", "relu")


def _is_container(value, tensor: bool) -> bool:
    return _is_tensor(value) if tensor else isinstance(value, np.ndarray)


def check_float_array(value, name: str, func: str, ndim: int | None = None, *, tensor: bool = False):
    """A floating NumPy array (a ``torch.Tensor`` if ``tensor``) with ``ndim`` dimensions."""
    if not _is_container(value, tensor):
        raise TypeError(f"The {name!r} argument of {func} must be a {'torch.Tensor' if tensor else 'NumPy array'}. "
                        f"Got {type(value).__name__} instead.")
    if not _is_float_dtype(value):
        raise TypeError(f"The {name!r} argument of {func} must have a float dtype. Got {value.dtype} instead.")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"The {name!r} argument of {func} must have {ndim} dimensions. "
                         f"Got shape {tuple(value.shape)} instead.")
    return value


def check_shape(value, name: str, func: str, expected) -> None:
    if tuple(value.shape) != tuple(expected):
        raise ValueError(f"The {name!r} argument of {func} must have shape {tuple(expected)}. "
                         f"Got {tuple(value.shape)} instead.")


def check_conv_args(x, w, b, func: str, *, ndim: int = 4, tensor: bool = False) -> None:
    """x (N, C_in, *spatial) and w (C_out, C_in/groups, *kernel) with ``ndim`` dimensions each, b (C_out,)."""
    check_float_array(x, "x", func, ndim, tensor=tensor)
    check_float_array(w, "w", func, ndim, tensor=tensor)
    check_float_array(b, "b", func, 1, tensor=tensor)
    check_shape(b, "b", func, (w.shape[0],))


def check_separable_conv_args(x, w_depth, w_point, func: str, *, tensor: bool = False) -> None:
    """x (N, C, H, W), w_depth (C, 1, k, k) (one filter per channel), w_point (C_out, C, 1, 1)."""
    check_float_array(x, "x", func, 4, tensor=tensor)
    c = x.shape[1]
    if tuple(w_depth.shape[:2]) != (c, 1):
        raise ValueError(f"The 'w_depth' argument of {func} must have shape ({c}, 1, k, k). "
                         f"Got {tuple(w_depth.shape)}.")
    if tuple(w_point.shape[1:]) != (c, 1, 1):
        raise ValueError(f"The 'w_point' argument of {func} must have shape (C_out, {c}, 1, 1). "
                         f"Got {tuple(w_point.shape)}.")


def check_max_unpool_args(x, indices, func: str, *, kernel_size, stride, padding, output_size,
                          tensor: bool = False) -> tuple[int, int]:
    """x and integer indices (N, C, h, w) from max pooling; returns the output size (H, W): ``output_size``, or
    ``H = (h - 1) s - 2p + k`` (and the same for W). Every index must fall inside an H x W plane."""
    from .conv_arithmetic import pair  # plain-Python geometry (it imports nothing of ours)

    check_float_array(x, "x", func, 4, tensor=tensor)
    if not _is_container(indices, tensor) or tuple(indices.shape) != tuple(x.shape) or not _is_int_dtype(indices):
        raise ValueError(f"The 'indices' argument of {func} must be an integer {'tensor' if tensor else 'array'} "
                         f"of shape {tuple(x.shape)}. Got {getattr(indices, 'dtype', type(indices))} "
                         f"{tuple(getattr(indices, 'shape', ()))} instead.")
    k = pair(kernel_size, "kernel_size", func)
    s = k if stride is None else pair(stride, "stride", func)
    p = pair(padding, "padding", func, minimum=0)
    if output_size is None:
        output_size = tuple((n - 1) * sa - 2 * pa + ka for n, sa, pa, ka in zip(x.shape[2:], s, p, k))
    h, w = pair(output_size, "output_size", func)
    if 0 not in tuple(indices.shape) and (int(indices.min()) < 0 or int(indices.max()) >= h * w):
        raise ValueError(f"The 'indices' argument of {func} must lie in [0, {h * w}) for output size {(h, w)}.")
    return h, w


def check_spatial_batch_norm_args(x, gamma, beta, running_mean, running_var, func: str, *, training, eps,
                                  tensor: bool = False) -> None:
    """x (N, C, H, W); the per-channel arrays (C,); eps > 0; in training more than one value per channel."""
    check_float_array(x, "x", func, 4, tensor=tensor)
    for name, a in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        check_float_array(a, name, func, 1, tensor=tensor)
        check_shape(a, name, func, (x.shape[1],))
    if not isinstance(eps, (int, float)) or eps <= 0:
        raise ValueError(f"The 'eps' argument of {func} must be a number > 0. Got {eps!r} instead.")
    if training and x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"{func}: training needs more than one value per channel. Got x.shape={tuple(x.shape)}.")


def check_spatial_running_stats_args(x, momentum, func: str, *, tensor: bool = False) -> None:
    """x (N, C, H, W) with more than one value per channel (unbiased variance); momentum in [0, 1]."""
    check_float_array(x, "x", func, 4, tensor=tensor)
    if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
        raise ValueError(f"The 'momentum' argument of {func} must be a number in [0, 1]. Got {momentum!r} instead.")
    if x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"{func} needs more than one value per channel for the unbiased variance. "
                         f"Got {tuple(x.shape)}.")


def check_spatial_dropout_args(x, mask, p, func: str, *, tensor: bool = False) -> None:
    """x (N, C, H, W), a mask (N, C, 1, 1) of zeros and ones, p in [0, 1)."""
    check_float_array(x, "x", func, 4, tensor=tensor)
    check_float_array(mask, "mask", func, 4, tensor=tensor)
    check_shape(mask, "mask", func, tuple(x.shape[:2]) + (1, 1))
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(f"The 'mask' argument of {func} must contain only zeros and ones.")
    if not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ValueError(f"The 'p' argument of {func} must be a number in [0, 1). Got {p!r} instead.")


def check_rnn_weights(w_ih, w_hh, b_ih, b_hh, func: str, *, gates: int, input_size: int,
                      tensor: bool = False) -> int:
    """The four parameters of a cell with ``gates`` stacked blocks (PyTorch's layout); returns the hidden size H."""
    check_sequence_array(w_hh, "w_hh", func, 2, f"({gates}H, H)", tensor=tensor)
    hidden = w_hh.shape[1]
    check_shape(w_hh, "w_hh", func, (gates * hidden, hidden))
    check_sequence_array(w_ih, "w_ih", func, 2, f"({gates}H, D)", tensor=tensor)
    check_shape(w_ih, "w_ih", func, (gates * hidden, input_size))
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        check_sequence_array(b, name, func, 1, f"({gates}H,)", tensor=tensor)
        check_shape(b, name, func, (gates * hidden,))
    return hidden


def _check_states(states: dict, shape, func: str, tensor: bool) -> None:
    for name, s in states.items():
        if s is not None:
            check_sequence_array(s, name, func, 2, "(N, H)", tensor=tensor)
            check_shape(s, name, func, shape)


def check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, func: str, *, gates: int, c=None, nonlinearity=None,
                   tensor: bool = False) -> None:
    """One cell step: x (N, D), h (and the LSTM's c, when given) (N, H); ``nonlinearity`` only when given."""
    if nonlinearity is not None and nonlinearity not in RNN_NONLINEARITIES:
        raise ValueError(f"The 'nonlinearity' argument of {func} must be one of {RNN_NONLINEARITIES}. "
                         f"Got {nonlinearity!r} instead.")
    check_sequence_array(x, "x", func, 2, "(N, D)", tensor=tensor)
    hidden = check_rnn_weights(w_ih, w_hh, b_ih, b_hh, func, gates=gates, input_size=x.shape[1], tensor=tensor)
    _check_states({"h": h, "c": c}, (x.shape[0], hidden), func, tensor)


def check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, func: str, *, gates: int, c0=None,
                       tensor: bool = False) -> None:
    """A layer over x (T, N, D) with T >= 1 from h0 (and the LSTM's c0, when given) (N, H)."""
    check_sequence_array(x, "x", func, 3, "(T, N, D)", tensor=tensor)
    if x.shape[0] < 1:
        raise ValueError(f"The 'x' argument of {func} must contain at least one time step. "
                         f"Got shape {tuple(x.shape)}.")
    hidden = check_rnn_weights(w_ih, w_hh, b_ih, b_hh, func, gates=gates, input_size=x.shape[2], tensor=tensor)
    _check_states({"h0": h0, "c0": c0}, (x.shape[1], hidden), func, tensor)


def check_clip_args(grads, func: str, *, norm_type=2.0, tensor: bool = False, **positive) -> list:
    """The gradients as a list of floating arrays (tensors if ``tensor``); each keyword (``max_norm``,
    ``clip_value``) must be a number > 0, ``norm_type`` > 0 or inf."""
    for name, value in positive.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise ValueError(f"The {name!r} argument of {func} must be a number > 0. Got {value!r} instead.")
    if not (norm_type == float("inf") or (isinstance(norm_type, numbers.Real) and norm_type > 0)):
        raise ValueError(f"The 'norm_type' argument of {func} must be > 0 or inf. Got {norm_type!r} instead.")
    grads = [grads] if _is_container(grads, tensor) else list(grads)
    for i, g in enumerate(grads):
        if not _is_container(g, tensor) or not _is_float_dtype(g):
            raise TypeError(f"The 'grads' argument of {func} must be a float {'tensor' if tensor else 'array'} "
                            f"or a list of them. Got {type(g).__name__} at position {i} instead.")
    return grads


# ---- dropout and MLP builders (chapters 3 and 8) ----
def check_dropout_args(x, mask, p, training, func: str, *, source_name: str, source, source_type,
                       tensor: bool = False) -> float:
    """x, p in [0, 1), a bool ``training``, and when training exactly one of a 0/1 ``mask`` shaped like x or a
    random ``source`` (``rng`` / ``generator`` of ``source_type``); returns p."""
    check_array(x, "x", func, tensor=tensor)
    p = check_real(p, "p", func, low=0.0, high=1.0, high_open=True)
    if not isinstance(training, bool):
        raise TypeError(f"The 'training' argument of {func} must be a bool. Got {training!r} instead.")
    if not training:
        return p
    if mask is not None and source is not None:
        raise ValueError(f"{func} takes either 'mask' or '{source_name}', not both. Got both.")
    if mask is None:
        if not isinstance(source, source_type):
            kind = "torch.Generator" if tensor else "np.random.Generator"
            raise TypeError(f"The '{source_name}' argument of {func} must be a {kind} when training "
                            f"without an explicit mask (no hidden randomness). Got {source!r} instead.")
        return p
    check_array(mask, "mask", func, tensor=tensor, kind="bool_or_float")
    if tuple(mask.shape) != tuple(x.shape) or not bool(((mask == 0) | (mask == 1)).all()):
        values = mask.unique()[:5].tolist() if tensor else np.unique(mask)[:5]
        raise ValueError(f"The 'mask' argument of {func} must be a 0/1 {'tensor' if tensor else 'array'} of shape "
                         f"{tuple(x.shape)}. Got shape {tuple(mask.shape)} with values {values} instead.")
    return p


def check_mlp_args(sizes, activation, activations, dropout, func: str = "mlp") -> tuple[list, float]:
    """Layer widths (at least two ints >= 1), a known activation and dropout in [0, 1); returns (sizes, dropout)."""
    sizes = list(sizes) if not isinstance(sizes, (str, bytes)) and hasattr(sizes, "__iter__") else None
    if sizes is None or len(sizes) < 2:
        raise ValueError(f"The 'sizes' argument of {func} must be a sequence of at least two layer widths "
                         "(inputs, ..., outputs).")
    for s in sizes:
        check_int(s, "sizes", func, low=1)
    if activation not in activations:
        choices = ", ".join(map(repr, activations))
        raise ValueError(f"The 'activation' argument of {func} must be one of {choices}. "
                         f"Got {activation!r} instead.")
    return sizes, check_real(dropout, "dropout", func, low=0.0, high=1.0, high_open=True)


# ---- layer norm and the Transformer encoder layer (chapter 12a) ----
def check_layer_norm_args(x, gamma, beta, eps, func: str, *, tensor: bool = False) -> float:
    """x (..., D), gamma and beta (D,); returns eps as a float > 0."""
    check_array(x, "x", func, tensor=tensor, min_ndim=1)
    d = x.shape[-1]
    for name, a in (("gamma", gamma), ("beta", beta)):
        check_array(a, name, func, tensor=tensor, ndim=1)
        if tuple(a.shape) != (d,):
            raise ValueError(f"The {name!r} argument of {func} must have shape ({d},) (x's last dimension). "
                             f"Got shape {tuple(a.shape)} instead.")
    return check_real(eps, "eps", func, low=0, low_open=True)


ENCODER_ACTIVATIONS = ("relu", "gelu")


def check_encoder_layer_args(x, ff_and_norms, norm_first, activation, func: str, *, tensor: bool = False) -> None:
    """x (N, L, E), the settings, and linear1 (F, E), (F,), linear2 (E, F), (E,), the norms (E,) (in order)."""
    check_array(x, "x", func, tensor=tensor, ndim=3)
    if not isinstance(norm_first, bool):
        raise TypeError(f"The 'norm_first' argument of {func} must be a bool. Got {norm_first!r} instead.")
    check_choice(activation, "activation", func, ENCODER_ACTIVATIONS)
    e = x.shape[-1]
    check_array(ff_and_norms[0], "linear1_weight", func, tensor=tensor, ndim=2)
    f = ff_and_norms[0].shape[0]  # dim_feedforward
    expected = {"linear1_weight": (f, e), "linear1_bias": (f,), "linear2_weight": (e, f), "linear2_bias": (e,),
                "norm1_weight": (e,), "norm1_bias": (e,), "norm2_weight": (e,), "norm2_bias": (e,)}
    for (name, shape), a in zip(expected.items(), ff_and_norms, strict=True):
        check_array(a, name, func, tensor=tensor)
        if tuple(a.shape) != shape:
            raise ValueError(f"The {name!r} argument of {func} must have shape {shape}. Got shape "
                             f"{tuple(a.shape)} instead.")


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


# ---- shared by the twins: classical, deep_rnn, attention, linear_models, probability, trainer, upsample, perceptron
# One checker per public function (or per family of functions) of these NumPy/torch twin modules: both twins call
# it, so every check and message is written once. ``tensor=True`` where the twins differ only in the container type.

def _values(a):
    """``a`` itself if it is an array or a tensor, else ``np.asarray(a)`` (Python scalars and lists)."""
    return a if hasattr(a, "shape") else np.asarray(a)


# classical (chapter 2): kNN, k-means, PCA
def check_ks(ks, n_train: int, where: str) -> None:
    if len(ks) == 0:
        raise ValueError(f"The 'ks' argument of {where} must be a non-empty sequence of ints. Got {ks!r} instead.")
    for k in ks:
        check_int_in_range(k, "ks", where, high=n_train)


def check_pairwise_distances_args(a, b, metric) -> None:
    check_matrix(a, "a", "pairwise_distances")
    check_matrix(b, "b", "pairwise_distances", cols=a.shape[1])
    check_listed(metric, "metric", "pairwise_distances", METRICS)


def check_knn_select_k_args(x_train, y_train, x_val, y_val, ks, metric) -> None:
    where = "knn_select_k"
    check_matrix(x_train, "x_train", where)
    check_labels(y_train, x_train.shape[0], "y_train", where)
    check_matrix(x_val, "x_val", where, cols=x_train.shape[1])
    check_labels(y_val, x_val.shape[0], "y_val", where)
    check_ks(ks, x_train.shape[0], where)
    check_listed(metric, "metric", where, METRICS)


def check_knn_cross_validate_args(x, y, ks, n_folds, metric) -> None:
    where = "knn_cross_validate"
    check_matrix(x, "x", where)
    check_labels(y, x.shape[0], "y", where)
    check_int_in_range(n_folds, "n_folds", where, low=2, high=x.shape[0])
    check_ks(ks, x.shape[0] - -(-x.shape[0] // n_folds), where)  # the smallest training split: N - ceil(N / folds)
    check_listed(metric, "metric", where, METRICS)


def check_kmeans_args(x, centers, max_iter) -> None:
    check_matrix(x, "x", "kmeans")
    check_matrix(centers, "centers", "kmeans", cols=x.shape[1])
    check_int_in_range(max_iter, "max_iter", "kmeans")


def check_pca_fit_args(x, n_components) -> None:
    check_matrix(x, "x", "pca_fit")
    check_int_in_range(n_components, "n_components", "pca_fit", high=min(x.shape))


def check_pca_transform_args(x, components) -> None:
    check_matrix(x, "x", "pca_transform")
    check_matrix(components, "components", "pca_transform", cols=x.shape[1])


def check_pca_inverse_transform_args(z, components) -> None:
    check_matrix(z, "z", "pca_inverse_transform")
    check_matrix(components, "components", "pca_inverse_transform")
    if z.shape[1] != components.shape[0]:
        raise ValueError(
            f"The 'z' argument of pca_inverse_transform must have {components.shape[0]} columns "
            f"(one per component). Got shape {shape_of(z)} instead."
        )


# deep_rnn (chapter 9): stacked and bidirectional recurrent layers
RNN_MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")


def check_sequence_array(a, name: str, fn: str, ndim: int, layout: str, *, tensor: bool = False) -> None:
    """A float array (tensor if ``tensor``) with ``ndim`` dimensions; ``layout`` names them, e.g. "(T, N, D)"."""
    check_float_array(a, name, fn, tensor=tensor)
    if a.ndim != ndim:
        raise ValueError(f"The '{name}' argument of {fn} must have shape {layout}. Got shape {tuple(a.shape)} instead.")


def check_multilayer_rnn_args(x, state0, weights, mode, bidirectional, fn: str, *, tensor: bool = False):
    """x (T, N, D), state0 (L*D, N, H) or (L*D, 2, N, H) for the LSTM, 4 weights per (layer, direction);
    returns ``(num_dirs, num_layers)``."""
    if mode not in RNN_MODES:
        raise ValueError(f"The 'mode' argument of {fn} must be one of {RNN_MODES}. Got {mode!r} instead.")
    if not isinstance(bidirectional, bool):
        raise TypeError(f"The 'bidirectional' argument of {fn} must be a bool. Got {bidirectional!r} instead.")
    num_dirs = 2 if bidirectional else 1
    if len(weights) == 0 or len(weights) % (4 * num_dirs):
        raise ValueError(
            f"The 'weights' of {fn} must be 4 arrays (w_ih, w_hh, b_ih, b_hh) per layer and "
            f"direction, i.e. a multiple of {4 * num_dirs}. Got {len(weights)} arrays instead."
        )
    num_layers = len(weights) // (4 * num_dirs)
    check_sequence_array(x, "x", fn, 3, "(T, N, D)", tensor=tensor)
    lstm = mode == "lstm"
    check_sequence_array(state0, "state0", fn, 4 if lstm else 3, "(L*D, 2, N, H)" if lstm else "(L*D, N, H)",
                         tensor=tensor)
    rows = (num_layers * num_dirs, 2) if lstm else (num_layers * num_dirs,)
    check_shape(state0, "state0", fn, (*rows, x.shape[1], state0.shape[-1]))
    return num_dirs, num_layers


# attention (chapter 10)
def check_attention_args(q, k, v, scale, func: str, *, tensor: bool = False) -> float:
    """q (..., L, d_k), k (..., S, d_k), v (..., S, d_v); returns the scale (default 1/sqrt(d_k))."""
    for name, a in (("q", q), ("k", k), ("v", v)):
        check_array(a, name, func, tensor=tensor, min_ndim=2)
    if k.shape[:-2] != q.shape[:-2] or k.shape[-1] != q.shape[-1]:
        expected = tuple(q.shape[:-2]) + ("S", q.shape[-1])
        raise ValueError(f"The 'k' argument of {func} must have shape {expected} (..., S, d_k) to match q. "
                         f"Got shape {tuple(k.shape)} instead.")
    if v.shape[:-1] != k.shape[:-1]:
        raise ValueError(f"The 'v' argument of {func} must have shape {tuple(k.shape[:-1]) + ('d_v',)} (..., "
                         f"S, d_v) to match k. Got shape {tuple(v.shape)} instead.")
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    return check_real(scale, "scale", func, low=0, low_open=True)


def check_attention_mask(mask, scores_shape, func: str, *, tensor: bool = False) -> None:
    """A boolean or float mask that broadcasts to the scores (..., L, S); a float mask holds no NaN or +inf."""
    check_array(mask, "mask", func, tensor=tensor, kind="bool_or_float")
    try:
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(scores_shape))
    except ValueError:
        shape = None
    if shape != tuple(scores_shape):
        raise ValueError(f"The 'mask' argument of {func} must broadcast to the score shape "
                         f"{tuple(scores_shape)} (..., L, S). Got shape {tuple(mask.shape)} instead.")
    if str(mask.dtype) not in ("bool", "torch.bool") and bool(((mask != mask) | (mask == math.inf)).any()):
        raise ValueError(f"The 'mask' argument of {func} must be boolean or hold finite floats and -inf. Got "
                         "NaN or +inf instead.")


def check_attention_rows(scores, func: str):
    """The masked scores, after checking that every query may attend to at least one key (else no softmax)."""
    if bool((scores == -math.inf).all(-1).any()):
        raise ValueError(f"The 'mask' argument of {func} forbids every key for some query (a fully masked "
                         "row has no softmax). Got a mask with a row of all False / -inf instead.")
    return scores


def check_multi_head_attention_args(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                    out_proj_bias, mask, num_heads, func: str, *, tensor: bool = False) -> int:
    """Batch-first query (N, L, E), key and value (N, S, E), PyTorch's packed projections; returns num_heads."""
    for name, a in (("query", query), ("key", key), ("value", value)):
        check_array(a, name, func, tensor=tensor, ndim=3)
    h = check_int(num_heads, "num_heads", func, low=1)
    n, _, e = query.shape
    if e % h:
        raise ValueError(f"The 'num_heads' argument of {func} must divide the embedding size {e}. Got {h} "
                         "instead.")
    if key.shape[0] != n or key.shape[2] != e or value.shape != key.shape:
        raise ValueError(f"The 'key' and 'value' arguments of {func} must both have shape ({n}, S, {e}) "
                         f"(batch first). Got shapes {tuple(key.shape)} and {tuple(value.shape)} instead.")
    expected = {"in_proj_weight": (3 * e, e), "in_proj_bias": (3 * e,), "out_proj_weight": (e, e),
                "out_proj_bias": (e,)}
    given = (in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)
    for (name, shape), a in zip(expected.items(), given, strict=True):
        check_array(a, name, func, tensor=tensor)
        if tuple(a.shape) != shape:
            raise ValueError(f"The {name!r} argument of {func} must have shape {shape} (PyTorch's packed "
                             f"layout). Got shape {tuple(a.shape)} instead.")
    if mask is not None and mask.ndim > 4:
        raise ValueError(f"The 'mask' argument of {func} must have at most 4 dimensions (N, H, L, S). Got "
                         f"shape {tuple(mask.shape)} instead.")
    return h


def check_positional_encoding_args(length, d_model, base, func: str = "sinusoidal_positional_encoding"):
    """Returns ``(length, d_model, base)``: ints >= 1 and >= 2 (even), a real base > 1."""
    n = check_int(length, "length", func, low=1)
    d = check_int(d_model, "d_model", func, low=2)
    if d % 2:
        raise ValueError(f"The 'd_model' argument of {func} must be an even int (sine/cosine pairs). Got {d} "
                         "instead.")
    return n, d, check_real(base, "base", func, low=1, low_open=True)


# linear_models (chapter 2)
def check_linear_regression_args(x, y, solver, where: str) -> None:
    check_matrix(x, "x", where)
    check_targets(y, x.shape[0], "y", where)
    check_listed(solver, "solver", where, SOLVERS)


def check_linear_model_args(x, w, b, y, where: str, *, binary: bool = False, alpha=None) -> None:
    """x (N, D), w (D,), scalar b, targets y (N,) (0/1 if ``binary``) and, when given, a penalty ``alpha >= 0``."""
    check_matrix(x, "x", where)
    check_wb(x, w, b, where)
    check_targets(y, x.shape[0], "y", where, binary=binary)
    if alpha is not None:
        check_positive(alpha, "alpha", where, allow_zero=True)


def check_linear_fit_args(x, y, lr, n_steps, where: str, **penalty) -> None:
    """x (N, D), 0/1 targets y (N,), ``lr > 0``, ``n_steps >= 1`` and one penalty ``name=value >= 0``."""
    check_matrix(x, "x", where)
    check_targets(y, x.shape[0], "y", where, binary=True)
    check_positive(lr, "lr", where)
    check_int_in_range(n_steps, "n_steps", where)
    for name, value in penalty.items():
        check_positive(value, name, where, allow_zero=True)


# probability (chapter 2): Python floats, NumPy arrays or tensors
def check_scales(where: str, **scales) -> None:
    """Each scale parameter (``name=value``: a float, an array or a tensor) is > 0 everywhere."""
    for name, scale in scales.items():
        if not bool((_values(scale) > 0).all()):
            raise ValueError(f"The '{name}' argument of {where} must be > 0. Got {scale!r} instead.")


def check_probs(p, name: str, where: str, *, tensor: bool = False) -> None:
    """Probabilities in [0, 1] that sum to 1 along the last axis (a tensor if ``tensor``, else array-like)."""
    if not tensor:
        p = np.asarray(p)
    if (tensor and not _is_tensor(p)) or p.ndim == 0 or not bool(((p >= 0) & (p <= 1)).all()):
        noun = "a tensor" if tensor else "an array"
        raise ValueError(f"The '{name}' argument of {where} must be {noun} of probabilities in [0, 1]. Got {p!r}.")
    sums = p.sum(-1)
    if not bool((abs(sums - 1.0) <= 1e-6 + 1e-5).all()):  # np.allclose / torch.allclose with atol=1e-6
        raise ValueError(
            f"The '{name}' argument of {where} must sum to 1 along its last axis. Got sums {sums!r} instead."
        )


def check_kl_divergence_args(p, q, *, tensor: bool = False) -> None:
    check_probs(p, "p", "kl_divergence", tensor=tensor)
    check_probs(q, "q", "kl_divergence", tensor=tensor)
    if tuple(np.shape(p)) != tuple(np.shape(q)):
        raise ValueError(f"The 'q' argument of kl_divergence must have the shape of p, {shape_of(p)}. "
                         f"Got {shape_of(q)}.")


def check_bernoulli_args(x, probs) -> None:
    """Outcomes x in {0, 1}; probs = P(x = 1) in [0, 1]."""
    if not bool(((_values(x) == 0) | (_values(x) == 1)).all()):
        raise ValueError("The 'x' argument of bernoulli_log_pmf must contain only 0 and 1.")
    p = _values(probs)
    if not bool(((p >= 0) & (p <= 1)).all()):
        raise ValueError(f"The 'probs' argument of bernoulli_log_pmf must lie in [0, 1]. Got {probs!r} instead.")


def check_categorical_args(x, probs, *, tensor: bool = False) -> None:
    """probs (..., C) a distribution; x integer classes in [0, C - 1]."""
    check_probs(probs, "probs", "categorical_log_pmf", tensor=tensor)
    n = probs.shape[-1]
    values = _values(x)
    if "int" not in str(values.dtype) or bool((values < 0).any()) or bool((values >= n).any()):
        raise ValueError(
            f"The 'x' argument of categorical_log_pmf must hold integer classes in [0, {n - 1}]. Got {x!r}."
        )


def check_kde_args(x_query, samples, bandwidth):
    """A float ``bandwidth > 0`` and points with the same number of features; returns ``(x_query, samples)``
    as (M, D) and (N, D) (1-D inputs are one feature)."""
    if not (isinstance(bandwidth, (int, float)) and not isinstance(bandwidth, bool) and bandwidth > 0):
        raise ValueError(f"The 'bandwidth' argument of kde must be a float > 0. Got {bandwidth!r} instead.")
    samples = samples[:, None] if samples.ndim == 1 else samples  # (N, D)
    x_query = x_query[:, None] if x_query.ndim == 1 else x_query  # (M, D)
    if samples.ndim != 2 or x_query.ndim != 2 or x_query.shape[1] != samples.shape[1]:
        raise ValueError(
            f"The 'x_query' argument of kde must have {samples.shape[-1]} features like the samples. "
            f"Got shape {shape_of(x_query)} instead."
        )
    return x_query, samples


# upsample (chapter 7): transposed convolution
def check_conv_transpose_args(x, w, b, fn: str, *, stride, padding, output_padding, dilation, groups,
                              tensor: bool = False):
    """x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW), b (C_out,): float arrays (tensors if ``tensor``);
    returns the stride, padding, output_padding and dilation as pairs and the output size ``(H', W')``."""
    for name, a, ndim in (("x", x, 4), ("w", w, 4), ("b", b, 1)):
        check_float_array(a, name, fn, ndim, tensor=tensor)
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups or w.shape[0] != x.shape[1]:
        raise ValueError(f"{fn}: w must have shape (C_in={x.shape[1]}, C_out/groups, kH, kW) and groups must divide "
                         f"C_in. Got w.shape={tuple(w.shape)}, groups={groups!r}.")
    if b.shape[0] != w.shape[1] * groups:
        raise ValueError(f"The 'b' argument of {fn} must have shape ({w.shape[1] * groups},). "
                         f"Got {tuple(b.shape)} instead.")
    s, p = pair(stride, "stride", fn), pair(padding, "padding", fn, minimum=0)
    op, d = pair(output_padding, "output_padding", fn, minimum=0), pair(dilation, "dilation", fn)
    out = tuple(conv_transpose_output_size(x.shape[2 + a], w.shape[2 + a], stride=s[a], padding=p[a],
                                           output_padding=op[a], dilation=d[a]) for a in range(2))
    return s, p, op, d, out


# trainer (chapters 3 onwards): the two ``train`` loops (check_train_call above adds the net and the shuffling)
# Losses the loops know, and whether accuracy makes sense for them (classification vs regression).
LOSSES = {"cross_entropy": True, "binary_cross_entropy_with_logits": True, "mse": False}


def check_train_args(func: str, x, y, *, loss, epochs, batch_size, lr, val) -> int:
    """Validate the arguments shared by both ``train`` functions; return the number of examples."""
    if loss not in LOSSES:
        raise ValueError(f"The 'loss' argument of {func} must be one of {', '.join(map(repr, LOSSES))}. "
                         f"Got {loss!r} instead.")
    check_int(epochs, "epochs", func, low=1)
    if batch_size is not None:
        check_int(batch_size, "batch_size", func, low=1)
    check_real(lr, "lr", func, low=0.0, low_open=True)
    if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"The 'x' and 'y' arguments of {func} must hold the same number (>= 1) of examples "
                         f"along axis 0. Got shapes {tuple(x.shape)} and {tuple(y.shape)} instead.")
    pair = isinstance(val, tuple) and len(val) == 2
    if val is not None and (not pair or val[0].shape[0] != val[1].shape[0]):
        raise ValueError(f"The 'val' argument of {func} must be None or a pair (x_val, y_val) with the same "
                         f"number of examples. Got {type(val).__name__} instead.")
    return int(x.shape[0])


# perceptron (chapter 1)
def check_perceptron_data(x, y, where: str, *, tensor: bool = False) -> None:
    """x a 2-D array (tensor if ``tensor``) (N, D), y an array (tensor) of shape (N,)."""
    is_container = _is_tensor if tensor else (lambda a: isinstance(a, np.ndarray))
    if not is_container(x) or x.ndim != 2:
        noun = "tensor" if tensor else "array"
        raise ValueError(f"The 'x' argument of {where} must be a 2-D {noun} (N, D). "
                         f"Got {getattr(x, 'shape', type(x))}.")
    if not is_container(y) or tuple(y.shape) != (x.shape[0],):
        raise ValueError(f"The 'y' argument of {where} must have shape ({x.shape[0]},). "
                         f"Got {getattr(y, 'shape', type(y))}.")


def check_perceptron_fit_args(x, y, epochs, lr, *, tensor: bool = False) -> None:
    """Data as above with labels -1/+1, ``epochs >= 1`` and ``lr > 0``."""
    check_perceptron_data(x, y, "perceptron_fit", tensor=tensor)
    if not bool(((y == 1) | (y == -1)).all()):
        raise ValueError("The 'y' argument of perceptron_fit must contain only -1 and +1.")
    check_int_in_range(epochs, "epochs", "perceptron_fit")
    if not lr > 0:
        raise ValueError(f"The 'lr' argument of perceptron_fit must be > 0. Got {lr!r} instead.")


def check_two_layer_fit_args(x, y, steps, *, tensor: bool = False) -> None:
    check_perceptron_data(x, y, "two_layer_fit", tensor=tensor)
    check_int_in_range(steps, "steps", "two_layer_fit")


# ---- optimizer hyperparameters (chapter 5), shared by the NumPy and PyTorch optimizers ----
# Messages follow torch.optim ("Invalid learning rate: ...") and the "The 'x' argument of Owner must be ..." form.
# ``allow_array_lr`` lets the NumPy optimizers take an array of learning rates (several runs at once).
def check_number(name: str, owner: str, value, low: float, high: float | None = None, *, open_low: bool = False):
    """``value`` must be a real number >= ``low`` (> with ``open_low``) and < ``high`` when given."""
    bad = not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, bool)
    if not bad:
        value = float(value)
        bad = (value <= low if open_low else value < low) or (high is not None and value >= high)
    if bad:
        sign = ">" if open_low else ">="
        upper = f" and < {high}" if high is not None else ""
        raise ValueError(f"The '{name}' argument of {owner} must be a number {sign} {low}{upper}. Got {value!r} instead.")


def check_lr(lr, owner: str, *, allow_array: bool = False) -> None:
    """``lr`` must be finite and > 0 (with ``allow_array``, every entry of an array)."""
    if isinstance(lr, bool) or (not allow_array and not isinstance(lr, (int, float, np.floating, np.integer))):
        ok = False
    else:
        try:
            arr = np.asarray(lr, dtype=float)
            ok = bool(np.all(np.isfinite(arr)) and np.all(arr > 0))
        except (TypeError, ValueError):
            ok = False
    if not ok:
        raise ValueError(f"Invalid learning rate: {lr!r}. The 'lr' argument of {owner} must be > 0.")


def check_damping(damping, owner: str) -> None:
    if isinstance(damping, bool) or not isinstance(damping, (int, float)) or damping < 0:
        raise ValueError(f"The 'damping' argument of {owner} must be a number >= 0. Got {damping!r} instead.")


def check_factor(factor, owner: str) -> None:
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 1:
        raise ValueError(f"The 'factor' argument of {owner} must be a number > 1. Got {factor!r}.")


def check_sgd(lr, momentum, dampening, weight_decay, nesterov, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "SGD", allow_array=allow_array_lr)
    check_number("momentum", "SGD", momentum, 0.0)
    check_number("dampening", "SGD", dampening, 0.0)
    check_number("weight_decay", "SGD", weight_decay, 0.0)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening.")


def check_momentum(lr, momentum, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "Momentum", allow_array=allow_array_lr)
    check_number("momentum", "Momentum", momentum, 0.0, 1.0)


def check_adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps, *, allow_array_lr: bool = False):
    check_lr(lr, "Adagrad", allow_array=allow_array_lr)
    check_number("lr_decay", "Adagrad", lr_decay, 0.0)
    check_number("weight_decay", "Adagrad", weight_decay, 0.0)
    check_number("initial_accumulator_value", "Adagrad", initial_accumulator_value, 0.0)
    check_number("eps", "Adagrad", eps, 0.0)


def check_rmsprop(lr, alpha, eps, weight_decay, momentum, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, "RMSprop", allow_array=allow_array_lr)
    check_number("alpha", "RMSprop", alpha, 0.0, 1.0)
    check_number("eps", "RMSprop", eps, 0.0)
    check_number("weight_decay", "RMSprop", weight_decay, 0.0)
    check_number("momentum", "RMSprop", momentum, 0.0)


def check_adam(owner: str, lr, betas, eps, weight_decay, *, allow_array_lr: bool = False) -> None:
    check_lr(lr, owner, allow_array=allow_array_lr)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"The 'betas' argument of {owner} must be a pair (beta1, beta2). Got {betas!r} instead.")
    check_number("betas[0]", owner, betas[0], 0.0, 1.0)
    check_number("betas[1]", owner, betas[1], 0.0, 1.0)
    check_number("eps", owner, eps, 0.0)
    check_number("weight_decay", owner, weight_decay, 0.0)
