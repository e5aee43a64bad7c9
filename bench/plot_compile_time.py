#!/usr/bin/env python3
"""Plots compile time against depth (bench/compile_time.py JSON lines).

    python3 bench/compile_time.py --shape llama3-8b --layers 1,2,4,8,32 > t.jsonl
    python3 bench/compile_time.py --shape llama3-8b --layers 1,2,4,8 \\
        --seqc-flags=--outline-layers=false >> t.jsonl
    python3 bench/plot_compile_time.py t.jsonl -o docs/compile-time.png

One line per (shape, seqc flags): seconds against layers. Installs
matplotlib with pip when missing.
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
    p.add_argument("-o", "--output", default="docs/compile-time.png")
    a = p.parse_args()
    series = {}
    for path in a.results:
        with open(path) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if r.get("bench") != "compile_time":
                    continue
                name = r["shape"] + (" " + r["seqc_flags"] if r["seqc_flags"] else " (default)")
                series.setdefault(name, []).append((r["layers"], r["compile_s"]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in sorted(series.items()):
        points.sort()
        ax.plot([x for x, _ in points], [y for _, y in points], marker="o", label=name)
    ax.set_xlabel("decoder layers")
    ax.set_ylabel("seqc compile time (s, wall)")
    ax.set_title("Compile time against depth (2 cores)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)


if __name__ == "__main__":
    main()
