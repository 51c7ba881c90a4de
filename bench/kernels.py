"""Layer benchmarks as ratios: the NumPy reference vs our PyTorch twin vs PyTorch's built-in, on the same inputs.

Each case draws float64 inputs once, then times (interleaved, see :mod:`bench.harness`) the NumPy reference in
float64 (its own dtype) and in float32, our torch twin and the built-in in float32, forward only and forward +
backward. Before timing, every row's output is compared with the built-in's, so a ratio never compares
different computations. When a CUDA device is present the torch rows run on it too (with synchronisation) and
report their speed-up over the CPU. CUDA rows compute in IEEE float32 like the CPU rows: TF32 (cuDNN's default for
convolutions on Ampere and later GPUs) is switched off, and a separate row shows F.conv2d with TF32 on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .harness import ratio, time_interleaved


@dataclass
class Case:
    """One layer on one input: what to run, on which arrays, and which row is the yardstick."""

    suite: str
    group: str
    label: str
    make: Callable[[np.random.Generator], list]  # float64 inputs
    numpy: dict  # impl -> (forward, backward or None)
    torch: dict  # impl -> fn(*tensors)
    reference: str  # a key of ``torch``: the built-in
    pick: Callable = lambda out: out  # the output that gets a gradient
    np_dout: Callable = lambda d: d  # how the NumPy backward wants the upstream gradient
    numpy_dtypes: tuple = ("float64", "float32")
    backward: bool = True
    grad_args: tuple | None = None  # indices of the inputs that get gradients (default: all)
    cuda_rows: dict | None = None  # extra torch rows measured on CUDA only (impl -> fn)
    cuda_only: bool = False  # a size that only a GPU runs in the suite's time budget


def _np_fns(fwd, bwd, arrays, case):
    out = case.pick(fwd(*arrays)[0])
    dout = np.ones_like(out)
    forward = lambda: fwd(*arrays)
    if bwd is None or not case.backward:
        return forward, None, out

    def both():
        result, cache = fwd(*arrays)
        return bwd(case.np_dout(dout), cache)

    return forward, both, out


def _torch_fns(fn, tensors, case, device):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    with torch.no_grad():
        out = case.pick(fn(*tensors)).detach().clone()  # a copy: in-place optimizers change their result later
    grad = torch.ones_like(out)
    wanted = range(len(tensors)) if case.grad_args is None else case.grad_args
    leaves = [t.detach().clone().requires_grad_(i in wanted) for i, t in enumerate(tensors)]

    def forward():
        with torch.no_grad():
            fn(*tensors)
        sync()

    def both():
        for t in leaves:
            t.grad = None
        case.pick(fn(*leaves)).backward(grad)
        sync()

    return forward, (both if case.backward else None), out


def _agree(out, reference) -> bool:
    a = np.asarray(out.detach().cpu() if isinstance(out, torch.Tensor) else out, dtype=np.float64)
    b = np.asarray(reference.detach().cpu(), dtype=np.float64)
    scale = max(1.0, float(np.abs(b).max()))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale))


def run_case(case: Case, *, repeats: int, cuda: bool) -> list[dict]:
    """Time every implementation of ``case``; one result block per mode (forward, forward+backward)."""
    rng = np.random.default_rng(0)
    arrays64 = case.make(rng)
    fns: dict[str, dict] = {"forward": {}, "forward+backward": {}}
    meta, outputs = {}, {}
    devices = (["cpu"] if not case.cuda_only else []) + (["cuda"] if cuda else [])
    for device in devices:
        tensors = [torch.tensor(a, dtype=torch.float32 if a.dtype.kind == "f" else None, device=device)
                   for a in arrays64]
        rows = {**case.torch, **(case.cuda_rows or {})} if device == "cuda" else case.torch
        for impl, fn in rows.items():
            key = f"{impl} [{device}]"
            fwd, both, outputs[key] = _torch_fns(fn, tensors, case, device)
            meta[key] = {"impl": impl, "kind": "built-in" if impl == case.reference else "ours (torch)",
                         "dtype": "float32", "device": device}
            fns["forward"][key] = fwd
            if both is not None:
                fns["forward+backward"][key] = both
    for impl, (fwd, bwd) in case.numpy.items():
        for dtype in case.numpy_dtypes:
            arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays64]
            key = f"{impl} [{dtype}]"
            forward, both, outputs[key] = _np_fns(fwd, bwd, arrays, case)
            meta[key] = {"impl": impl, "kind": "ours (NumPy)", "dtype": dtype, "device": "cpu"}
            fns["forward"][key] = forward
            if both is not None:
                fns["forward+backward"][key] = both
    blocks = []
    for mode, group_fns in fns.items():
        if not group_fns:
            continue
        stats = time_interleaved(group_fns, repeats=repeats, max_total_s=20.0)
        rows = []
        for key, s in stats.items():
            device = meta[key]["device"]
            ref = stats[f"{case.reference} [{device}]"]["median_s"]
            ref_out = outputs[f"{case.reference} [{device}]"]
            row = {**meta[key], **s, "ratio": ratio(s["median_s"], ref), "agrees": _agree(outputs[key], ref_out)}
            cpu_key = key.replace("[cuda]", "[cpu]")
            if device == "cuda" and cpu_key in stats:
                row["speedup_vs_cpu"] = ratio(stats[cpu_key]["median_s"], s["median_s"])
            rows.append(row)
        mode = "step" if case.suite == "optim" else mode
        blocks.append({"suite": case.suite, "group": case.group, "label": case.label, "mode": mode,
                       "reference": case.reference, "rows": rows})
    return blocks


# ------------------------------------------------------------------------------------------------ the cases
def _normal(rng, *shape):
    return rng.standard_normal(shape)


def _conv_case(label, n, c_in, c_out, hw, naive: bool) -> Case:
    make = lambda rng: [_normal(rng, n, c_in, hw, hw), 0.2 * _normal(rng, c_out, c_in, 3, 3), _normal(rng, c_out)]
    numpy = {"NumPy im2col conv2d_forward": (lambda x, w, b: hn.conv2d_forward(x, w, b, padding=1), hn.conv2d_backward)}
    torch_rows = {
        "ours: ht.conv2d (unfold view + matmul)": lambda x, w, b: ht.conv2d(x, w, b, padding=1),
        "F.unfold + matmul (PyTorch's im2col)": _unfold_conv,
        "F.conv2d": lambda x, w, b: F.conv2d(x, w, b, padding=1),
    }
    if naive is None:  # a GPU-sized layer: only the torch rows, only on CUDA
        numpy = {}
    if naive:
        numpy = {"NumPy naive loops conv2d_naive_forward":
                 (lambda x, w, b: hn.conv2d_naive_forward(x, w, b, padding=1), hn.conv2d_naive_backward), **numpy}
        torch_rows = {"ours: ht.conv2d_naive (loops)": lambda x, w, b: ht.conv2d_naive(x, w, b, padding=1),
                      **torch_rows}
    return Case("conv", "conv2d", label, make, numpy, torch_rows, "F.conv2d",
                numpy_dtypes=("float64",) if naive else ("float64", "float32"), backward=not naive,
                cuda_rows={"F.conv2d with TF32 (cuDNN's default on this GPU)": _tf32_conv}, cuda_only=naive is None)


def _tf32_conv(x, w, b):
    """F.conv2d as cuDNN runs it by default on Ampere and later GPUs: inputs rounded to TF32 (10-bit mantissa)."""
    torch.backends.cudnn.allow_tf32 = True
    try:
        return F.conv2d(x, w, b, padding=1)
    finally:
        torch.backends.cudnn.allow_tf32 = False


def _unfold_conv(x, w, b):
    """PyTorch's own im2col (``F.unfold`` copies the patches) + a matmul: the textbook route with built-in parts."""
    n, _, h, wd = x.shape
    cols = F.unfold(x, w.shape[2:], padding=1)  # (N, C_in*kH*kW, L)
    return (w.reshape(w.shape[0], -1) @ cols).reshape(n, w.shape[0], h, wd) + b.view(1, -1, 1, 1)


def _window_view(x, k=2):
    """The k×k, stride-k windows as a strided view (N, C, k, k, H/k, W/k): the alternative to F.unfold's copy."""
    return ht.conv.im2col(x, (k, k), (k, k), (1, 1), (x.shape[2] // k, x.shape[3] // k))


def _bn_make(rng):
    return [_normal(rng, 32, 32, 32, 32), 1 + 0.1 * _normal(rng, 32), 0.1 * _normal(rng, 32), np.zeros(32), np.ones(32)]


def _lstm_builtin(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    # What nn.LSTM calls: (input, (h, c), weights, has_biases, layers, dropout, train, bidirectional, batch_first).
    # train=True: cuDNN's RNN backward refuses eval mode; with dropout 0 both modes compute the same thing.
    return torch.lstm(x, (h0[None], c0[None]), [w_ih, w_hh, b_ih, b_hh], True, 1, 0.0, True, False, False)[0]


def _lstm_make(rng, t=32, n=32, d=64, h=128):
    s = 1 / np.sqrt(h)
    return [_normal(rng, t, n, d), _normal(rng, n, h), _normal(rng, n, h), s * _normal(rng, 4 * h, d),
            s * _normal(rng, 4 * h, h), s * _normal(rng, 4 * h), s * _normal(rng, 4 * h)]


def _mha_make(rng, n=8, seq=64, e=128):
    s = 1 / np.sqrt(e)
    return [_normal(rng, n, seq, e), _normal(rng, n, seq, e), _normal(rng, n, seq, e), s * _normal(rng, 3 * e, e),
            np.zeros(3 * e), s * _normal(rng, e, e), np.zeros(e)]


def _mha_builtin(q, k, v, w_in, b_in, w_out, b_out):
    out, weights = F.multi_head_attention_forward(
        q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), q.shape[-1], 8, w_in, b_in, None, None, False, 0.0,
        w_out, b_out, training=False, need_weights=True, average_attn_weights=False)
    return out.transpose(0, 1), weights


def _optimizer_cases(size: int) -> list[Case]:
    """One step on a parameter vector: NumPy/torch functional steps vs torch.optim (in place)."""
    make = lambda rng: [_normal(rng, size), _normal(rng, size), np.zeros(size), np.zeros(size)]
    label = f"one step on {size:,} parameters"

    def builtin(cls, **hp):
        cache = {}

        def step(p, g, *_):
            key = (p.data_ptr(), p.device.type)
            if key not in cache:  # one optimizer per input: its state lives across calls, as in training
                leaf = p.clone()
                leaf.grad = g.clone()
                cache[key] = (leaf, cls([leaf], **hp))
            leaf, opt = cache[key]
            opt.step()
            return leaf

        return step

    adam = Case("optim", "Adam step", label, make,
                {"NumPy hn.adam_step": (lambda p, g, m, v: hn.adam_step(p, g, m, v, step=1, lr=1e-3), None)},
                {"ours: ht.adam_step": lambda p, g, m, v: ht.adam_step(p, g, m, v, step=1, lr=1e-3)[0],
                 "torch.optim.Adam": builtin(torch.optim.Adam, lr=1e-3)},
                "torch.optim.Adam", pick=lambda out: out[0] if isinstance(out, tuple) else out, backward=False)
    sgd = Case("optim", "SGD momentum step", label, make,
               {"NumPy hn.sgd_step": (lambda p, g, b, _: hn.sgd_step(p, g, b, lr=1e-2, momentum=0.9), None)},
               {"ours: ht.sgd_step": lambda p, g, b, _: ht.sgd_step(p, g, b, lr=1e-2, momentum=0.9)[0],
                "torch.optim.SGD": builtin(torch.optim.SGD, lr=1e-2, momentum=0.9)},
               "torch.optim.SGD", pick=lambda out: out[0] if isinstance(out, tuple) else out, backward=False)
    return [adam, sgd]


def cases(quick: bool = False) -> list[Case]:
    """Every case, in the order of the book. ``quick`` shrinks nothing but the repeats (see run.py)."""
    pool = lambda name, np_f, np_b, t_f, f_f, view_f: Case(
        "pool", name, "N=32, C=32, 32×32, 2×2 windows, stride 2", lambda rng: [_normal(rng, 32, 32, 32, 32)],
        {f"NumPy {np_f.__name__}": (lambda x: np_f(x, kernel_size=2), np_b)},
        {f"ours: ht.{t_f.__name__} (unfold copy + reduction)": lambda x: t_f(x, kernel_size=2),
         "strided view + reduction (no copy)": view_f, f"F.{f_f.__name__}": lambda x: f_f(x, 2)},
        f"F.{f_f.__name__}")
    return [
        Case("linear", "linear (affine)", "N=128, 512 → 256 features",
             lambda rng: [_normal(rng, 128, 512), _normal(rng, 256, 512) / 20, _normal(rng, 256)],
             {"NumPy affine_forward": (hn.affine_forward, hn.affine_backward)},
             {"ours: ht.affine": ht.affine, "F.linear": F.linear}, "F.linear"),
        _conv_case("N=32, C 16→32, 32×32, 3×3, padding 1 (a typical layer)", 32, 16, 32, 32, naive=False),
        _conv_case("N=2, C 3→8, 16×16, 3×3, padding 1 (small: the naive loops)", 2, 3, 8, 16, naive=True),
        _conv_case("N=64, C 64→64, 56×56, 3×3, padding 1 (a ResNet layer; CUDA only)", 64, 64, 64, 56, naive=None),
        pool("max_pool2d", hn.max_pool2d_forward, hn.max_pool2d_backward, ht.max_pool2d, F.max_pool2d,
             lambda x: _window_view(x).max(dim=3).values.max(dim=2).values),
        pool("avg_pool2d", hn.avg_pool2d_forward, hn.avg_pool2d_backward, ht.avg_pool2d, F.avg_pool2d,
             lambda x: _window_view(x).mean(dim=(2, 3))),
        Case("batchnorm", "batch norm (spatial, training)", "N=32, C=32, 32×32", _bn_make,
             {"NumPy spatial_batch_norm_forward": (hn.spatial_batch_norm_forward, hn.spatial_batch_norm_backward)},
             {"ours: ht.spatial_batch_norm": ht.spatial_batch_norm,
              "F.batch_norm": lambda x, g, b, m, v: F.batch_norm(x, m.clone(), v.clone(), g, b, training=True)},
             "F.batch_norm", grad_args=(0, 1, 2)),
        Case("lstm", "LSTM layer", "T=32 steps, N=32, 64 → 128 hidden", _lstm_make,
             {"NumPy lstm_layer_forward": (hn.lstm_layer_forward, hn.lstm_layer_backward)},
             {"ours: ht.lstm_layer": ht.lstm_layer, "torch.lstm (nn.LSTM's kernel)": _lstm_builtin},
             "torch.lstm (nn.LSTM's kernel)"),
        Case("attention", "scaled dot-product attention", "batch×heads=32, L=S=128, d=64",
             lambda rng: [_normal(rng, 32, 128, 64) for _ in range(3)],
             {"NumPy scaled_dot_product_attention_forward":
              (hn.scaled_dot_product_attention_forward, hn.scaled_dot_product_attention_backward)},
             {"ours: ht.scaled_dot_product_attention": lambda q, k, v: ht.scaled_dot_product_attention(q, k, v)[0],
              "F.scaled_dot_product_attention": F.scaled_dot_product_attention},
             "F.scaled_dot_product_attention", pick=lambda out: out[0] if isinstance(out, tuple) else out,
             np_dout=lambda d: (d, None)),
        Case("attention", "multi-head attention", "N=8, L=64, E=128, 8 heads (weights returned)", _mha_make,
             {"NumPy multi_head_attention_forward":
              (lambda *a: hn.multi_head_attention_forward(*a, num_heads=8), hn.multi_head_attention_backward)},
             {"ours: ht.multi_head_attention": lambda *a: ht.multi_head_attention(*a, num_heads=8),
              "F.multi_head_attention_forward": _mha_builtin},
             "F.multi_head_attention_forward", pick=lambda out: out[0], np_dout=lambda d: (d, None)),
        *_optimizer_cases(1_000_000),
    ]


SUITES = ("linear", "conv", "pool", "batchnorm", "lstm", "attention", "optim")


def run(suites=SUITES, *, repeats: int = 15, cuda: bool = False, log=print) -> list[dict]:
    """All result blocks of the chosen kernel suites (CUDA rows in IEEE float32: TF32 off, see the docstring)."""
    if cuda:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    blocks = []
    for case in cases():
        if case.cuda_only and not cuda:
            continue
        if case.suite in suites:
            log(f"  {case.group}: {case.label}")
            blocks += run_case(case, repeats=repeats, cuda=cuda)
    return blocks
