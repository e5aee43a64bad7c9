#!/usr/bin/env python3
"""Run time of a Llama-shaped model with its layers outlined (one function
per distinct layer, the default) against every layer spliced into the entry
points (seqc --outline-layers=false), in the same run.

    python3 bench/layers_runtime.py [--shape tinyllama] [--layers 2] [--runs 8]

Writes a folder with small deterministic weights (bench/compile_time.py's
shapes), compiles it both ways, then runs `seq-run --stats` on a prompt of
--prompt tokens and --new decoded tokens, alternating the two libraries,
and prints one JSON line per library with the best prefill and decode
tokens/s. Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compile_time  # noqa: E402

ROOT = compile_time.ROOT


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", default="tinyllama", choices=sorted(compile_time.SHAPES))
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--prompt", type=int, default=128)
    p.add_argument("--new", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    bin_dir = os.path.join(ROOT, "build", "bin")
    seqc = os.environ.get("SEQC", os.path.join(bin_dir, "seqc"))
    seq_run = os.path.join(bin_dir, "seq-run")
    work = tempfile.mkdtemp(prefix="seqc-layers-runtime-")
    folder = os.path.join(work, "model")
    compile_time.write_folder(folder, compile_time.SHAPES[a.shape], a.layers, fill=True)
    mlir = folder + ".mlir"
    subprocess.run([seqc, "import", "hf", folder, "-o", mlir], check=True)
    variants = {"outlined": [], "inlined": ["--outline-layers=false"]}
    libs = {}
    for name, flags in variants.items():
        libs[name] = os.path.join(work, name + ".so")
        subprocess.run([seqc, mlir, "-o", libs[name]] + flags, check=True)
    prompt = ",".join(str(1 + (i * 37) % 1000) for i in range(a.prompt))
    best = {name: [0.0, 0.0] for name in variants}
    tokens = {}
    for _ in range(a.runs):
        for name in variants:
            out = subprocess.run(
                [seq_run, libs[name], "--weights", folder, "--prompt-ids", prompt,
                 "--max-new", str(a.new), "--threads", str(a.threads), "--stats"],
                check=True, capture_output=True, text=True).stdout
            rates = [float(x) for x in re.findall(r"([0-9.]+) tokens/s", out)]
            best[name] = [max(b, r) for b, r in zip(best[name], rates)]
            tokens[name] = re.search(r"generated:.*", out).group(0)
    for name in variants:
        print(json.dumps({"bench": "layers_runtime", "shape": a.shape, "layers": a.layers,
                          "variant": name, "runs": a.runs, "threads": a.threads,
                          "prefill_tok_s": best[name][0], "decode_tok_s": best[name][1],
                          "same_tokens": tokens[name] == tokens["outlined"]}))


if __name__ == "__main__":
    main()
