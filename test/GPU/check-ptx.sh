#!/bin/sh
# check-ptx.sh SEQC MODEL ARCH WORKDIR
# Compiles MODEL (a .mlir file, or a Hugging Face folder imported first) with
# seqc --target=cuda:ARCH --emit=ptx and assembles every kernel module with
# ptxas for ARCH. Exit 77 (skipped) when the machine has no ptxas.
set -e
seqc=$1 model=$2 arch=$3 work=$4
here=$(dirname "$0")
mkdir -p "$work"
# No CUDA toolkit here (no ptxas, and no libdevice for the kernels' math).
ptxas=""
for root in "$CUDA_HOME" "$CUDA_PATH" /usr/local/cuda; do
  if [ -n "$root" ] && [ -x "$root/bin/ptxas" ]; then ptxas="$root/bin/ptxas"; break; fi
done
[ -n "$ptxas" ] || ptxas=$(command -v ptxas || true)
if [ -z "$ptxas" ]; then
  echo "ptxas not found: skipping"
  exit 77
fi
if [ -d "$model" ]; then
  "$seqc" import hf "$model" -o "$work/model.mlir"
  model="$work/model.mlir"
fi
"$seqc" "$model" --target="cuda:$arch" --emit=ptx -o "$work/model.ptx"
exec python3 "$here/../../tools/gpu/ptxas_check.py" "$work/model.ptx" --arch "$arch"
