#!/usr/bin/env python3
"""Plots benchmark JSON lines (bench/attention*.py) into a PNG.

    python3 bench/attention.py --max-seq 8192 > attn.jsonl
    python3 bench/attention_decode.py > decode.jsonl
    python3 bench/plot.py attn.jsonl decode.jsonl -o docs/attention.png

Left: causal prefill GFLOP/s of seqc and torch SDPA per shape, with the
machine's FMA peak. Right: decode GB/s of the KV reads against the triad
bandwidth. Installs matplotlib with pip when missing.
"""
import argparse
import json
import subprocess
import sys

try:
    import matplotlib
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], check=True)
    import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("prefill")
    p.add_argument("decode")
    p.add_argument("-o", "--output", default="docs/attention.png")
    a = p.parse_args()
    prefill, decode = read(a.prefill), read(a.decode)
    peak = next(r for r in prefill if r["bench"] == "peak")
    cases = [r for r in prefill if r.get("bench") == "attention_causal_prefill" and "seqc_gflops" in r]
    dec = [r for r in decode if r.get("bench") == "attention_decode"]
    triad = next(r for r in decode if r["bench"] == "peak")["triad_gbs"]

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5),
                                      gridspec_kw={"width_ratios": [3, 1]})
    labels = [f"H{r['heads']} D{r['head_dim']}\nS{r['seq']}" for r in cases]
    x = range(len(cases))
    left.bar([i - 0.2 for i in x], [r["seqc_gflops"] for r in cases], 0.4, label="seqc")
    left.bar([i + 0.2 for i in x], [r["torch_gflops"] for r in cases], 0.4, label="torch SDPA")
    left.axhline(peak["fma_gflops"], color="gray", ls="--", label="FMA peak")
    left.set_xticks(list(x), labels, fontsize=7)
    left.set_ylabel("GFLOP/s (f32, 2 threads)")
    left.set_title("Causal prefill attention")
    left.legend(fontsize=8)
    lens = [str(r["kv_length"]) for r in dec]
    xd = range(len(dec))
    right.bar([i - 0.2 for i in xd], [r["seqc_gbs"] for r in dec], 0.4, label="seqc")
    torch_gbs = [r["kv_mbytes"] / 1e3 / (r["torch_ms"] / 1e3) for r in dec]
    right.bar([i + 0.2 for i in xd], torch_gbs, 0.4, label="torch SDPA")
    right.axhline(triad, color="gray", ls="--", label="triad")
    right.set_xticks(list(xd), lens)
    right.set_xlabel("KV length")
    right.set_ylabel("GB/s of KV read")
    right.set_title("Decode (H32/KV8, D128)")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.output, dpi=90)
    print(a.output)


if __name__ == "__main__":
    main()
