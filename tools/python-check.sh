#!/usr/bin/env bash
# Builds the Python package's wheel with pip (in the main build tree, so
# after tools/build.sh only the extension is new), installs it into a
# virtual environment (build/venv, seeing Debian's numpy and pytest) and
# runs its tests. The last line reports the count.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=build/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
fi
# The build backend and nanobind (PyPI) live in the venv, so that the build
# tree's configuration keeps finding them (no isolated temporary build env).
"$venv/bin/pip" install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.0"
# A wheel (build/wheels), then that wheel installed.
rm -rf build/wheels
"$venv/bin/pip" wheel -q --disable-pip-version-check --no-build-isolation --no-deps \
  -w build/wheels .
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps \
  build/wheels/seqc-*.whl
"$venv/bin/python" -m pytest -q python/tests
