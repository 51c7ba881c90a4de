"""Reverse-mode automatic differentiation from scratch (chapter 4).

:mod:`.scalar` builds the graph of single numbers (``Value``, in the spirit of micrograd); :mod:`.tensor` does
the same over NumPy arrays (``Tensor``, with broadcasting undone in the backward pass).
"""
