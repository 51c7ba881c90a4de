"""Data-parallel training with ``torch.distributed``: ``DistributedDataParallel`` (DDP) on several processes.

Every process (a *rank*) holds a full copy of the model and trains on its own share of each global batch:
a ``DistributedSampler`` deals out disjoint indices, and during ``loss.backward()`` DDP all-reduces the
gradients (sums them over the ranks, in buckets, overlapped with the rest of the backward pass) and divides by
the number of ranks. Every rank then applies the same averaged gradient, so the copies stay identical. The
result is the gradient of the mean loss over the *global* batch: the same as one process with the whole batch.

The backend moves the tensors between processes: ``gloo`` on CPUs (used here, 2 processes on one machine),
``nccl`` between NVIDIA GPUs (one process per GPU, NVLink/InfiniBand aware). :func:`backend_for` picks NCCL
when there is a GPU for every rank. The processes are started with ``torch.multiprocessing.spawn``; from a
shell you would start the same worker with ``torchrun --nproc_per_node=2 script.py`` instead.

References: PyTorch, "DistributedDataParallel" and "Getting Started with Distributed Data Parallel";
Li et al., "PyTorch Distributed: Experiences on Accelerating Data Parallel Training", VLDB 2020.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from .loading import digits_tensors
from .precision import make_mlp

__all__ = ["DDPConfig", "DDPResult", "backend_for", "ddp_worker", "run_ddp", "global_batches",
           "single_process_run", "max_difference"]


@dataclass(frozen=True)
class DDPConfig:
    """One training run: ``epochs`` passes over 1024 digits in global batches of ``global_batch`` examples,
    SGD with momentum; every rank gets ``global_batch // world_size`` examples per step."""

    world_size: int = 2
    global_batch: int = 64
    epochs: int = 3
    lr: float = 0.05
    momentum: float = 0.9
    seed: int = 0
    dtype: str = "float32"  # of the weights and inputs

    def __post_init__(self):
        if self.world_size < 1 or self.global_batch % self.world_size:
            raise ValueError(f"DDPConfig needs world_size >= 1 dividing global_batch. Got world_size="
                             f"{self.world_size}, global_batch={self.global_batch}.")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"DDPConfig's dtype must be 'float32' or 'float64'. Got {self.dtype!r}.")


def backend_for(world_size: int) -> tuple[str, str]:
    """``(backend, device type)``: NCCL on GPUs when there is one GPU per rank, else gloo on CPUs."""
    if torch.cuda.is_available() and torch.cuda.device_count() >= world_size and dist.is_nccl_available():
        return "nccl", "cuda"
    return "gloo", "cpu"


def ddp_worker(rank: int, cfg: DDPConfig, data, out_dir: str, backend: str, device_type: str) -> None:
    """The program every rank runs (``rank`` = 0 .. world_size-1) on the training tensors ``data = (x, y)``;
    rank r saves its results to ``out_dir``."""
    _log_to_file(Path(out_dir) / f"rank{rank}.log")
    torch.set_num_threads(1)
    device = torch.device(device_type, rank) if device_type == "cuda" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method=f"file://{out_dir}/rendezvous", rank=rank,
                            world_size=cfg.world_size)
    try:
        dataset = TensorDataset(*data)
        sampler = DistributedSampler(dataset, num_replicas=cfg.world_size, rank=rank, shuffle=True, seed=cfg.seed)
        loader = DataLoader(dataset, batch_size=cfg.global_batch // cfg.world_size, sampler=sampler)
        net = make_mlp(seed=cfg.seed).to(device, getattr(torch, cfg.dtype))
        model = DDP(net, device_ids=[rank] if device.type == "cuda" else None)
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
        first_grads, losses = None, []
        for epoch in range(cfg.epochs):
            sampler.set_epoch(epoch)  # a new shuffle every epoch, the same permutation on every rank
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)  # the mean over this rank's share of the batch
                loss.backward()  # DDP all-reduces here: every rank ends with the mean gradient of all ranks
                if first_grads is None:
                    first_grads = [p.grad.detach().cpu().clone() for p in model.parameters()]
                opt.step()
                total = loss.detach().clone()
                dist.all_reduce(total)  # sum over the ranks (gloo has no AVG)
                losses.append(total.item() / cfg.world_size)  # the mean loss over the global batch
        params = [p.detach().cpu().clone() for p in model.module.parameters()]
        torch.save({"first_grads": first_grads, "params": params, "losses": losses},
                   Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def _log_to_file(path: Path) -> None:
    """Send this process's output (Python and C++) to ``path``: in a notebook, the workers' messages would
    otherwise land in the cell's output."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


@dataclass(frozen=True)
class DDPResult:
    """What the ranks saved: their first-step gradients, final parameters and the global loss per step."""

    first_grads: list  # per rank: list of tensors (after DDP's all-reduce)
    params: list  # per rank: list of tensors
    losses: list  # per step: mean loss over the global batch (rank 0's record)
    backend: str
    device_type: str
    world_size: int


def run_ddp(cfg: DDPConfig = DDPConfig()) -> DDPResult:
    """Start ``cfg.world_size`` processes running :func:`ddp_worker` and collect what they saved."""
    backend, device_type = backend_for(cfg.world_size)
    x, y, _, _ = digits_tensors(seed=cfg.seed)  # loaded once here and shared with the workers
    x = x.to(getattr(torch, cfg.dtype))
    with tempfile.TemporaryDirectory() as tmp:
        torch.multiprocessing.spawn(ddp_worker, args=(cfg, (x, y), tmp, backend, device_type),
                                    nprocs=cfg.world_size, join=True)
        saved = [torch.load(Path(tmp) / f"rank{r}.pt") for r in range(cfg.world_size)]
    return DDPResult([s["first_grads"] for s in saved], [s["params"] for s in saved], saved[0]["losses"],
                     backend, device_type, cfg.world_size)


def global_batches(cfg: DDPConfig, n: int, epoch: int) -> list[torch.Tensor]:
    """The global batch of every step of ``epoch``: the indices all ranks' samplers deal out, rank by rank."""
    local = cfg.global_batch // cfg.world_size
    shares = []
    for rank in range(cfg.world_size):
        sampler = DistributedSampler(range(n), num_replicas=cfg.world_size, rank=rank, shuffle=True, seed=cfg.seed)
        sampler.set_epoch(epoch)
        shares.append(torch.tensor(list(sampler)).split(local))
    return [torch.cat(parts) for parts in zip(*shares)]


def single_process_run(cfg: DDPConfig = DDPConfig(), *, device="cpu") -> DDPResult:
    """The same training in one process on the whole global batches (no torch.distributed at all)."""
    x, y, _, _ = (t.to(device) for t in digits_tensors(seed=cfg.seed))
    x = x.to(getattr(torch, cfg.dtype))
    model = make_mlp(seed=cfg.seed).to(device, getattr(torch, cfg.dtype))
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    first_grads, losses = None, []
    for epoch in range(cfg.epochs):
        for idx in global_batches(cfg, len(y), epoch):
            idx = idx.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])  # the mean over the whole global batch
            loss.backward()
            if first_grads is None:
                first_grads = [p.grad.detach().cpu().clone() for p in model.parameters()]
            opt.step()
            losses.append(loss.item())
    params = [p.detach().cpu().clone() for p in model.parameters()]
    return DDPResult([first_grads], [params], losses, "none", torch.device(device).type, 1)


def max_difference(a, b) -> float:
    """The largest absolute difference between two lists of tensors of the same shapes."""
    return max((u.double() - v.double()).abs().max().item() for u, v in zip(a, b, strict=True))
