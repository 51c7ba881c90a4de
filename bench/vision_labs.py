"""The shapes experiments of chapters 9 and 10 (issue 18), timed per section and per device.

Each section runs exactly as its chapter cell does (:data:`SECTIONS`: the data, the training and the metrics),
and the row records wall-clock and CPU seconds, the metrics the chapter asserts, and the device. On CUDA the
clock is read after ``torch.cuda.synchronize()``.

``python -m bench.vision_labs [--seeds 0,1,2] [--device cpu|cuda] [--sections ...]`` prints one line per
section and seed (used to choose the ranges the chapters claim); ``run()`` is the entry for ``bench/run.py``
(hook it in like ``training.run``: ``suites["vision_labs"] = vision_labs.run(quick=..., cuda=..., log=log)``).
"""

from __future__ import annotations

import argparse
import os
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402


def _classifier(seed, device):
    from helpers.data import shapes as sd
    from helpers.labs import vision_labs as vl

    data = sd.load_shapes(n_images=2000, size=32, rng=seed)
    clf = vl.train_classifier(data, epochs=12, seed=seed, device=device)
    x = vl.images_tensor(data.test)[:200]
    erf = vl.effective_receptive_field(clf.model, x, upto=14)
    torch.manual_seed(seed)
    untrained = vl.effective_receptive_field(vl.shape_cnn().to(device), x, upto=14)
    return {"test_accuracy": clf.test_accuracy, "final_train_loss": clf.train_loss[-1],
            "erf90_trained": erf["mass_90"], "erf90_untrained": untrained["mass_90"], "rf": erf["rf"]}


def _transfer(seed, device):
    from helpers.data import shapes as sd
    from helpers.labs import vision_labs as vl

    data = sd.load_shapes(n_images=2000, size=32, rng=seed)
    out = {}
    for n in (3, 10):
        r = vl.transfer_experiment(data, n_per_class=n, seed=seed, device=device)
        out.update({f"{k} ({n}/class)": v for k, v in r.items()})
    return out


def _segmentation(seed, device):
    from helpers.data import shapes as sd
    from helpers.labs import segmentation as seg

    data = sd.load_shapes(n_images=1000, size=32, rng=seed + 1)
    out = {}
    for name in ("fcn", "unet"):
        r = seg.train_segmenter(name, data, epochs=8, seed=seed, device=device)
        out.update({f"{name} IoU": r.foreground_iou, f"{name} Dice": r.foreground_dice,
                    f"{name} pixel accuracy": r.pixel_accuracy})
    return out


def _detection(seed, device):
    from helpers.data import shapes as sd
    from helpers.labs import detection_lab as dl

    data = sd.load_shapes(n_images=2500, size=48, n_objects=(1, 3), fractions=(0.8, 0.0, 0.2), rng=seed + 2)
    r = dl.train_detector(data, epochs=12, seed=seed, device=device)
    m = r.metrics
    return {"mAP@0.5": m["map"], "precision@0.5": m["precision"], "recall@0.5": m["recall"],
            **{f"AP {c}": a for c, a in zip(data.target_names, m["ap"])}}


SECTIONS = {"ch09 classifier + ERF": _classifier, "ch09 transfer": _transfer,
            "ch10 segmentation": _segmentation, "ch10 detection": _detection}


def measure(section: str, *, seed: int = 0, device: str = "cpu") -> dict:
    """One section: its metrics with wall-clock and CPU seconds."""
    import helpers

    helpers.setup(seed)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    if device == "cuda":
        torch.zeros(1, device=device)  # the CUDA context is a one-off per process: outside the clock
    sync()
    wall, cpu = time.perf_counter(), time.process_time()
    metrics = SECTIONS[section](seed, torch.device(device))
    sync()
    return {"section": section, "seed": seed, "device": device, "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu, "metrics": metrics}


def run(*, quick: bool = False, cuda: bool = False, log=print) -> list[dict]:
    """Every section once on the CPU (and on CUDA when available); ``quick`` times only the detection."""
    sections = ["ch10 detection"] if quick else list(SECTIONS)
    rows = [measure(s) for s in sections]
    if cuda:
        rows += [measure(s, device="cuda") for s in sections]
    for r in rows:
        log(f"  {r['section']} on {r['device']}: {r['seconds']:.1f} s")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.vision_labs", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="0")
    p.add_argument("--device", default="cpu")
    p.add_argument("--sections", default=",".join(SECTIONS))
    args = p.parse_args(argv)
    for section in args.sections.split(","):
        for seed in map(int, args.seeds.split(",")):
            r = measure(section, seed=seed, device=args.device)
            metrics = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r["metrics"].items())
            print(f"{section} | seed {seed} | {args.device} | wall {r['seconds']:.1f} s, cpu {r['cpu_seconds']:.1f} s"
                  f" | {metrics}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
