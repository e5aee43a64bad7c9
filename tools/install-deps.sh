#!/usr/bin/env bash
# Installs the Debian 12 packages seqc builds and tests with, skipping those
# already present (idempotent: a second run installs nothing).
set -euo pipefail

packages=(
  # LLVM/MLIR 22 (bookworm-security ships them); lit and FileCheck come with
  # llvm-22-tools.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  # OpenMP runtime that compiled models use for their parallel loops.
  libomp-22-dev
  # Sanitizer and libFuzzer runtimes for the weight-reader fuzz test.
  libclang-rt-22-dev
  # JSON parser of the runtime (header only).
  nlohmann-json3-dev
  # Regexes and Unicode normalization of the runtime's tokenizers.
  libpcre2-dev libicu-dev
  # Whisper's log-mel features (the runtime's FFT).
  libkissfft-dev
  # The C++ format check (tools/format-check.sh, .clang-format).
  clang-format-22
  # Build tools and test frameworks.
  cmake ninja-build ccache g++ python3 libgtest-dev pkg-config
  # The Python package (tools/python-check.sh): headers for the extension, a
  # virtual environment to install it into, NumPy and pytest.
  python3-dev python3-venv python3-numpy python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
