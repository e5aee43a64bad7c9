#!/usr/bin/env bash
# Every GPU check in one script, for the few minutes a GPU machine is lent
# (the `device` tool; docs/gpu.md "Running the GPU checks"). That machine has
# CUDA, Python and torch but no LLVM or MLIR, so the work is split:
#
#   tools/gpu-check.sh prepare [ARCH]  here: builds, then compiles every model
#       the GPU tests and benchmarks use, for cuda:ARCH (default sm_90), and
#       puts them with the test binaries, libseqrt and libomp in gpu-bundle/
#       (ignored by git; a few MiB, within what the device tool carries).
#   tools/gpu-check.sh run OUT         there (carry gpu-bundle): the CUDA
#       target test, every op golden and every Hugging Face golden on the GPU
#       (SEQC_TEST_TARGET), then bench/gpu_gemm.py and bench/gpu_attention.py
#       against torch; logs, gtest XML, JSON lines and a summary under OUT.
#       Each step has a time limit; the whole run stays under 8 minutes.
#
# The tests and benchmarks call seqc through tools/gpu/seqc-cache.py, which
# records the models here and replays them there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bundle=$root/gpu-bundle
tests=(seqc-cuda-target-tests seqc-compiled-op-tests seqc-hf-golden-tests)

stand_in() { # MODE: a seqc that records into or replays from the bundle
  local script=$bundle/seqc-$1
  if [ "$1" = record ]; then
    printf '#!/bin/sh\nexec python3 %s record %s %s "$@"\n' \
      "$root/tools/gpu/seqc-cache.py" "$bundle/models" "$root/build/bin/seqc" >"$script"
  else
    printf '#!/bin/sh\nexec python3 %s replay %s "$@"\n' \
      "$root/tools/gpu/seqc-cache.py" "$bundle/models" >"$script"
  fi
  chmod +x "$script"
  echo "$script"
}

case ${1:-} in
prepare)
  arch=${2:-sm_90}
  bash tools/build.sh
  rm -rf "$bundle"
  mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/models"
  echo "$arch" >"$bundle/arch"
  # The tests' compiled-in paths (goldens, libseqrt) are this checkout's.
  echo "$root" >"$bundle/root"
  seqc=$(stand_in record)
  # Compile only: no test opens a model here (there is no GPU).
  for t in "${tests[@]}"; do
    SEQC_TEST_SEQC=$seqc SEQC_TEST_COMPILE_ONLY=1 SEQC_TEST_TARGET=cuda:$arch \
      "build/test/e2e/$t" --gtest_brief=1 >"$bundle/$t.prepare.log" 2>&1 ||
      { echo "gpu-check: $t failed to compile its models; see $bundle/$t.prepare.log" >&2; exit 1; }
    cp "build/test/e2e/$t" "$bundle/bin/"
  done
  # The benchmarks compile, then stop where there is no GPU.
  for b in gpu_gemm gpu_attention; do
    SEQC=$seqc "${PYTHON:-python3}" "bench/$b.py" --arch "$arch" >"$bundle/$b.prepare.log" 2>&1 || true
    grep -q '"compiled"' "$bundle/$b.prepare.log" ||
      { echo "gpu-check: bench/$b.py did not compile its models; see $bundle/$b.prepare.log" >&2; exit 1; }
  done
  cp -a build/lib/libseqrt.so* "$bundle/lib/"
  cp -L /usr/lib/llvm-22/lib/libomp.so.5 "$bundle/lib/"
  echo "gpu-check: $(ls "$bundle/models" | grep -c '\.gz$') models for cuda:$arch," \
       "$(du -sh "$bundle" | cut -f1) in $bundle"
  ;;
run)
  out=${2:?usage: tools/gpu-check.sh run OUT}
  [ -f "$bundle/arch" ] || { echo "gpu-check: no $bundle (run 'tools/gpu-check.sh prepare' first and carry it)" >&2; exit 1; }
  mkdir -p "$out"
  arch=$(cat "$bundle/arch") built=$(cat "$bundle/root")
  # Where the binaries look for goldens and libseqrt, and models for libomp.
  if [ "$built" != "$root" ]; then
    [ -e "$built" ] || { mkdir -p "$(dirname "$built")"; ln -s "$root" "$built"; }
  fi
  mkdir -p build/lib /usr/lib/llvm-22/lib
  cp -a "$bundle"/lib/libseqrt.so* build/lib/
  cp "$bundle/lib/libomp.so.5" /usr/lib/llvm-22/lib/
  export LD_LIBRARY_PATH=$root/build/lib:/usr/lib/llvm-22/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  seqc=$(stand_in replay)
  summary=$out/summary.txt
  { date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true; } >"$summary"
  status=0
  for t in "${tests[@]}"; do
    start=$SECONDS
    if SEQC_TEST_SEQC=$seqc SEQC_TEST_TARGET=cuda:$arch timeout 150 \
        "$bundle/bin/$t" --gtest_output="xml:$out/$t.xml" >"$out/$t.log" 2>&1; then
      result=passed
    else
      result="FAILED (exit $?)"; status=1
    fi
    echo "$t: $result, $((SECONDS - start)) s, $(grep -c '^\[       OK \]' "$out/$t.log") ok," \
         "$(grep -c '^\[  FAILED  \]' "$out/$t.log") failed lines" >>"$summary"
  done
  for b in gpu_gemm gpu_attention; do
    start=$SECONDS
    if SEQC=$seqc timeout 120 python3 "bench/$b.py" --arch "$arch" >"$out/$b.jsonl" 2>"$out/$b.log"; then
      result=done
    else
      result="FAILED (exit $?)"; status=1
    fi
    echo "bench/$b.py: $result, $((SECONDS - start)) s" >>"$summary"
  done
  cat "$summary"
  exit $status
  ;;
*)
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
