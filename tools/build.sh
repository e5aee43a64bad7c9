#!/usr/bin/env bash
# Configures (once) and builds seqc in ./build with clang-22 + lld, Ninja and
# ccache when available. Extra arguments go to ninja (e.g. a target name).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${SEQC_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -G Ninja -S . -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=/usr/lib/llvm-22/bin/clang \
    -DCMAKE_CXX_COMPILER=/usr/lib/llvm-22/bin/clang++ \
    -DLLVM_USE_LINKER=lld
fi
# Two cores: more jobs only thrash memory on the heavy MLIR units.
ninja -C "$build_dir" -j "${SEQC_JOBS:-2}" "$@"
