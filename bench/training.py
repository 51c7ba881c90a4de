"""One chapter's training end to end on each device: the chapter-10 small CNN on the 8×8 digits.

``helpers.labs.cnn_training.fit`` with ``device=`` (the same seed, weights and batches on every device); on CUDA the
clock is read after ``torch.cuda.synchronize()`` (kernels run asynchronously: without it the timer would stop
while the GPU is still working). The CUDA context is created before the clock starts; the first batches still
include one-off work (cuDNN choosing its kernels, the memory pool growing), as they do in a notebook.
"""

from __future__ import annotations

import time

import torch


def _run(device: str, epochs: int) -> dict:
    from helpers.labs import cnn_training as ct

    data = ct.digit_images()
    torch.manual_seed(0)
    model = ct.small_cnn()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    torch.zeros(1, device=device)  # create the CUDA context before the clock starts: a one-off cost per process
    sync()
    start = time.perf_counter()
    history = ct.fit(model, data, epochs=epochs, device=device)  # the data moves to the device inside the timing
    sync()
    seconds = time.perf_counter() - start
    name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (1 thread)"
    return {"what": f"chapter 10: small_cnn on the digits, {epochs} epochs of Adam, batch 64", "device": device,
            "device_name": name, "seconds": seconds, "val_acc": history.val_acc[-1], "val_loss": history.val_loss[-1]}


def run(*, quick: bool = False, cuda: bool = False, log=print) -> list[dict]:
    epochs = 2 if quick else 5
    rows = [_run("cpu", epochs)]
    if cuda:
        rows.append(_run("cuda", epochs))
        rows[-1]["speedup_vs_cpu"] = rows[0]["seconds"] / rows[-1]["seconds"]
    for r in rows:
        log(f"  {r['device']}: {r['seconds']:.2f} s, validation accuracy {r['val_acc']:.3f}")
    return rows
