#!/usr/bin/env bash
# Checks that every C/C++ source of the project is formatted as .clang-format
# (LLVM style) says, with Debian's clang-format-22. Prints the files that are
# not and exits 1; `tools/format-check.sh --fix` formats them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
format=/usr/lib/llvm-22/bin/clang-format
[ -x "$format" ] || { echo "format-check: $format missing (tools/install-deps.sh)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h' | grep -v '^test/fuzz/corpus/')
if [ "${1:-}" = "--fix" ]; then
  "$format" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$format" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'format-check: not formatted (tools/format-check.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format-check: ${#files[@]} files formatted"
