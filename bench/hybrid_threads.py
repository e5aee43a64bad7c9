#!/usr/bin/env python3
"""Threading benchmark: a hybrid model compiled sequential vs OpenMP-parallel.

    python3 bench/hybrid_threads.py [--prompt 256] [--decode 32] [--repeat 3]

Builds a medium hybrid model (bench/models/make_hybrid.py), gives it random
weights, compiles it with `seqc --parallel=false` and with the default
OpenMP lowering, and runs `seq-run --stats` with 1 and 2 threads. Prints one
JSON line per configuration (best of --repeat runs) with prefill and decode
tokens/s and the speed-up over the sequential build. Run after the README
set-up; uses only the standard library.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--layers", default="attn,mamba,attn,mamba")
    a = p.parse_args()

    work = tempfile.mkdtemp(prefix="seqc-bench-")
    model = os.path.join(work, "hybrid.mlir")
    weights = os.path.join(work, "hybrid.safetensors")
    run([sys.executable, os.path.join(ROOT, "bench/models/make_hybrid.py"), "--layers", a.layers,
         "--max-positions", str(a.prompt + a.decode + 1), "-o", model])
    run([sys.executable, os.path.join(ROOT, "tools/random-weights.py"), model, "-o", weights])
    builds = {}
    for variant, flags in (("sequential", ["--parallel=false"]), ("openmp", [])):
        builds[variant] = os.path.join(work, f"{variant}.so")
        run([os.path.join(BIN, "seqc"), model, "-o", builds[variant]] + flags)

    prompt = ",".join(str((7 * i + 3) % 4096) for i in range(a.prompt))
    results = {}
    for variant, so in builds.items():
        for threads in (1, 2) if variant == "openmp" else (1,):
            best = {"prefill": 0.0, "decode": 0.0}
            for _ in range(a.repeat):
                out = run([os.path.join(BIN, "seq-run"), so, "--weights", weights, "--prompt-ids", prompt,
                           "--max-new", str(a.decode + 1), "--threads", str(threads), "--stats"])
                for phase in best:
                    m = re.search(rf"{phase}: \d+ tokens in [\d.]+ ms \(([\d.]+) tokens/s\)", out)
                    best[phase] = max(best[phase], float(m.group(1)))
            results[(variant, threads)] = best
    base = results[("sequential", 1)]
    for (variant, threads), r in results.items():
        print(json.dumps({
            "bench": "hybrid_threads", "layers": a.layers, "prompt": a.prompt, "decode": a.decode,
            "variant": variant, "threads": threads,
            "prefill_tok_s": round(r["prefill"], 1), "decode_tok_s": round(r["decode"], 1),
            "prefill_speedup_vs_sequential": round(r["prefill"] / base["prefill"], 2),
            "decode_speedup_vs_sequential": round(r["decode"] / base["decode"], 2),
        }))


if __name__ == "__main__":
    main()
