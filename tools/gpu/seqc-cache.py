#!/usr/bin/env python3
"""Stands in for seqc: records what it writes, or replays it where seqc cannot run.

    seqc-cache.py record CACHE_DIR REAL_SEQC ARGS...
    seqc-cache.py replay CACHE_DIR ARGS...

A GPU machine lent for a few minutes has no LLVM or MLIR, so the models its
tests and benchmarks need are compiled here (record: runs REAL_SEQC, keeps a
gzipped copy of its -o output) and copied into place there (replay). A call is known
by its arguments with the -o path left out, each input file replaced by the
hash of its contents and each folder by its name; a call never recorded is
an error naming its arguments. tools/gpu-check.sh drives both.
"""
import gzip
import hashlib
import os
import shutil
import subprocess
import sys


def call_key(args):
    parts, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if os.path.isfile(a):
            with open(a, "rb") as f:
                parts.append("file:" + hashlib.sha256(f.read()).hexdigest())
        elif os.path.isdir(a):
            parts.append("dir:" + os.path.basename(os.path.normpath(a)))
        else:
            parts.append(a)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32], parts


def output_path(args):
    for i, a in enumerate(args[:-1]):
        if a == "-o":
            return args[i + 1]
    return None


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("record", "replay"):
        sys.exit(__doc__)
    mode, cache = sys.argv[1], sys.argv[2]
    if mode == "record":
        real, args = sys.argv[3], sys.argv[4:]
    else:
        args = sys.argv[3:]
    out = output_path(args)
    if out is None:
        sys.exit("seqc-cache: a call without -o cannot be recorded: " + " ".join(args))
    key, parts = call_key(args)
    stored = os.path.join(cache, key + ".gz")
    if mode == "record":
        status = subprocess.call([real] + args)
        if status == 0:
            os.makedirs(cache, exist_ok=True)
            with open(out, "rb") as src, gzip.open(stored, "wb") as dst:
                shutil.copyfileobj(src, dst)
            with open(os.path.join(cache, key + ".args"), "w") as f:
                f.write(" ".join(parts) + "\n")
        sys.exit(status)
    if not os.path.exists(stored):
        sys.exit("seqc-cache: not recorded (run tools/gpu-check.sh prepare): "
                 + " ".join(parts))
    with gzip.open(stored, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)


if __name__ == "__main__":
    main()
