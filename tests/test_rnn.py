"""Chapter 11 tests that do not fit the parity registry: the LSTM cell (two outputs), finite differences of
the NumPy BPTT with losses on single time steps, the eigenvalue / vanishing-gradient claims of the chapter,
gradient clipping against PyTorch's utilities, and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.func import functional_call

import helpers.numpy_impl as hn
import helpers.torch_impl as ht


def _numerical_grad(f, a, eps=1e-6):
    """Centred differences of the scalar f() w.r.t. every entry of a (changed in place, then restored)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        fp = f()
        a[idx] = old - eps
        fm = f()
        a[idx] = old
        g[idx] = (fp - fm) / (2 * eps)
    return g


def _lstm_arrays(rng, N=2, D=3, H=2):
    return [
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((N, H)),
        rng.normal(0, 0.7, (4 * H, D)),
        rng.normal(0, 0.7, (4 * H, H)),
        rng.normal(0, 0.3, 4 * H),
        rng.normal(0, 0.3, 4 * H),
    ]


@pytest.mark.parametrize("seed", range(4))
def test_lstm_cell_matches_numpy_ours_and_torch_lstmcell(seed):
    rng = np.random.default_rng(seed)
    arrays = _lstm_arrays(rng)
    (h, c), cache = hn.lstm_cell_forward(*arrays)
    dh, dc = rng.standard_normal(h.shape), rng.standard_normal(c.shape)
    grads = hn.lstm_cell_backward((dh, dc), cache)
    assert isinstance(grads, tuple) and len(grads) == len(arrays)

    ours = [torch.tensor(a, requires_grad=True) for a in arrays]
    builtin = [torch.tensor(a, requires_grad=True) for a in arrays]
    h1, c1 = ht.lstm_cell(*ours)
    cell = torch.nn.LSTMCell(3, 2).double()
    params = dict(zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), builtin[3:], strict=True))
    h2, c2 = functional_call(cell, params, (builtin[0], (builtin[1], builtin[2])), strict=True)
    for got_h, got_c, inputs in ((h1, c1, ours), (h2, c2, builtin)):
        np.testing.assert_allclose(got_h.detach().numpy(), h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got_c.detach().numpy(), c, rtol=1e-10, atol=1e-12)
        loss = (got_h * torch.tensor(dh)).sum() + (got_c * torch.tensor(dc)).sum()
        for g, t in zip(grads, torch.autograd.grad(loss, inputs), strict=True):
            np.testing.assert_allclose(g, t.numpy(), rtol=1e-8, atol=1e-10)

    def loss_np():
        (h_, c_), _ = hn.lstm_cell_forward(*arrays)
        return float((h_ * dh).sum() + (c_ * dc).sum())

    for g, a in zip(grads, arrays, strict=True):
        np.testing.assert_allclose(g, _numerical_grad(loss_np, a), rtol=1e-5, atol=1e-8)


def _layer_inputs(mode, rng, T=5, N=2, D=2, H=3):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[mode]
    states = [rng.standard_normal((N, H)) for _ in range(2 if mode == "lstm" else 1)]
    return [
        rng.standard_normal((T, N, D)),
        *states,
        rng.normal(0, 0.6, (gates * H, D)),
        rng.normal(0, 0.6, (gates * H, H)),
        rng.normal(0, 0.3, gates * H),
        rng.normal(0, 0.3, gates * H),
    ]


@pytest.mark.parametrize("mode", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("t_loss", [0, 2, 4])
def test_bptt_matches_finite_differences_for_a_loss_on_one_time_step(mode, t_loss):
    """A loss on h_t alone: steps after t receive no gradient, steps before get it only through time."""
    forward = getattr(hn, f"{mode}_layer_forward")
    backward = getattr(hn, f"{mode}_layer_backward")
    rng = np.random.default_rng(7)
    arrays = _layer_inputs(mode, rng)
    out, cache = forward(*arrays)
    dout = np.zeros_like(out)
    dout[t_loss] = rng.standard_normal(out.shape[1:])
    grads = backward(dout, cache)
    assert np.all(grads[0][t_loss + 1 :] == 0)  # the future cannot influence the past
    for g, a in zip(grads, arrays, strict=True):
        num = _numerical_grad(lambda: float((forward(*arrays)[0] * dout).sum()), a)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_weight_gradient_is_the_sum_of_per_step_gradients():
    """Parameter sharing: dW_hh of the unrolled layer = sum over steps of the cells' dW_hh."""
    rng = np.random.default_rng(3)
    arrays = _layer_inputs("rnn", rng)
    out, cache = hn.rnn_layer_forward(*arrays)
    dout = rng.standard_normal(out.shape)
    grads = hn.rnn_layer_backward(dout, cache)
    dh, total = np.zeros_like(arrays[1]), np.zeros_like(arrays[3])
    for t in reversed(range(len(cache))):
        _, dh, _, dw_hh, _, _ = hn.rnn_cell_backward(dout[t] + dh, cache[t])
        total += dw_hh
    np.testing.assert_allclose(grads[3], total)


# ---------------------------------------------------------------- eigenvalues, vanishing/exploding gradients
def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.1, 1.5])
def test_linear_rnn_gradient_scales_as_spectral_radius_power(rho):
    """h_t = W h_{t-1}, W = rho * Q (Q orthogonal, |eigenvalues| = rho): ||dL/dh_0|| = rho^T ||dL/dh_T||."""
    rng = np.random.default_rng(0)
    w = rho * _orthogonal(rng, 6)
    assert np.allclose(np.abs(np.linalg.eigvals(w)), rho)
    g = rng.standard_normal(6)
    for steps in (1, 10, 30):
        back = g.copy()
        for _ in range(steps):
            back = w.T @ back  # one step of BPTT through a linear cell
        assert np.isclose(np.linalg.norm(back), rho**steps * np.linalg.norm(g))


def test_tanh_rnn_gradient_is_bounded_by_spectral_norm_power():
    """|tanh'| <= 1, so ||dL/dh_{T-k}|| <= ||W||_2^k ||dL/dh_T||: a contracting W makes gradients vanish."""
    rng = np.random.default_rng(1)
    H, T = 5, 40
    w_hh = 0.8 * _orthogonal(rng, H)
    arrays = [
        rng.standard_normal((T, 1, 2)),
        np.zeros((1, H)),
        rng.normal(0, 0.5, (H, 2)),
        w_hh,
        np.zeros(H),
        np.zeros(H),
    ]
    _, cache = hn.rnn_layer_forward(*arrays)
    dh, norms = np.ones((1, H)), []  # dL/dh_T for L = sum(h_T)
    for t in reversed(range(T)):
        _, dh, *_ = hn.rnn_cell_backward(dh, cache[t])  # now dL/dh_{t-1}
        norms.append(np.linalg.norm(dh))
    steps = np.arange(1, T + 1)
    assert np.all(np.array(norms) <= 0.8**steps * np.sqrt(H) + 1e-15)
    assert norms[-1] < 1e-3 * norms[0]


def test_non_normal_matrix_grows_before_it_decays():
    """The notes write W = Q Lambda Q^T, true only for symmetric (normal) W. A non-normal W with
    |eigenvalues| < 1 can amplify gradients for many steps before the eigenvalues win."""
    w = np.array([[0.9, 5.0], [0.0, 0.9]])
    assert np.max(np.abs(np.linalg.eigvals(w))) < 1
    norms = [np.linalg.norm(np.linalg.matrix_power(w, k), 2) for k in range(100)]
    assert max(norms) > 10  # transient growth ...
    assert norms[-1] < 0.1  # ... then decay


def test_lstm_cell_state_carries_gradient_unchanged_when_forget_gate_is_open():
    """With f = 1 (large forget bias), i = 0 and o = 0, c_t = c_{t-1}: dL/dc_0 = dL/dc_T exactly,
    however long the sequence: no vanishing along the cell 'highway'."""
    rng = np.random.default_rng(2)
    H, D, T = 3, 2, 50
    b = np.zeros(4 * H)
    b[:H], b[H : 2 * H], b[3 * H :] = -60.0, 60.0, -60.0  # i ~ 0, f ~ 1, o ~ 0
    x = rng.standard_normal((T, 1, D))
    c = rng.standard_normal((1, H))
    h = np.zeros((1, H))
    w_ih, w_hh = rng.normal(0, 0.1, (4 * H, D)), rng.normal(0, 0.1, (4 * H, H))
    caches = []
    for x_t in x:
        (h, c), cache = hn.lstm_cell_forward(x_t, h, c, w_ih, w_hh, b, np.zeros(4 * H))
        caches.append(cache)
    dc, dh = np.ones((1, H)), np.zeros((1, H))
    for cache in reversed(caches):
        _, dh, dc, *_ = hn.lstm_cell_backward((dh, dc), cache)
    np.testing.assert_allclose(dc, 1.0, atol=1e-12)


# ---------------------------------------------------------------- gradient clipping
_grad_lists = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 3), st.floats(0.01, 10.0))


@given(_grad_lists, st.sampled_from([2.0, 1.0, 3.0, float("inf")]))
def test_clip_grad_norm_matches_torch(drawn, norm_type):
    seed, count, max_norm = drawn
    rng = np.random.default_rng(seed)
    grads = [
        rng.standard_normal(rng.integers(1, 4, size=rng.integers(1, 3))) * rng.uniform(0.1, 5)
        for _ in range(count)
    ]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    total_ref = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type, foreach=False)
    before = [g.copy() for g in grads]
    clipped, total = hn.clip_grad_norm(grads, max_norm=max_norm, norm_type=norm_type)
    clipped_t, total_t = ht.clip_grad_norm(
        [torch.tensor(g) for g in grads], max_norm=max_norm, norm_type=norm_type
    )
    assert np.isclose(total, total_ref.item()) and np.isclose(total_t.item(), total_ref.item())
    for c, ct, p, b, g in zip(clipped, clipped_t, params, before, grads, strict=True):
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ct.numpy(), p.grad.numpy(), rtol=1e-12)
        np.testing.assert_array_equal(g, b)  # no mutation of the inputs


@given(_grad_lists)
def test_clip_grad_value_matches_torch(drawn):
    seed, count, clip_value = drawn
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal((2, 3)) * 3 for _ in range(count)]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_(params, clip_value, foreach=False)
    clipped = hn.clip_grad_value(grads, clip_value=clip_value)
    clipped_t = ht.clip_grad_value([torch.tensor(g) for g in grads], clip_value=clip_value)
    for c, ct, p in zip(clipped, clipped_t, params, strict=True):
        np.testing.assert_array_equal(c, p.grad.numpy())
        np.testing.assert_array_equal(ct.numpy(), p.grad.numpy())


def test_clip_grad_norm_keeps_direction_and_leaves_small_gradients_alone():
    g = [np.array([3.0, 4.0])]
    clipped, total = hn.clip_grad_norm(g, max_norm=1.0)
    assert total == 5.0 and np.allclose(clipped[0], [0.6, 0.8], atol=1e-6)
    small, _ = hn.clip_grad_norm(g, max_norm=10.0)
    np.testing.assert_array_equal(small[0], g[0])


# ---------------------------------------------------------------- validation messages
def _rnn_args(lib, T=3, N=2, D=2, H=4, gates=1):
    make = np.zeros if lib is hn else (lambda s: torch.zeros(s, dtype=torch.float64))
    return [
        make((T, N, D)),
        make((N, H)),
        make((gates * H, D)),
        make((gates * H, H)),
        make(gates * H),
        make(gates * H),
    ]


@pytest.mark.parametrize("lib,fn", [(hn, "rnn_layer_forward"), (ht, "rnn_layer")])
def test_validation_messages_of_the_layer(lib, fn):
    f = getattr(lib, fn)
    args = _rnn_args(lib)
    with pytest.raises(
        ValueError, match=rf"The 'h0' argument of {fn} must have shape \(2, 4\). Got \(2, 3\)"
    ):
        f(args[0], args[1][:, :3], *args[2:])
    with pytest.raises(
        ValueError, match=rf"The 'w_ih' argument of {fn} must have shape \(4, 2\). Got \(4, 5\)"
    ):
        f(args[0], args[1], _rnn_args(lib, D=5)[2], *args[3:])
    with pytest.raises(ValueError, match=rf"The 'x' argument of {fn} must have shape \(T, N, D\)"):
        f(args[0][0], *args[1:])
    with pytest.raises(ValueError, match=r"The 'nonlinearity' argument of rnn_cell"):
        f(*args, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=rf"The 'x' argument of {fn} must be a"):
        f([[1.0]], *args[1:])


@pytest.mark.parametrize("lib", [hn, ht])
def test_validation_messages_of_gates_and_stacks(lib):
    suffix = "_forward" if lib is hn else ""
    args = _rnn_args(lib, gates=3)
    with pytest.raises(ValueError, match=r"The 'w_hh' argument of lstm_layer.* must have shape \(16, 4\)"):
        getattr(lib, "lstm_layer" + suffix)(args[0], args[1], args[1], *args[2:])
    with pytest.raises(ValueError, match=rf"The 'mode' argument of multilayer_rnn{suffix} must be one of"):
        getattr(lib, "multilayer_rnn" + suffix)(args[0], args[1][None], *args[2:], mode="elman")
    with pytest.raises(ValueError, match=r"must be 4 arrays .* multiple of 8. Got 4"):
        getattr(lib, "multilayer_rnn" + suffix)(
            args[0], args[1][None], *args[2:], mode="gru", bidirectional=True
        )
    with pytest.raises(
        ValueError,
        match=r"The 'state0' argument of multilayer_rnn.* must have shape \(L\*D, 2, N, H\). "
        r"Got shape \(1, 2, 4\)",
    ):
        getattr(lib, "multilayer_rnn" + suffix)(args[0], args[1][None], *args[2:], mode="lstm")
    with pytest.raises(
        ValueError, match=r"The 'max_norm' argument of clip_grad_norm must be a number > 0. Got 0"
    ):
        lib.clip_grad_norm([args[1]], max_norm=0)
    with pytest.raises(
        ValueError, match=r"The 'clip_value' argument of clip_grad_value must be a number > 0"
    ):
        lib.clip_grad_value([args[1]], clip_value=-1.0)
    with pytest.raises(TypeError, match=r"The 'grads' argument of clip_grad_value must be a float"):
        lib.clip_grad_value([1, 2], clip_value=1.0)


# ---------------------------------------------------------------- exercise checkers of chapter 11
def test_chapter_11_checkers_accept_right_and_reject_wrong_answers(capsys):
    from helpers.exercises import ch11

    assert ch11.check_rnn_step(lambda *a: hn.rnn_cell_forward(*a)[0])
    assert not ch11.check_rnn_step(lambda x, h, wi, wh, bi, bh: np.tanh(x @ wi.T + h @ wh.T + bi))
    assert ch11.check_lstm_step(lambda *a: hn.lstm_cell_forward(*a)[0])

    def tanh_output_gate(x, h, c, wi, wh, bi, bh):  # the lecture notes' slip
        i, f, g, o = np.split(x @ wi.T + bi + h @ wh.T + bh, 4, axis=1)
        sig = lambda a: 1 / (1 + np.exp(-a))
        c_next = sig(f) * c + sig(i) * np.tanh(g)
        return np.tanh(o) * np.tanh(c_next), c_next

    assert not ch11.check_lstm_step(tanh_output_gate)
    assert "SIGMOID output gate" in capsys.readouterr().out
    assert ch11.check_gru_step(lambda *a: hn.gru_cell_forward(*a)[0])
    assert ch11.check_vanishing_steps(66) and not ch11.check_vanishing_steps(65)
    assert ch11.check_lstm_parameter_count(2560) and not ch11.check_lstm_parameter_count(2520)
    assert ch11.check_clip_by_norm(lambda g, m: hn.clip_grad_norm(g, max_norm=m)[0])
    assert not ch11.check_clip_by_norm(lambda g, m: [x * min(1, m / np.linalg.norm(x)) for x in g])
    assert not ch11.check_rnn_step(lambda *a: 1 / 0)


# ---------------------------------------------------------------- chapter 11's models and shipped text
def test_adding_problem_marks_one_step_per_half_and_sums_them():
    from helpers.labs.rnn_training import adding_problem

    x, y = adding_problem(50, 10, torch.Generator().manual_seed(0))
    assert x.shape == (10, 50, 2) and y.shape == (50, 1)
    markers = x[:, :, 1]
    assert torch.all(markers[:5].sum(0) == 1) and torch.all(markers[5:].sum(0) == 1)
    torch.testing.assert_close(y[:, 0], (x[:, :, 0] * markers).sum(0))
    with pytest.raises(ValueError, match="The 'steps' argument of adding_problem must be an int >= 2"):
        adding_problem(4, 1, torch.Generator())


@pytest.mark.parametrize("cell,cls", [("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)])
def test_recurrent_net_matches_torch_layer_plus_linear(cell, cls):
    from helpers.labs.rnn_training import RecurrentNet

    net = RecurrentNet(cell, 3, 5, 2, torch.Generator().manual_seed(1)).double()
    ref = cls(3, 5, dtype=torch.float64)
    params = {f"{k}_l0": getattr(net, k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    x = torch.randn(7, 4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    out, state = net(x)
    hs = functional_call(ref, params, (x,))[0]
    torch.testing.assert_close(out, hs @ net.w_out.T + net.b_out)
    torch.testing.assert_close(state[0] if cell == "lstm" else state, hs[-1])


def test_text_vocab_windows_and_deterministic_sampling():
    from helpers.data.text import CharVocab, char_windows, load_text
    from helpers.labs.rnn_training import RecurrentNet, sample_text

    text = load_text()
    assert len(text) > 4000 and text.isascii()
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    assert vocab.decode(ids) == text
    inputs, targets = char_windows(ids, 8, np.random.default_rng(0), 3)
    assert inputs.shape == (8, 3)
    np.testing.assert_array_equal(inputs[1:], targets[:-1])
    with pytest.raises(ValueError, match="The 'name' argument of load_text must be one of"):
        load_text("moby_dick")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("Zürich")
    net = RecurrentNet("lstm", len(vocab), 8, len(vocab), torch.Generator().manual_seed(0))
    a = sample_text(net, vocab, "The ", 30, 0.8, torch.Generator().manual_seed(3))
    b = sample_text(net, vocab, "The ", 30, 0.8, torch.Generator().manual_seed(3))
    assert a == b and len(a) == 34 and a.startswith("The ")
    with pytest.raises(ValueError, match="The 'temperature' argument of sample_text must be > 0"):
        sample_text(net, vocab, "The ", 5, 0.0, torch.Generator())
