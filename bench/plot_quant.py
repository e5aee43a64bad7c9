#!/usr/bin/env python3
"""Plots tokens/s per weight format, seqc against llama.cpp (bench/quant.py
JSON lines).

    python3 bench/quant.py > q.jsonl
    python3 bench/plot_quant.py q.jsonl -o docs/quant.png

Two panels (prefill, decode), one pair of bars per format; where a format
was measured more than once, the last line counts. Installs matplotlib with
pip when missing.
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="+")
    p.add_argument("-o", "--output", default="docs/quant.png")
    a = p.parse_args()
    rows = {}
    for path in a.results:
        with open(path) as f:
            for line in f:
                if line.startswith("{"):
                    r = json.loads(line)
                    if r.get("bench") == "quant":
                        rows[r["format"]] = r
    if not rows:
        sys.exit("plot_quant.py: no bench/quant.py lines")
    formats = list(rows)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, phase in zip(axes, ("prefill", "decode")):
        x = range(len(formats))
        seqc = [rows[f][f"seqc_{phase}_tok_s"] for f in formats]
        llama = [rows[f][f"llamacpp_{phase}_tok_s"] for f in formats]
        ax.bar([i - 0.2 for i in x], seqc, 0.4, label="seqc")
        ax.bar([i + 0.2 for i in x], llama, 0.4, label="llama.cpp")
        for i, f in enumerate(formats):
            ratio = rows[f][f"{phase}_ratio_seqc_over_llamacpp"]
            ax.text(i, max(seqc[i], llama[i]) * 1.02, f"{ratio:.2f}×", ha="center")
        ax.set_xticks(list(x), formats)
        ax.set_ylabel("tokens/s")
        ax.set_title(phase)
        ax.set_ylim(0, max(seqc + llama) * 1.15)
    axes[0].legend(loc="lower right")
    first = rows[formats[0]]
    fig.suptitle(f"{first['model']}, {first['threads']} threads, prompt {first['prompt']}")
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print(f"plot_quant.py: wrote {a.output}")


if __name__ == "__main__":
    main()
