#!/bin/sh
# check-ptx.sh SEQC MODEL ARCH WORKDIR
# What the README tells a GPU user to do: compile MODEL (a .mlir file, a
# Hugging Face folder imported first, with its import_flags.txt if it has
# one, or a GGUF file imported first) with seqc --target=cuda:ARCH
# --emit=ptx, then assemble the file with ptxas -arch=ARCH as it is. Exit 77
# (skipped) when the machine has no ptxas.
set -e
seqc=$1 model=$2 arch=$3 work=$4
mkdir -p "$work"
ptxas=""
for root in "$CUDA_HOME" "$CUDA_PATH" /usr/local/cuda; do
  if [ -n "$root" ] && [ -x "$root/bin/ptxas" ]; then ptxas="$root/bin/ptxas"; break; fi
done
[ -n "$ptxas" ] || ptxas=$(command -v ptxas || true)
if [ -z "$ptxas" ]; then
  echo "ptxas not found: skipping"
  exit 77
fi
case "$model" in
*.gguf)
  "$seqc" import gguf "$model" -o "$work/model.mlir"
  model="$work/model.mlir"
  ;;
esac
if [ -d "$model" ]; then
  # A golden's import flags (--weights=q8_0, --kv-cache=bf16, ...): the
  # GPU target must take every format the CPU one does.
  flags=""
  [ -f "$model/import_flags.txt" ] && flags=$(cat "$model/import_flags.txt")
  # shellcheck disable=SC2086
  "$seqc" import hf "$model" -o "$work/model.mlir" $flags
  model="$work/model.mlir"
fi
"$seqc" "$model" --target="cuda:$arch" --emit=ptx -o "$work/model.ptx"
"$ptxas" -arch="$arch" "$work/model.ptx" -o "$work/model.cubin"
echo "$model: ptxas -arch=$arch accepts the PTX"
