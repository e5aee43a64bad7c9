#!/usr/bin/env python3
"""Sliding-window attention: does the work scale with the visible part?

    python3 bench/attention_sparse.py [--seq 16384] [--window 256] [--threads 2]

Compiles two one-op models (B=1, H=8, D=64, f32, causal) at the same length
S: dense causal, and causal with a sliding window w. Times both (each in a
fresh process, which also reports its peak resident memory) and prints one
JSON line with the visible fraction of the causal mask, the time ratio
window/dense and the target bound (1.3 × visible fraction), and the peak RSS
of each run next to the size an S×S score matrix would take. PyTorch SDPA
with the equivalent boolean mask is timed too (it materialises the mask).
Installs numpy/torch with pip when missing. Run after the README set-up.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from attention import best_time, np, torch  # noqa: E402  (installs peers)

RUNNER = r'''
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import seqrt
so, seq, heads, dim, threads, repeat = sys.argv[2], *map(int, sys.argv[3:8])
rng = np.random.default_rng(0)
q, k, v = (rng.standard_normal((1, seq, heads, dim), dtype=np.float32) for _ in range(3))
out = np.empty_like(q)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = seqrt.Model(so, threads=threads)
model.run("run", [q, k, v], [out])
best = float("inf")
for _ in range(repeat):
    t0 = time.perf_counter(); model.run("run", [q, k, v], [out]); best = min(best, time.perf_counter() - t0)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": best, "rss_mb": after / 1024, "rss_growth_mb": (after - before) / 1024}))
'''


def compile_model(work, name, seq, heads, dim, attrs):
    t = f"tensor<1x{seq}x{heads}x{dim}xf32>"
    mlir = os.path.join(work, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(f"func.func @run(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
                f"  %o = seq.attention %q, %k, %v {{{attrs}}} : {t}, {t}, {t} -> {t}\n"
                f"  return %o : {t}\n}}\n")
    so = mlir[:-5] + ".so"
    subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
    return so


def run(so, a):
    out = subprocess.run([sys.executable, "-c", RUNNER, os.path.join(ROOT, "bench"), so,
                          str(a.seq), str(a.heads), str(a.dim), str(a.threads), str(a.repeat)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seq", type=int, default=16384)
    p.add_argument("--window", type=int, default=256)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="seqc-sparse-")
    S, w = a.seq, a.window
    dense = run(compile_model(work, "dense", S, a.heads, a.dim, "causal"), a)
    window = run(compile_model(work, "window", S, a.heads, a.dim,
                               f"causal, sliding_window = {w} : i64"), a)
    # Visible (i, j) pairs: causal has S(S+1)/2; the window keeps min(i+1, w).
    visible_window = sum(min(i + 1, w) for i in range(S))
    fraction = visible_window / (S * (S + 1) / 2)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    q, k, v = (torch.from_numpy(rng.standard_normal((1, a.heads, S, a.dim), dtype=np.float32))
               for _ in range(3))
    i = torch.arange(S)
    mask = (i[None, :] <= i[:, None]) & (i[:, None] - i[None, :] < w)
    with torch.no_grad():
        torch_t = best_time(lambda: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=mask), a.repeat)
    ratio = window["seconds"] / dense["seconds"]
    print(json.dumps({
        "bench": "attention_sliding_window", "seq": S, "window": w, "heads": a.heads,
        "head_dim": a.dim, "threads": a.threads, "visible_fraction": round(fraction, 5),
        "dense_causal_ms": round(dense["seconds"] * 1e3, 2),
        "window_ms": round(window["seconds"] * 1e3, 2),
        "window_over_dense": round(ratio, 5),
        "window_over_visible_dense": round(ratio / fraction, 3), "target": 1.3,
        "torch_masked_sdpa_ms": round(torch_t * 1e3, 2),
        "ratio_torch_over_seqc_window": round(torch_t / window["seconds"], 2),
        "window_peak_rss_mb": round(window["rss_mb"], 1),
        "dense_peak_rss_mb": round(dense["rss_mb"], 1),
        "inputs_mb": round(4 * 4 * S * a.heads * a.dim / 1e6, 1),
        "score_matrix_mb_if_materialised": round(4 * a.heads * S * S / 1e6, 1)}), flush=True)


if __name__ == "__main__":
    main()
