#!/usr/bin/env bash
# Compares what two seqc binaries emit for every example and Hugging Face
# golden model: the linalg IR and the LLVM IR for the CPU target, the PTX
# for --target=cuda. Phase 3 (bufferization onwards) does not always number
# buffers the same way from run to run, so LLVM IR that differs is compiled
# once more with OLD: if that differs too, it is reported as
# "nondeterministic", not as a change.
#   tools/codegen-diff.sh OLD_SEQC [NEW_SEQC]     (NEW defaults to build/bin/seqc)
# For refactorings that must not change the generated code: prints one line
# per model and target, "same" or "DIFFERS", and exits 1 if any differs.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1
new=${2:-build/bin/seqc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=()
for f in examples/*.mlir; do models+=("$f"); done
for d in examples/hf/* test/Frontends/hf/goldens/*; do
  [ -f "$d/config.json" ] || continue
  name=$(basename "$d")
  "$new" import hf "$d" -o "$work/$name.mlir"
  models+=("$work/$name.mlir")
done
status=0
for m in "${models[@]}"; do
  name=$(basename "$m" .mlir)
  for case in cpu:linalg cpu:llvm-ir cuda:ptx; do
    target=${case%%:*} emit=${case#*:}
    "$old" "$m" --target=$target --emit=$emit -o "$work/old.out"
    "$new" "$m" --target=$target --emit=$emit -o "$work/new.out"
    if cmp -s "$work/old.out" "$work/new.out"; then
      echo "$name ($target, $emit): same"
      continue
    fi
    "$old" "$m" --target=$target --emit=$emit -o "$work/old2.out"
    if ! cmp -s "$work/old.out" "$work/old2.out"; then
      echo "$name ($target, $emit): nondeterministic (OLD differs from itself)"
    else
      echo "$name ($target, $emit): DIFFERS"
      status=1
    fi
  done
done
exit $status
