#!/usr/bin/env bash
# Download, on a machine with internet, the wheels that `make test-gpu` needs and a GPU machine may lack
# (IPython for tools/run_notebooks.py, plotly and ipywidgets that the chapters import, and their dependencies),
# into .whl/ (git-ignored through .git/info/exclude). The versions are requirements.txt's pins; the wheels are
# for CPython 3.12 on x86-64 Linux (pure-Python py3-none-any wheels, plus the abi3 builds of psutil and wcwidth).
# Carry .whl/ to the GPU machine with the checkout: tools/gpu_check.py unpacks the ones whose package is missing
# there into _build/gpu/site and puts that folder on PYTHONPATH. Nothing is installed into the machine's Python.
#
#   tools/gpu_wheels.sh                # PYTHON=python3.12 PY_VERSION=3.12 override the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PY_VERSION=${PY_VERSION:-3.12}
PACKAGES="asttokens comm executing ipython ipython_pygments_lexers ipywidgets jedi jupyterlab_widgets
          matplotlib-inline narwhals packaging parso pexpect plotly prompt_toolkit psutil ptyprocess pure_eval
          pygments stack-data traitlets wcwidth widgetsnbextension"
mkdir -p .whl
for name in $PACKAGES; do
  pattern="^$(echo "$name" | sed 's/[-_]/[-_]/g')=="
  pin=$(grep -i -E "$pattern" requirements.txt | head -n 1) || { echo "no pin for $name in requirements.txt" >&2; exit 1; }
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version "$PY_VERSION" --implementation cp \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform any -d .whl "$pin"
done
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF '.whl/' "$exclude" 2>/dev/null || echo '.whl/' >> "$exclude"
echo "$(ls .whl/*.whl | wc -l) wheels in .whl/ ($(du -sh .whl | cut -f1)); carry .whl to the GPU machine"
