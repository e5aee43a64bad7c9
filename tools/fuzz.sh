#!/usr/bin/env bash
# Runs every libFuzzer target for a time budget each:
#   tools/fuzz.sh [seconds-per-target] [target ...]      (default 60 s, all)
# New inputs go to build/fuzz/<target>/ (seeded from test/fuzz/corpus);
# crashes, leaks and timeouts are written to test/fuzz/crashers/ as
# <target>-crash-<sha1> for committing into the corpus once fixed. Prints one
# line per target with its executions, coverage and outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(seqrt-safetensors-fuzz seqrt-index-fuzz seqrt-gguf-fuzz
           seqrt-descriptor-fuzz
           seqrt-api-fuzz seqrt-tokenizer-fuzz seqc-hf-config-fuzz
           seqc-mlir-fuzz seqrt-audio-fuzz)
fi
bash tools/build.sh "${targets[@]}" >/dev/null
mkdir -p test/fuzz/crashers
status=0
for t in "${targets[@]}"; do
  work=build/fuzz/$t
  mkdir -p "$work"
  log=build/fuzz/$t.log
  if build/test/fuzz/"$t" -max_total_time="$seconds" -timeout=30 \
       -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix=test/fuzz/crashers/"$t"- \
       "$work" test/fuzz/corpus/"$t" >"$log" 2>&1; then
    outcome=ok
  else
    outcome="FOUND A PROBLEM (see $log and test/fuzz/crashers/)"
    status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo ?)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo ?)
  echo "$t: $runs executions in ${seconds}s, coverage $cov edges: $outcome"
done
exit $status
