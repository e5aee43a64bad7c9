#!/usr/bin/env python3
"""Projections y = x·Wᵀ (seq.linear, f32): seqc against OpenBLAS on the CPU.

    python3 bench/projections.py [--threads 2] [--models tinyllama,llama3-8b,mamba-130m]
                                 [--rows 1,16,256,2048] [--repeat 3] [--weights file|input]

For each projection of the named models' layers (W is [out, in], PyTorch
layout) and each row count M, compiles a one-op model with `seqc` (W is its
seq.weight, bound from a safetensors file as in a model, so in panels laid
out at load; `--weights input`: an argument of every call, [out, in]), runs
it through libseqrt (bench/seqrt.py) and times numpy's `x @ W.T` (numpy's
bundled OpenBLAS, its AVX-512 kernels where the CPU has them) on the same
data and thread count; checks both agree; prints one JSON line per case:
times, ratio (OpenBLAS time / seqc time: > 1 means seqc is faster),
GFLOP/s and fraction of this machine's FMA peak, and for M = 1 (a decode
step, bound by reading W) GB/s of W and fraction of the triad bandwidth
(bench/peak.c, measured in the same run). Installs numpy with pip when
missing. Run after the README set-up.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

# (name, out, in) of each distinct projection of a layer.
MODELS = {
    "tinyllama": [("q_o", 2048, 2048), ("k_v", 256, 2048), ("gate_up", 5632, 2048),
                  ("down", 2048, 5632)],
    "llama3-8b": [("q_o", 4096, 4096), ("k_v", 1024, 4096), ("gate_up", 14336, 4096),
                  ("down", 4096, 14336)],
    "mamba-130m": [("in_proj", 3072, 768), ("out_proj", 768, 1536)],
    # OPUS-MT's head: 58101 outputs, a multiple of neither 32 nor 64.
    "opus-mt": [("lm_head", 58101, 512), ("ffn_up", 2048, 512), ("q_o", 512, 512)],
}


def write_safetensors(path, w):
    """W as the f32 tensor "w" of a safetensors file."""
    header = json.dumps({"w": {"dtype": "F32", "shape": list(w.shape),
                               "data_offsets": [0, w.nbytes]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + w.tobytes())
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--models", default="tinyllama,llama3-8b,mamba-130m")
    p.add_argument("--rows", default="1,16,256,2048")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--weights", choices=["file", "input"], default="file",
                   help="file: W is the model's seq.weight, bound from a safetensors "
                        "file (as in a model: seqc lays it out in panels at load); "
                        "input: W is passed on every call, in [out, in] layout")
    a = p.parse_args()
    # OpenBLAS reads its thread count when it loads.
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)
    try:
        import numpy as np
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "numpy"], check=True)
        import numpy as np
    import seqrt
    from measure import best_time, peak

    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    work = tempfile.mkdtemp(prefix="seqc-proj-")
    rng = np.random.default_rng(0)
    seqc = os.environ.get("SEQC", os.path.join(ROOT, "build", "bin", "seqc"))
    for model in a.models.split(","):
        for name, n, k in MODELS[model]:
            w = (rng.standard_normal((n, k), dtype=np.float32) / np.sqrt(k)).astype(np.float32)
            for m in (int(r) for r in a.rows.split(",")):
                x = rng.standard_normal((m, k), dtype=np.float32)
                tx, tw, ty = (f"tensor<{m}x{k}xf32>", f"tensor<{n}x{k}xf32>",
                              f"tensor<{m}x{n}xf32>")
                mlir = os.path.join(work, f"{model}_{name}_{m}.mlir")
                bound = a.weights == "file"
                with open(mlir, "w") as f:
                    if bound:
                        f.write(f"func.func @run(%x: {tx}) -> {ty} {{\n"
                                f"  %w = seq.weight \"w\" : {tw}\n")
                    else:
                        f.write(f"func.func @run(%x: {tx}, %w: {tw}) -> {ty} {{\n")
                    f.write(f"  %y = seq.linear %x, %w : {tx}, {tw} -> {ty}\n"
                            f"  return %y : {ty}\n}}\n")
                so = mlir[:-5] + ".so"
                subprocess.run([seqc, mlir, "-o", so, "--no-cache"], check=True)
                weights = write_safetensors(mlir[:-5] + ".safetensors", w) if bound else None
                lib = seqrt.Model(so, weights=weights, threads=a.threads)
                out = np.empty((m, n), dtype=np.float32)
                inputs = [x] if bound else [x, w]
                seqc_t = best_time(lambda: lib.run("run", inputs, [out]), a.repeat)
                wt = w.T
                blas_t = best_time(lambda: x @ wt, a.repeat)
                ref = x @ wt
                flops = 2.0 * m * n * k
                case = {"bench": "projection", "model": model, "proj": name, "m": m, "n": n,
                        "k": k, "threads": a.threads, "weights": a.weights,
                        "seqc_ms": round(seqc_t * 1e3, 3), "openblas_ms": round(blas_t * 1e3, 3),
                        "ratio_openblas_over_seqc": round(blas_t / seqc_t, 3),
                        "seqc_gflops": round(flops / seqc_t / 1e9, 1),
                        "openblas_gflops": round(flops / blas_t / 1e9, 1),
                        "seqc_fraction_of_peak": round(flops / seqc_t / 1e9 / limits["fma_gflops"], 3),
                        "max_rel_diff": float(np.abs(ref - out).max() / max(np.abs(ref).max(), 1e-30))}
                if m == 1:
                    gbs = n * k * 4 / seqc_t / 1e9
                    case.update({"seqc_weight_gbs": round(gbs, 1),
                                 "seqc_fraction_of_triad": round(gbs / limits["triad_gbs"], 3)})
                print(json.dumps(case), flush=True)
                del lib


if __name__ == "__main__":
    main()
