#!/usr/bin/env python3
"""Causal attention prefill: seqc against PyTorch SDPA on the CPU.

    python3 bench/attention.py [--threads 2] [--max-seq 2048] [--repeat 3]

For each shape (B=1, heads 8/32, head dim 64/128, S 512/2048/8192, f32,
causal) compiles a one-op model with `seqc`, runs it through libseqrt
(bench/seqrt.py), and times torch.nn.functional.scaled_dot_product_attention
on the same data, threads and dtype; checks both outputs agree; prints one
JSON line per case: times, ratio (torch time / seqc time: > 1 means seqc is
faster), GFLOP/s of the QK and PV products (causal half), and the fraction
of this machine's FMA peak (bench/peak.c, measured in the same run).
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

try:
    import numpy as np
    import torch
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "numpy", "torch"], check=True)
    import numpy as np
    import torch

import seqrt  # noqa: E402
from measure import best_time, peak  # noqa: E402,F401  (other benchmarks import them from here)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-seq", type=int, default=2048,
                   help="longest S to run (the reference lowering materialises S x S scores)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--lowering", default="flash",
                   help="attention lowering: flash (default), flash-generic or reference")
    p.add_argument("--heads", default="8,32")
    p.add_argument("--dims", default="64,128")
    p.add_argument("--seqs", default="512,2048,8192")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    work = tempfile.mkdtemp(prefix="seqc-attn-")
    rng = np.random.default_rng(0)
    ints = lambda text: [int(x) for x in text.split(",")]
    for heads in ints(a.heads):
        for dim in ints(a.dims):
            for seq in ints(a.seqs):
                case = {"bench": "attention_causal_prefill", "lowering": a.lowering,
                        "dtype": "f32", "batch": 1,
                        "heads": heads, "head_dim": dim, "seq": seq, "threads": a.threads}
                if seq > a.max_seq:
                    case["skipped"] = f"S > --max-seq {a.max_seq}"
                    print(json.dumps(case), flush=True)
                    continue
                t = f"tensor<1x{seq}x{heads}x{dim}xf32>"
                mlir = os.path.join(work, f"attn_{heads}_{dim}_{seq}.mlir")
                with open(mlir, "w") as f:
                    f.write(f"func.func @run(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
                            f"  %o = seq.attention %q, %k, %v {{causal}} : {t}, {t}, {t} -> {t}\n"
                            f"  return %o : {t}\n}}\n")
                so = mlir[:-5] + ".so"
                if a.lowering != "flash":
                    # The strategy's choice recorded on the op; seqc keeps it.
                    lowered = mlir[:-5] + ".chosen.mlir"
                    subprocess.run([os.path.join(ROOT, "build", "bin", "seq-opt"), mlir,
                                    f"--seq-select-lowering=attention={a.lowering}",
                                    "-o", lowered], check=True)
                    mlir = lowered
                subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
                model = seqrt.Model(so, threads=a.threads)
                q, k, v = (rng.standard_normal((1, seq, heads, dim), dtype=np.float32) for _ in range(3))
                out = np.empty_like(q)
                seqc_t = best_time(lambda: model.run("run", [q, k, v], [out]), a.repeat)
                tq, tk, tv = (torch.from_numpy(x).transpose(1, 2).contiguous() for x in (q, k, v))
                with torch.no_grad():
                    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
                    torch_t = best_time(lambda: torch.nn.functional.scaled_dot_product_attention(
                        tq, tk, tv, is_causal=True), a.repeat)
                err = float(np.abs(ref.transpose(1, 2).numpy() - out).max())
                flops = 2.0 * seq * seq * dim * heads  # QK and PV, causal half
                case.update({"seqc_ms": round(seqc_t * 1e3, 3), "torch_ms": round(torch_t * 1e3, 3),
                             "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
                             "seqc_gflops": round(flops / seqc_t / 1e9, 1),
                             "torch_gflops": round(flops / torch_t / 1e9, 1),
                             "seqc_fraction_of_peak": round(flops / seqc_t / 1e9 / limits["fma_gflops"], 4),
                             "max_abs_diff": err})
                print(json.dumps(case), flush=True)
                del model


if __name__ == "__main__":
    main()
