"""The parity harness: every case of ``tests/registry`` through one code path.

For each case and each drawn example (float64):

* forward:  NumPy ``<op>_forward`` == our torch ``<op>`` == the PyTorch built-in (when there is one);
  the NumPy function must not modify its inputs and must return float64.
* backward: NumPy ``<op>_backward`` == torch autograd of our twin == autograd of the built-in, all with
  the same random upstream gradient ``dout``; ``backward`` returns a tuple, one gradient per
  differentiable input (the inputs not listed in ``constant_args`` with a float dtype).
* finite differences: NumPy backward == centred differences of the scalar ``<dout, f(x)>``
  (cases with ``finite_differences=True``). Both oracles matter: a consistently wrong forward passes
  finite differences and fails the built-in; a wrong backward fails both.
* dtype: the torch twin run on float32 inputs returns float32 close to the float64 result.

The torch tensors (ours and the built-in's) live on ``device`` (``pytest --device=cuda``, see
``tests/conftest.py``); the NumPy reference and the finite differences always run on the CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from helpers.core.testing import numerical_gradient, rel_error
from tests.devices import skip_float64_on_mps
from tests.registry import all_cases

CASES = all_cases()
FD_CASES = [c for c in CASES if c.finite_differences]
BUILTIN_CASES = [c for c in CASES if c.builtin is not None]


def _ids(cases):
    return [c.id for c in cases]


def _differentiable(case, arrays) -> list[int]:
    return [i for i, a in enumerate(arrays)
            if i not in case.constant_args and np.issubdtype(a.dtype, np.floating)]


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _torch_args(case, arrays, hp, device, *, dtype=None):
    """Fresh leaf tensors on ``device`` (differentiable ones require grad) and hyperparameters with arrays
    converted (to tensors on ``device`` too)."""
    diff = _differentiable(case, arrays)
    tensors = []
    for i, a in enumerate(arrays):
        t = torch.from_numpy(np.array(a))  # a copy: torch must not see (or alter) NumPy's memory
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        t = t.to(device)
        tensors.append(t.requires_grad_(True) if i in diff else t)
    hp_t = {k: torch.from_numpy(np.array(v)).to(device) if isinstance(v, np.ndarray) else v for k, v in hp.items()}
    return tensors, hp_t


def _float_outputs(out):
    """The outputs that carry gradients (integer outputs such as argmax indices do not)."""
    def is_float(o):
        if isinstance(o, torch.Tensor):
            return o.is_floating_point()
        return np.issubdtype(np.asarray(o).dtype, np.floating)
    return [o for o in _as_tuple(out) if is_float(o)]


def _assert_close(actual, expected, case, what):
    actual = actual.detach().cpu().numpy() if isinstance(actual, torch.Tensor) else np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (f"{case.id}: {what} has shape {actual.shape}, "
                                            f"expected {expected.shape}")
    np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol, err_msg=f"{case.id}: {what}")


def _draw(case, data):
    arrays, hp = data.draw(case.inputs, label="inputs")
    assert isinstance(arrays, tuple) and isinstance(hp, dict), f"{case.id}: inputs must draw (tuple, dict)"
    return arrays, hp


def _douts(out, data):
    """A random upstream gradient for each float output (seeded by hypothesis)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="dout seed"))
    return [rng.standard_normal(np.shape(o)) for o in _float_outputs(out)]


def _torch_grads(fn, case, arrays, hp, douts, device):
    tensors, hp_t = _torch_args(case, arrays, hp, device)
    outs = _float_outputs(fn(*tensors, **hp_t))
    for o in outs:
        assert o.device.type == device.type, f"{case.id}: an output lies on {o.device}, the inputs on {device}"
    leaves = [tensors[i] for i in _differentiable(case, arrays)]
    grads = torch.autograd.grad(outs, leaves, [torch.from_numpy(d).to(device) for d in douts], allow_unused=True)
    return [torch.zeros_like(leaf) if g is None else g for g, leaf in zip(grads, leaves, strict=True)]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@given(data=st.data())
def test_forward_parity(case, device, data):
    skip_float64_on_mps(device)
    arrays, hp = _draw(case, data)
    before = [a.copy() for a in arrays]
    out, _ = case.numpy_forward(*arrays, **hp)
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{case.id}: the NumPy forward modified an input")
    for o in _float_outputs(out):
        assert np.asarray(o).dtype == np.float64, f"{case.id}: the NumPy forward must return float64"

    tensors, hp_t = _torch_args(case, arrays, hp, device)
    ours = _as_tuple(case.torch_fn(*tensors, **hp_t))
    assert len(ours) == len(_as_tuple(out)), (f"{case.id}: torch returns {len(ours)} outputs, "
                                              f"NumPy {len(_as_tuple(out))}")
    for k, (o_np, o_t) in enumerate(zip(_as_tuple(out), ours, strict=True)):
        _assert_close(o_t, o_np, case, f"torch twin vs NumPy forward, output {k}")

    if case.builtin is not None:
        tensors, hp_t = _torch_args(case, arrays, hp, device)
        theirs = _as_tuple(case.builtin(*tensors, **hp_t))
        for k, (o_np, o_b) in enumerate(zip(_as_tuple(out), theirs, strict=True)):
            _assert_close(o_b, o_np, case, f"built-in vs NumPy forward, output {k}")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@given(data=st.data())
def test_backward_parity(case, device, data):
    skip_float64_on_mps(device)
    arrays, hp = _draw(case, data)
    out, cache = case.numpy_forward(*arrays, **hp)
    douts = _douts(out, data)
    dout_arg = douts[0] if not isinstance(out, (tuple, list)) else tuple(douts)
    douts_before = [d.copy() for d in douts]
    grads = case.numpy_backward(dout_arg, cache)
    assert isinstance(grads, tuple), f"{case.id}: backward must return a tuple, got {type(grads).__name__}"
    diff = _differentiable(case, arrays)
    assert len(grads) == len(diff), (f"{case.id}: backward returned {len(grads)} gradients for the "
                                     f"{len(diff)} differentiable inputs {diff} (see constant_args)")
    for d, d0 in zip(douts, douts_before, strict=True):
        np.testing.assert_array_equal(d, d0, err_msg=f"{case.id}: backward modified dout")
    for g, i in zip(grads, diff, strict=True):
        assert np.shape(g) == arrays[i].shape, f"{case.id}: gradient {i} has shape {np.shape(g)}"

    ours = _torch_grads(case.torch_fn, case, arrays, hp, douts, device)
    for g_np, g_t, i in zip(grads, ours, diff, strict=True):
        _assert_close(g_t, g_np, case, f"torch autograd vs NumPy backward, input {i}")
    if case.builtin is not None:
        theirs = _torch_grads(case.builtin, case, arrays, hp, douts, device)
        for g_np, g_b, i in zip(grads, theirs, diff, strict=True):
            _assert_close(g_b, g_np, case, f"built-in autograd vs NumPy backward, input {i}")


@pytest.mark.parametrize("case", FD_CASES, ids=_ids(FD_CASES))
@given(data=st.data())
def test_backward_finite_differences(case, data):
    arrays, hp = _draw(case, data)
    out, cache = case.numpy_forward(*arrays, **hp)
    douts = _douts(out, data)
    single = not isinstance(out, (tuple, list))
    grads = case.numpy_backward(douts[0] if single else tuple(douts), cache)
    for g, i in zip(grads, _differentiable(case, arrays), strict=True):
        def f(x, i=i):
            args = list(arrays)
            args[i] = x
            return _float_outputs(case.numpy_forward(*args, **hp)[0])

        numeric = numerical_gradient(f, np.array(arrays[i], dtype=np.float64), douts)
        err = np.max(np.abs(numeric - g), initial=0.0)
        bound = case.fd_atol + case.fd_rtol * np.max(np.abs(numeric), initial=0.0)
        assert err <= bound, (f"{case.id}: NumPy backward vs finite differences for input {i}: max abs error "
                              f"{err:.3g} > {bound:.3g} (relative error {rel_error(g, numeric):.3g})")


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@given(data=st.data())
def test_torch_twin_keeps_float32(case, device, data):
    """Dtype-agnostic: float32 in, float32 out, close to the float64 reference (on CUDA with TF32 off)."""
    arrays, hp = _draw(case, data)
    out, _ = case.numpy_forward(*arrays, **hp)
    tensors, hp_t = _torch_args(case, arrays, hp, device, dtype=torch.float32)
    with torch.no_grad():
        ours = _float_outputs(case.torch_fn(*tensors, **hp_t))
    for o_np, o_t in zip(_float_outputs(out), ours, strict=True):
        assert o_t.dtype == torch.float32, f"{case.id}: float32 inputs gave a {o_t.dtype} output"
        assert o_t.device.type == device.type, f"{case.id}: float32 output on {o_t.device}, inputs on {device}"
        err = rel_error(o_t, o_np)
        assert err < 1e-4, f"{case.id}: float32 output far from the float64 one: relative error {err:.2g}"
