"""The benchmark suite of the book: `make bench` or `python -m bench.run` (see bench/run.py)."""
