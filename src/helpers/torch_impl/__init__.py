"""PyTorch twins of :mod:`helpers.numpy_impl`: same names and signatures, differentiable, device- and dtype-agnostic."""

from helpers.core._reexport import reexport as _reexport

# Topic modules, in the order the book meets them. Every public name (each module's ``__all__``)
# is also re-exported here, so chapters can write ``hn.relu_forward`` as well as ``hn.layers.relu_forward``.
MODULES: tuple[str, ...] = ("layers", "losses", "perceptron", "classical", "linear_models", "probability", "rnn", "lstm", "gru", "deep_rnn", "optim", "second_order", "init", "norm", "conv", "pool", "upsample", "norm2d", "generative", "diffusion", "nets", "trainer", "attention", "transformer", "graph")

__all__: list[str] = _reexport(__name__, MODULES, globals())
