"""Show that the forced kernels of ``make test-portable`` really compute different float results.

Runs a few float32 computations (NumPy matmul through OpenBLAS, NumPy's own SIMD loops, torch matmul, a oneDNN
convolution, torch's vectorised elementwise kernels) once natively and once in a subprocess with the
environment of ``make test-portable``, and prints a digest of each result's bytes. Exits 1 when no result differs:
then the forced run would test nothing a native run does not.

    python tools/kernel_evidence.py            # compares native vs. the FORCED environment below
    python tools/kernel_evidence.py --env      # the variables, for the Makefile
    python tools/kernel_evidence.py --digests  # (internal) prints the digests of this process
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys

#: other kernels on the same machine (the Makefile's test-portable target reads them with --env)
FORCED = {
    "ATEN_CPU_CAPABILITY": "default",  # torch: scalar instead of AVX2/AVX-512 vectorised CPU kernels
    "ONEDNN_MAX_CPU_ISA": "SSE41",  # oneDNN convolutions and matmuls without AVX
    "OPENBLAS_CORETYPE": "Sandybridge",  # NumPy's OpenBLAS: the Sandy Bridge (AVX, no FMA) kernels
    "NPY_DISABLE_CPU_FEATURES": "AVX2 FMA3",  # NumPy's own SIMD loops (exp, log, sin, ...) without AVX2/FMA
}


def digests() -> dict[str, str]:
    import numpy as np
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((96, 257)).astype(np.float32)
    b = rng.standard_normal((257, 64)).astype(np.float32)
    x = torch.from_numpy(rng.standard_normal((2, 8, 32, 32)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((16, 8, 3, 3)).astype(np.float32))
    v = rng.standard_normal(4099).astype(np.float64) * 3
    results = {
        "numpy float32 matmul (OpenBLAS)": a @ b,
        "numpy float64 exp/sin/log (SIMD loops)": np.exp(v) + np.sin(v) + np.log1p(np.abs(v)),
        "torch float32 matmul": (torch.from_numpy(a) @ torch.from_numpy(b)).numpy(),
        "torch float32 conv2d (oneDNN)": torch.nn.functional.conv2d(x, w, padding=1).numpy(),
        "torch float32 tanh/exp/sum (ATen kernels)": torch.stack(
            [torch.tanh(x).sum(dim=(2, 3)), torch.exp(x / 4).sum(dim=(2, 3))]).numpy(),
    }
    return {name: hashlib.sha256(np.ascontiguousarray(r).tobytes()).hexdigest()[:16] for name, r in results.items()}


def main() -> int:
    if "--env" in sys.argv:  # the Makefile's test-portable target takes the variables from here
        print(" ".join(f"{k}={shlex.quote(v)}" for k, v in FORCED.items()))
        return 0
    if "--digests" in sys.argv:
        print(json.dumps(digests()))
        return 0
    env_native = {k: v for k, v in os.environ.items() if k not in FORCED}
    run = [sys.executable, __file__, "--digests"]
    native = json.loads(subprocess.run(run, env=env_native, capture_output=True, text=True, check=True).stdout)
    forced = json.loads(subprocess.run(run, env={**env_native, **FORCED}, capture_output=True, text=True,
                                       check=True).stdout)
    print("Forced kernels: " + " ".join(f"{k}={v!r}" for k, v in FORCED.items()))
    differ = 0
    for name in native:
        same = native[name] == forced[name]
        differ += not same
        print(f"  {name:45s} native {native[name]}  forced {forced[name]}  {'same' if same else 'DIFFERS'}")
    print(f"{differ} of {len(native)} results differ bitwise under the forced kernels.")
    if differ == 0:
        print("The forced environment changes nothing on this machine: the portability run would prove nothing.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
