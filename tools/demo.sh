#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install what is missing, build,
# compile the bundled hybrid model (attention + Mamba) to a shared library,
# give it random weights, and generate tokens with seq-run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh

model=examples/hybrid-tiny.mlir
out=build/demo
mkdir -p "$out"
echo "== seqc $model -o $out/hybrid-tiny.so"
./build/bin/seqc "$model" -o "$out/hybrid-tiny.so"
echo "== random weights (tools/random-weights.py)"
python3 tools/random-weights.py "$model" -o "$out/hybrid-tiny.safetensors" --seed 0
echo "== seq-run: prefill 8 tokens, generate 24"
./build/bin/seq-run "$out/hybrid-tiny.so" --weights "$out/hybrid-tiny.safetensors" \
  --prompt-ids 1,17,42,7,99,3,250,12 --max-new 24 --stats
