"""Shared pieces that every other subpackage builds on; none of them is a chapter's topic by itself.

* :mod:`._validation` (every argument check the twins share, optimizer hyperparameters included, with one
  message format), :mod:`.quasi_newton` (the framework-free part of L-BFGS), :mod:`._device` (the
  ``device=`` rule of the trainers), :mod:`._reexport` (the flat names of ``numpy_impl``/``torch_impl``);
* :mod:`.expect` (notebook claims that can fail) and :mod:`.testing` (gradient checks);
* :mod:`.training` (what the NumPy and the PyTorch training loops share: ``History``, checks, progress line),
  :mod:`.bridge` (weights copied between the NumPy and the torch net), :mod:`.schedules` (learning-rate
  schedules as plain functions);
* :mod:`.conv_arithmetic` (convolution sizes and costs on integers), :mod:`.expr` (the safe formula language
  of the loss-surface explorer), :mod:`.plotting` (still matplotlib figures used by several chapters).

Only ``_device`` and ``bridge`` touch torch (lazily for ``bridge``); the rest is NumPy or plain Python.
"""
