"""Copy weights between a NumPy reference network and its ``torch.nn`` twin (either direction).

Both sides name their parameters like ``torch.nn`` (``"0.weight"``, ``"0.bias"``, ``"2.weight"`` ...) and
store Linear weights as ``(out_features, in_features)``, so a copy is a name-by-name assignment: no
transposes, no reordering. This lets a chapter train the two implementations from the *same* initial
weights and compare their loss curves (``tests/test_training_parity.py``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["copy_weights"]


def _is_torch_module(net) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the package
        return False
    return isinstance(net, torch.nn.Module)


def _is_numpy_module(net) -> bool:
    from ..numpy_impl.nets import Module

    return isinstance(net, Module)


def copy_weights(source, target) -> None:
    """Overwrite the parameters of ``target`` with those of ``source`` (NumPy net <-> torch.nn module).

    The target keeps its own dtype and device (float64 NumPy arrays; a torch model's parameter
    dtype/device). Raises ``ValueError`` when the parameter names or shapes differ.
    """
    for name, net in (("source", source), ("target", target)):
        if not (_is_numpy_module(net) or _is_torch_module(net)):
            raise TypeError(f"The {name!r} argument of copy_weights must be a "
                            "helpers.numpy_impl.nets.Module or a "
                            f"torch.nn.Module. Got {type(net).__name__} instead.")
    if _is_torch_module(source):
        state = {k: v.detach().cpu().double().numpy() for k, v in source.state_dict().items()}
    else:
        state = source.state_dict()
    if _is_numpy_module(target):
        target.load_state_dict(state)
        return
    import torch

    own = target.state_dict()
    if set(own) != set(state):
        raise ValueError(f"copy_weights: the source has parameters {sorted(state)} but the target has "
                         f"{sorted(own)}.")
    for k, v in own.items():
        if tuple(v.shape) != tuple(np.shape(state[k])):
            raise ValueError(f"copy_weights: parameter {k!r} has shape {tuple(np.shape(state[k]))} in "
                             "the source "
                             f"but {tuple(v.shape)} in the target.")
    # load_state_dict copies into the existing tensors: the target keeps its dtype and device
    target.load_state_dict({k: torch.as_tensor(np.asarray(state[k])) for k in own})
