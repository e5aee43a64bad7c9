#!/usr/bin/env python3
"""Plots the scan benchmarks' JSON lines into a PNG.

    python3 bench/selective_scan.py > scan.jsonl
    python3 bench/ssd.py > ssd.jsonl
    python3 bench/mamba_llamacpp.py > mamba.jsonl
    python3 bench/plot_scans.py scan.jsonl ssd.jsonl mamba.jsonl -o docs/scans.png

Left: selective scan time (seqc, Halide, PyTorch loop) per length, log
scale. Middle: SSD matmul GFLOP/s against the FMA peak. Right: Mamba end to
end tokens/s against llama.cpp.
"""
import argparse
import json

from plot import plt, read  # matplotlib set up (Agg) by bench/plot.py


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scan")
    p.add_argument("ssd")
    p.add_argument("mamba")
    p.add_argument("-o", "--output", default="docs/scans.png")
    a = p.parse_args()
    scan = [r for r in read(a.scan) if r["bench"] == "selective_scan"]
    ssd_all = read(a.ssd)
    peak = next(r for r in ssd_all if r["bench"] == "peak")["fma_gflops"]
    ssd = [r for r in ssd_all if r["bench"] == "ssd"]
    mamba = next(r for r in read(a.mamba) if r["bench"] == "mamba_e2e")

    fig, (left, mid, right) = plt.subplots(1, 3, figsize=(13, 4))
    x = range(len(scan))
    width = 0.27
    for i, (key, label) in enumerate([("seqc_ms", "seqc"), ("halide_ms", "Halide"),
                                      ("torch_ms", "PyTorch loop")]):
        left.bar([j + (i - 1) * width for j in x], [r[key] for r in scan], width, label=label)
    left.set_yscale("log")
    left.set_xticks(list(x), [f"L={r['length']}" for r in scan])
    left.set_ylabel("ms (lower is better)")
    left.set_title("Selective scan (D=1536, N=16)")
    left.legend(fontsize=8)
    xs = range(len(ssd))
    mid.bar(list(xs), [r["seqc_gflops"] for r in ssd], 0.5, label="seqc")
    mid.axhline(peak, color="gray", ls="--", label="FMA peak")
    mid.axhline(0.4 * peak, color="red", ls=":", label="40 % target")
    mid.set_xticks(list(xs), [f"L={r['length']}" for r in ssd])
    mid.set_ylabel("matmul GFLOP/s")
    mid.set_title("Mamba2 SSD (H=24, P=64, N=128)")
    mid.legend(fontsize=8)
    kinds = ["prefill", "decode"]
    right.bar([0 - 0.2, 1 - 0.2], [mamba[f"seqc_{k}_tok_s"] for k in kinds], 0.4, label="seqc")
    right.bar([0 + 0.2, 1 + 0.2], [mamba[f"llamacpp_{k}_tok_s"] for k in kinds], 0.4,
              label="llama.cpp")
    right.set_xticks([0, 1], kinds)
    right.set_ylabel("tokens/s")
    right.set_title("Mamba-130m arch., f32, end to end")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.output, dpi=90)
    print(a.output)


if __name__ == "__main__":
    main()
