"""Running PyTorch fast (chapter 13): devices, honest timing, data loading, mixed precision, ``torch.compile``
and data-parallel training with ``torch.distributed``.

One idea per module, read top to bottom:

* :mod:`.timing` — moving batches to a device and timing code on an asynchronous device;
* :mod:`.loading` — the digits as a ``torch.utils.data.Dataset`` (optionally with a simulated slow read) and a
  seeded ``DataLoader``;
* :mod:`.precision` — number formats, the mixed-precision training step (``torch.autocast`` + ``GradScaler``)
  and a small training run per precision;
* :mod:`.compiling` — ``torch.compile`` behind a guard;
* :mod:`.distributed` — ``DistributedDataParallel`` on 2 processes (gloo on CPUs, NCCL on GPUs) and the
  single-process run on the same global batches.

The model and data are deliberately small (an MLP on scikit-learn's 8x8 digits) so that every section runs in
seconds on two CPU cores; the *code* is the code you would write for a large model on many GPUs.

References: PyTorch documentation, "CUDA semantics" (asynchronous execution, pinned memory), "Automatic Mixed
Precision", "torch.compile", "DistributedDataParallel" and "Getting started with distributed data parallel";
Li et al., "PyTorch Distributed: Experiences on Accelerating Data Parallel Training", VLDB 2020; Micikevicius et
al., "Mixed Precision Training", ICLR 2018.
"""

from helpers.core._reexport import reexport as _reexport

# One idea per module, in the order of the chapter; every public name is also available here
# (``running_fast.time_it`` as well as ``running_fast.timing.time_it``). ``measure`` (GPU only) is not imported.
MODULES: tuple[str, ...] = ("timing", "loading", "precision", "compiling", "distributed")

__all__: list[str] = _reexport(__name__, MODULES, globals())
