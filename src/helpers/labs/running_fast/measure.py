"""The GPU measurements quoted in chapter 13: ``python -m helpers.labs.running_fast.measure [OUT.json]``.

Timings depend on the machine, so the chapter never prints them; it quotes the numbers this script measured
(with the date, GPU and versions it records). It needs a CUDA GPU:

1. a 4096x4096 float32 matmul timed without and with ``torch.cuda.synchronize`` (TF32 off);
2. one training step of a wide MLP (4 layers of 4096, batch 8192) in float32, TF32, bfloat16 and float16
   autocast (float16 with a GradScaler), eager and ``torch.compile``d, with the compilation time;
   and a memory-bound chain of elementwise operations (GELU written out), eager and compiled (fused);
3. host-to-GPU copies of 256 MiB from pageable and from pinned memory;
4. the chapter's data-parallel run through the NCCL backend (as many ranks as GPUs, at most 2).
"""

from __future__ import annotations

import json
import sys
import time

import torch
from torch import nn

from .distributed import DDPConfig, max_difference, run_ddp, single_process_run
from .precision import amp_train_step
from .timing import time_it


def _matmul_sync(dev) -> dict:
    a = torch.randn(4096, 4096, device=dev)
    no_sync = time_it(lambda: a @ a, device=dev, repeats=20, sync=False)
    torch.cuda.synchronize()
    sync = time_it(lambda: a @ a, device=dev, repeats=20)
    return {"matmul_4096_ms_without_sync": no_sync.median * 1e3, "matmul_4096_ms_with_sync": sync.median * 1e3}


def _wide_mlp(dev, width=4096, depth=4):
    torch.manual_seed(0)
    layers = []
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, 10)).to(dev)


def _train_steps(dev) -> dict:
    x, y = torch.randn(8192, 4096, device=dev), torch.randint(0, 10, (8192,), device=dev)
    out = {}
    for name, dtype, tf32, compiled in (("float32", torch.float32, False, False), ("tf32", torch.float32, True, False),
                                        ("bfloat16", torch.bfloat16, False, False),
                                        ("float16", torch.float16, False, False),
                                        ("bfloat16_compiled", torch.bfloat16, False, True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        model = _wide_mlp(dev)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
        step_model = model
        if compiled:
            step_model = torch.compile(model)
            start = time.perf_counter()
            amp_train_step(step_model, opt, scaler, x, y, dtype=dtype)
            torch.cuda.synchronize()
            out["compile_seconds"] = time.perf_counter() - start
        t = time_it(lambda m=step_model, o=opt, s=scaler, d=dtype: amp_train_step(m, o, s, x, y, dtype=d),
                    device=dev, repeats=20, warmup=3)
        out[f"mlp_step_ms_{name}"] = t.median * 1e3
    torch.backends.cuda.matmul.allow_tf32 = False
    return out


def _gelu_tanh(x):
    """GELU's tanh approximation written out: about eight elementwise kernels in eager mode."""
    return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))


def _fusion(dev) -> dict:
    x = torch.randn(64 * 1024 * 1024, device=dev)  # 256 MiB: memory-bound, every kernel reads and writes it all
    eager = time_it(lambda: _gelu_tanh(x), device=dev, repeats=20)
    compiled = torch.compile(_gelu_tanh)
    start = time.perf_counter()
    compiled(x)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    fused = time_it(lambda: compiled(x), device=dev, repeats=20)
    return {"gelu_ms_eager": eager.median * 1e3, "gelu_ms_compiled": fused.median * 1e3,
            "gelu_compile_seconds": seconds}


def _copies(dev) -> dict:
    host = torch.randn(64 * 1024 * 1024)  # 256 MiB of float32
    pinned = host.pin_memory()
    out = {}
    for name, src in (("pageable", host), ("pinned", pinned)):
        t = time_it(lambda s=src: s.to(dev, non_blocking=True), device=dev, repeats=10)
        out[f"copy_256MiB_GBps_{name}"] = host.numel() * 4 / t.median / 1e9
    return out


def _ddp() -> dict:
    ranks = min(2, torch.cuda.device_count())
    cfg = DDPConfig(world_size=ranks, global_batch=64)
    start = time.perf_counter()
    ddp = run_ddp(cfg)
    seconds = time.perf_counter() - start
    single = single_process_run(cfg, device="cuda")
    return {"ddp_backend": ddp.backend, "ddp_ranks": ranks, "ddp_seconds": seconds,
            "ddp_max_grad_diff": max_difference(ddp.first_grads[0], single.first_grads[0]),
            "ddp_max_param_diff": max_difference(ddp.params[0], single.params[0])}


def measure() -> dict:
    """Run every measurement on ``cuda:0``; returns a dict of numbers plus the machine description."""
    if not torch.cuda.is_available():
        raise SystemExit("helpers.labs.running_fast.measure needs a CUDA GPU.")
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    result = {"date": time.strftime("%Y-%m-%d"), "gpu": torch.cuda.get_device_name(dev),
              "gpus": torch.cuda.device_count(), "torch": torch.__version__, "cuda": torch.version.cuda}
    for part in (_matmul_sync, _train_steps, _fusion, _copies):
        result.update(part(dev))
    result.update(_ddp())
    return result


if __name__ == "__main__":
    numbers = measure()
    text = json.dumps(numbers, indent=1)
    print(text)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text + "\n")
