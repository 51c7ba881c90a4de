"""``torch.compile`` behind a guard.

``torch.compile(model)`` returns a wrapper that, on its first call, traces the Python code into a graph
(TorchDynamo), derives the backward graph (AOTAutograd) and hands both to a backend. The default backend,
Inductor, generates fused kernels (Triton on GPUs, C++/OpenMP on CPUs); that is where the speed comes from, and
it costs seconds to minutes of compilation on the first call (and again for every new input shape). The
``"aot_eager"`` backend stops after tracing and runs the graphs with the ordinary eager kernels: cheap, no
speed-up, but it shows that the model can be captured.
"""

from __future__ import annotations

import warnings

import torch

__all__ = ["compile_model", "default_backend"]


def default_backend(device) -> str:
    """Inductor where it pays off quickly (a CUDA GPU), the cheap ``aot_eager`` tracing backend elsewhere."""
    return "inductor" if torch.device(device).type == "cuda" else "aot_eager"


def compile_model(model, example, *, backend: str | None = None):
    """``(compiled_model, backend)``: ``torch.compile(model, backend=...)``, already called once on ``example``
    (so the compilation happens here), or ``(model, "eager")`` when compilation is not available here.

    A compiled graph is specialised to what it saw (shapes, dtypes, grad mode): call it the way it was compiled,
    e.g. both times under ``torch.no_grad()``, or it compiles again."""
    backend = backend or default_backend(example.device)
    if not hasattr(torch, "compile"):
        return model, "eager"
    try:
        compiled = torch.compile(model, backend=backend)
        with warnings.catch_warnings():  # Inductor's hint to enable TF32 would change float32 results: not taken
            warnings.filterwarnings("ignore", message="TensorFloat32 tensor cores", category=UserWarning)
            compiled(example)  # compilation is lazy: it happens (and can fail) on the first call
    except Exception:  # noqa: BLE001 - unsupported platform, missing compiler, ...: fall back to eager
        return model, "eager"
    return compiled, backend
