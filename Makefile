# The two commands a newcomer needs: `make book` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Float results depend on the thread count: pin it wherever notebooks run or are checked.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export PYTHONHASHSEED := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

NOTEBOOKS = $(shell $(BIN)/python tools/toc.py)
# The nbval flags live here only; tests/test_nbval_setup.py reads this line to prove they catch a changed output.
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600 -p tests.nbval_portable
XDIST := -n 2 --dist loadscope

.PHONY: help setup book test test-portable unit nbval test-html test-live test-colab chromium execute lint clean vendor freeze bench test-gpu

help:
	@echo "make book     set up .venv and build the HTML book into _build/html"
	@echo "make test     set up .venv and run the unit tests and nbval over every notebook"
	@echo "make test-portable  nbval again with other CPU float kernels forced (the outputs must not depend on them)"
	@echo "make test-html build the book, then test it in Chromium offline (links, console, math, sliders, Colab)"
	@echo "make test-live run every live explorer in JupyterLab from Chromium: real input, one redraw, layout, latency"
	@echo "make execute  re-run notebooks in place (NB=book/01_introduction.ipynb for one)"
	@echo "make lint     ruff over src, tests, tools and the notebooks"
	@echo "make bench    benchmarks (layers, widgets, scaling, chapters, build) into bench/results (< 10 min)"
	@echo "make test-gpu on a GPU machine, with its own python3: device tests, every chapter, bench on CUDA"
	@echo "make clean    remove build outputs and caches (keeps .venv)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

vendor: $(STAMP)
	$(BIN)/python tools/vendor.py

book: $(STAMP) vendor
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build -W -n --keep-going --path-output . .
	@echo "The book is in _build/html: open file://$(CURDIR)/_build/html/index.html"

test: unit nbval

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 -q

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(XDIST) -q $(NOTEBOOKS)

# The stored outputs must hold on any reader's machine: run nbval again with other float kernels forced on this
# one (tools/kernel_evidence.py prints proof that they change float32 results; it fails if they change nothing).
FORCED_KERNELS = $(shell $(BIN)/python tools/kernel_evidence.py --env)
test-portable: $(STAMP)
	$(BIN)/python tools/kernel_evidence.py
	env $(FORCED_KERNELS) $(BIN)/python -m pytest $(NBVAL_FLAGS) $(XDIST) -q $(NOTEBOOKS)
	$(BIN)/python tools/portability_report.py $(NOTEBOOKS)

# Browser tests of the built site; Debian's Chromium is installed when missing (needs root or sudo).
test-html: book chromium
	$(BIN)/python -m pytest tests_html -q

# The live explorers where readers use them: JupyterLab (pinned) on loopback, each chapter's cells run from the
# Run menu and the keyboard in Chromium, every control moved with real input events (tests_live/, see README).
test-live: $(STAMP) chromium
	$(BIN)/python -m pytest tests_live -q -p no:cacheprovider

chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Colab simulation: a separate venv with Colab's ipywidgets 7.7 / plotly 5 / numpy 2.1, the setup cell of every
# chapter run with a fake google.colab (installing this clone at HEAD), every import, and the widget tests.
COLAB := .venv-colab
test-colab: $(STAMP)
	@test -x $(COLAB)/bin/python || $(PYTHON) -m venv $(COLAB)
	$(COLAB)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-colab.txt nbformat pyyaml
	$(COLAB)/bin/python -m pip uninstall --quiet -y dlbook-helpers || true
	cd /tmp && $(CURDIR)/$(COLAB)/bin/python $(CURDIR)/tools/colab_check.py
	$(COLAB)/bin/python -m pytest -q -p no:cacheprovider $(wildcard tests/test_widgets_*.py)

# Re-run notebooks on a fresh kernel with pinned threads and store outputs + widget state.
NB ?= $(NOTEBOOKS)
execute: $(STAMP)
	$(BIN)/python tools/execute.py $(NB)

# Speed measurements, not tests: results (JSON, Markdown, plots) in bench/results, shown in the book's appendix.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# On a machine with an NVIDIA GPU, with that machine's own python3 (torch with CUDA; no .venv, no registry):
# the device tests, every chapter and the benchmarks on CUDA, results under $OUT or _build/gpu (README: GPU).
# GPU_ARGS="--device cpu" is a dry run without a GPU.
test-gpu:
	PYTHONPATH=src:. $(PYTHON) tools/gpu_check.py $(GPU_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests tests_html tests_live tools bench book

clean:
	rm -rf _build _vendor _vendor_extra .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

# After changing requirements.in: rebuild the exact pins from a clean venv.
freeze:
	rm -rf /tmp/dlbook-freeze && $(PYTHON) -m venv /tmp/dlbook-freeze
	/tmp/dlbook-freeze/bin/pip install --quiet -r requirements.in
	/tmp/dlbook-freeze/bin/pip freeze | sed 's/^torch==\(.*\)+cpu/torch==\1/' > requirements.txt.new
	@echo "Review requirements.txt.new, keep its header comment, then move it over requirements.txt"
