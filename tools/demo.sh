#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install what is missing, build,
# import the bundled tiny Jamba-style hybrid (attention + Mamba + MoE) from its
# Hugging Face folder, compile it to a shared library, and generate tokens.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh

model=examples/hf/jamba-tiny
out=build/demo
mkdir -p "$out"
echo "== seqc import hf $model -o $out/jamba-tiny.mlir"
./build/bin/seqc import hf "$model" -o "$out/jamba-tiny.mlir" --max-positions 256
echo "== seqc $out/jamba-tiny.mlir -o $out/jamba-tiny.so"
./build/bin/seqc "$out/jamba-tiny.mlir" -o "$out/jamba-tiny.so"
echo "== seq-run: prefill 12 tokens, generate 32"
./build/bin/seq-run "$out/jamba-tiny.so" --weights "$model" \
  --prompt-ids 1,17,42,7,99,3,50,12,88,5,61,23 --max-new 32 --stats
