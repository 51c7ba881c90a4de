"""Exercise checkers, one module per chapter (``helpers.exercises.ch01`` ...).

A checker runs the reader's answer against an independent computation and prints a short verdict;
it returns True or False so that notebooks and tests can use it.
"""
