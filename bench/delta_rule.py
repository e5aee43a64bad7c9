#!/usr/bin/env python3
"""The gated delta rule (Qwen3-Next's linear attention): seqc against
transformers' chunked PyTorch implementation.

    python3 bench/delta_rule.py [--threads 2] [--lengths 512,2048] [--repeat 2]

B = 1, H = 32 value heads, K = V = 128 (Qwen3-Next-80B's gated DeltaNet
layer), unit-norm keys, β in (0, 1), gates g ≤ 0, scale 1/√K, f32. seqc
lowers `seq.delta_rule` chunkwise (the WY form, chunks of 16 unless
`--chunks` lists others) and, for comparison, step by step
(`scan=reference`). The peer is `torch_chunk_gated_delta_rule` from
transformers (the same chunked algorithm, chunk 64, on q and k already
normalised). Prints one JSON line per length.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import seqrt  # noqa: E402
from attention import best_time  # noqa: E402


def compile_model(work, name, text, lowering):
    mlir = os.path.join(work, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(text)
    # The strategy's choice recorded on the op; seqc keeps it.
    chosen = mlir[:-5] + ".chosen.mlir"
    subprocess.run([os.path.join(ROOT, "build", "bin", "seq-opt"), mlir,
                    f"--seq-select-lowering={lowering}", "-o", chosen], check=True)
    so = mlir[:-5] + ".so"
    subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), chosen, "-o", so], check=True)
    return so


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths", default="512,2048")
    p.add_argument("--chunks", default="16")
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--no-stepwise", action="store_true", help="skip the step-by-step lowering")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from transformers.models.qwen3_next.modeling_qwen3_next import torch_chunk_gated_delta_rule

    work = tempfile.mkdtemp(prefix="seqc-delta-")
    rng = np.random.default_rng(0)
    H, K, V = a.heads, 128, 128
    scale = 1.0 / K ** 0.5
    f32 = np.float32
    for L in (int(v) for v in a.lengths.split(",")):
        Q, X, G, S = (f"tensor<1x{L}x{H}x{K}xf32>", f"tensor<1x{L}x{H}x{V}xf32>",
                      f"tensor<1x{L}x{H}xf32>", f"tensor<1x{H}x{K}x{V}xf32>")
        body = (f"func.func @run(%q: {Q}, %k: {Q}, %v: {X}, %b: {G}, %g: {G}) -> ({X}, {S}) {{\n"
                f"  %y, %s = seq.delta_rule %q, %k, %v, %b log_decay(%g) {{scale = {scale} : f32}}"
                f" : ({Q}, {Q}, {X}, {G}, {G}) -> ({X}, {S})\n"
                f"  return %y, %s : {X}, {S}\n}}\n")
        q, k = (rng.standard_normal((1, L, H, K), dtype=f32) for _ in range(2))
        q /= np.linalg.norm(q, axis=-1, keepdims=True)
        k /= np.linalg.norm(k, axis=-1, keepdims=True)
        v = rng.standard_normal((1, L, H, V), dtype=f32)
        beta = (1 / (1 + np.exp(-rng.standard_normal((1, L, H))))).astype(f32)
        g = np.log(1 / (1 + np.exp(-rng.standard_normal((1, L, H)) - 3))).astype(f32)
        tq, tk, tv, tb, tg = (torch.from_numpy(x) for x in (q, k, v, beta, g))
        with torch.no_grad():
            ty, ts = torch_chunk_gated_delta_rule(tq, tk, tv, g=tg, beta=tb,
                                                  output_final_state=True)
            torch_t = best_time(lambda: torch_chunk_gated_delta_rule(
                tq, tk, tv, g=tg, beta=tb, output_final_state=True), a.repeat)
        ty, ts = ty.numpy(), ts.numpy()
        row = {"bench": "delta_rule", "batch": 1, "heads": H, "key_dim": K, "value_dim": V,
               "length": L, "threads": a.threads, "torch_chunk64_ms": round(torch_t * 1e3, 2)}
        variants = [(f"chunk{c}", f"ssd-chunk={c}") for c in a.chunks.split(",")]
        if not a.no_stepwise:
            variants.append(("stepwise", "scan=reference"))
        err = 0.0
        best = None
        for label, lowering in variants:
            model = seqrt.Model(compile_model(work, f"{label}_{L}", body, lowering), threads=a.threads)
            y, s = np.empty_like(v), np.empty((1, H, K, V), dtype=f32)
            t = best_time(lambda: model.run("run", [q, k, v, beta, g], [y, s]), a.repeat)
            err = max(err, float(np.abs(y - ty).max()), float(np.abs(s - ts).max()))
            row[f"seqc_{label}_ms"] = round(t * 1e3, 2)
            if label != "stepwise" and (best is None or t < best):
                best = t
            del model
        row["ratio_torch_over_seqc"] = round(torch_t / best, 3)
        row["max_abs_diff_vs_torch"] = err
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
