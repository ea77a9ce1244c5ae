#!/usr/bin/env bash
# Download, here, the wheels the GPU machine's image lacks (it reaches no registry) into the ignored .whl/:
# brian2 and brian2cuda and what the project imports beyond the image's packages, plus the code generator's
# own dependencies at this venv's versions, so that the code generated there is the code compiled here
# (benchmarks/gpu/prebuild.py). run.sh installs them with
#   python3 -m pip install --no-index --no-deps --target /tmp/site .whl/*.whl
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
version() { $PY -c "from importlib.metadata import version; print(version('$1'))"; }
rm -rf .whl; mkdir -p .whl
for name in brian2 brian2cuda mlxtend cma sympy mpmath pyparsing jinja2 markupsafe; do
  $PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$name==$(version $name)" \
    || $PY -m pip download -q --no-deps -d .whl "$name==$(version $name)"  # an sdist-only package: built here
done
ls -la .whl; du -sh .whl
