#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install what is missing, build,
# then verify and print the bundled hybrid model with seq-opt.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh

model=examples/hybrid-tiny.mlir
echo "== seq-opt $model (parse, verify, print)"
./build/bin/seq-opt "$model"
echo "== $model: verified ($(./build/bin/seq-opt "$model" --mlir-print-op-generic | grep -c '"seq\.') seq ops)"
