"""Diagrams drawn by code from the objects the chapters compute with (matplotlib, offline).

No picture in the book is drawn by hand: each function here takes the real object (a ``Value`` graph, a fitted
MLP, convolution hyperparameters, an LSTM's weights, a Transformer config, a segmentation network), derives
what it draws from it, and returns a matplotlib ``Figure``. A change in the code therefore changes the
picture, and the unit tests (``tests/test_diagrams.py``) check the drawn object against an independent
computation (e.g. the input pixels a convolution diagram highlights against autograd's non-zero gradients).

Each diagram module separates a pure ``*_data``/``compute_*`` function (what is drawn, testable without a
figure) from the ``draw_*`` function that draws it.

* :mod:`.graph`: computational graphs with forward values and backward gradients on the edges (chapters 3-4)
* :mod:`.units`: each hidden unit's contribution to a universal-approximation fit (chapter 3)
* :mod:`.activations`: ReLU, leaky ReLU and a PReLU whose slope is learned (chapter 3)
* :mod:`.conv`: which input pixels an output reads, with stride, padding, dilation, transposed convolution,
  and a DeepLab-style stack of atrous convolutions (chapters 9-10)
* :mod:`.rnn_cells`: LSTM and GRU cells with their gates and the values of one real step (chapter 11)
* :mod:`.transformer`: a Transformer encoder block with the tensor shapes of a real forward pass (chapter 12a)
* :mod:`.segnets`: FCN and U-Net drawn from the module's layers, with their skip connections (chapter 10)
"""

from __future__ import annotations

__all__ = ["graph", "units", "activations", "conv", "rnn_cells", "transformer", "segnets"]
