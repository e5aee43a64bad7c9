#!/usr/bin/env python3
"""Runs a bad-input corpus: every case must fail cleanly.

    run_corpus.py mlir  SEQC DIR     each DIR/*.mlir: seqc CASE -o OUT
    run_corpus.py hf    SEQC DIR     each DIR/<case>/ folder: seqc import hf CASE -o OUT

A case names what it expects in a first-lines comment (`// EXPECT: text` in
MLIR, an `expect.txt` file in a folder). Each must exit with status 1 (not a
signal, not an abort), print an error containing the expected text in at most
a few lines (no IR dump), and leave no output or temporary file behind.
Prints one line per failing case and a summary; exits 1 if any case failed.
"""

import os
import subprocess
import sys
import tempfile

MAX_LINES = 6


def expected_text(case, kind):
    if kind == "mlir":
        with open(case, encoding="utf-8", errors="replace") as f:
            for line in f.readlines()[:5]:
                if line.startswith("// EXPECT:"):
                    return line[len("// EXPECT:"):].strip()
        return None
    path = os.path.join(case, "expect.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def run_case(seqc, case, kind):
    expect = expected_text(case, kind)
    if expect is None:
        return "no EXPECT line / expect.txt"
    with tempfile.TemporaryDirectory() as out_dir:
        out = os.path.join(out_dir, "out.so" if kind == "mlir" else "out.mlir")
        cmd = [seqc, case, "-o", out] if kind == "mlir" else \
              [seqc, "import", "hf", case, "-o", out]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  errors="replace", timeout=120)
        except subprocess.TimeoutExpired:
            return "timed out"
        err = proc.stderr.strip()
        if proc.returncode != 1:
            return f"exit status {proc.returncode} (want 1); stderr: {err[:400]}"
        if expect not in err:
            return f"stderr lacks {expect!r}; got: {err[:400]}"
        if len(err.splitlines()) > MAX_LINES:
            return f"error has {len(err.splitlines())} lines (at most {MAX_LINES}): {err[:400]}"
        left = os.listdir(out_dir)
        if left:
            return f"left files behind: {left}"
    return None


def main():
    kind, seqc, corpus = sys.argv[1:4]
    if kind == "mlir":
        cases = sorted(os.path.join(corpus, n) for n in os.listdir(corpus)
                       if n.endswith(".mlir"))
    else:
        cases = sorted(os.path.join(corpus, n) for n in os.listdir(corpus)
                       if os.path.isdir(os.path.join(corpus, n)))
    failures = 0
    for case in cases:
        problem = run_case(seqc, case, kind)
        if problem:
            failures += 1
            print(f"FAIL {os.path.relpath(case, corpus)}: {problem}")
    print(f"{kind} corpus: {len(cases) - failures}/{len(cases)} cases rejected cleanly")
    return 1 if failures or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
