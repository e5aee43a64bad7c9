#!/usr/bin/env python3
"""Attention forward on an NVIDIA GPU: seqc --target=cuda against PyTorch SDPA.

    python3 bench/gpu_attention.py [--seqs 1024,4096,16384] [--heads 16]
                                   [--head-dims 64,128] [--chain 8]
                                   [--repeat 5] [--arch sm_90]

f32, batch 1, causal and not. Each model chains `--chain` attention calls
(the output of one is the query of the next, keys and values shared), so
the copies of q, k, v in and the output out that every seq_model_run makes
are spread over many kernels. The peer runs the same chain with
torch.nn.functional.scaled_dot_product_attention on the same GPU, timed the
same way (host arrays in, host array out); SDPA picks its backend (for f32:
memory-efficient attention; flash and cuDNN take only f16/bf16, which seqc
does not compile yet). Prints one JSON line per shape: milliseconds per
chain, TFLOP/s (4·S²·D per head and call, halved when causal), the ratio
torch / seqc and the largest difference between the two chains' outputs.

Needs a CUDA GPU with its driver and torch with CUDA; seqc compiles the
models first, so without a GPU it stops after compiling, saying why.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import numpy as np  # noqa: E402
from gpu_gemm import best_of  # noqa: E402


def chain_model(path, S, H, D, causal, links):
    t = f"tensor<1x{S}x{H}x{D}xf32>"
    attr = " {causal}" if causal else ""
    lines, prev = [], "%q"
    for i in range(links):
        lines.append(f"  %o{i} = seq.attention {prev}, %k, %v{attr} : {t}, {t}, {t} -> {t}")
        prev = f"%o{i}"
    with open(path, "w") as f:
        f.write(f"func.func @run(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n")
        f.write("\n".join(lines) + f"\n  return {prev} : {t}\n}}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seqs", default="1024,4096,16384")
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--head-dims", default="64,128")
    p.add_argument("--chain", type=int, default=8)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--arch", default="sm_90")
    a = p.parse_args()
    # $SEQC: a stand-in (tools/gpu-check.sh replays models compiled elsewhere).
    seqc = os.environ.get("SEQC", os.path.join(ROOT, "build", "bin", "seqc"))
    work = tempfile.mkdtemp(prefix="seqc-gpu-attention-")
    cases = [(S, D, causal) for S in map(int, a.seqs.split(","))
             for D in map(int, a.head_dims.split(",")) for causal in (True, False)]
    models = {}
    for S, D, causal in cases:
        mlir = os.path.join(work, f"attn_{S}_{D}_{int(causal)}.mlir")
        chain_model(mlir, S, a.heads, D, causal, a.chain)
        models[(S, D, causal)] = mlir[:-5] + ".so"
        subprocess.run([seqc, mlir, f"--target=cuda:{a.arch}", "-o", models[(S, D, causal)]],
                       check=True)
    print(json.dumps({"compiled": len(models), "dir": work}), flush=True)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        sys.exit("gpu_attention: torch is not installed (pip install torch)")
    if not torch.cuda.is_available():
        sys.exit("gpu_attention: no CUDA GPU visible to torch: models compiled, nothing timed")
    import seqrt  # noqa: E402

    rng = np.random.default_rng(0)
    for S, D, causal in cases:
        q, k, v = (rng.standard_normal((1, S, a.heads, D), dtype=np.float32) for _ in range(3))
        model = seqrt.Model(models[(S, D, causal)])
        out = np.empty_like(q)
        seqc_t = best_of(lambda: model.run("run", [q, k, v], [out]), a.repeat)
        kt, vt = (torch.from_numpy(x).cuda().transpose(1, 2) for x in (k, v))

        def torch_chain():
            h = torch.from_numpy(q).cuda().transpose(1, 2)
            for _ in range(a.chain):
                h = F.scaled_dot_product_attention(h, kt, vt, is_causal=causal)
            return h.transpose(1, 2).cpu()
        torch_t = best_of(torch_chain, a.repeat)
        err = float(np.abs(out - torch_chain().numpy()).max())
        flops = 4.0 * S * S * D * a.heads * a.chain * (0.5 if causal else 1.0)
        print(json.dumps({
            "bench": "gpu_attention", "device": torch.cuda.get_device_name(), "arch": a.arch,
            "seq": S, "heads": a.heads, "head_dim": D, "causal": causal, "chain": a.chain,
            "seqc_ms": round(seqc_t * 1e3, 3), "torch_ms": round(torch_t * 1e3, 3),
            "seqc_tflops": round(flops / seqc_t / 1e12, 2),
            "torch_tflops": round(flops / torch_t / 1e12, 2),
            "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
            "max_abs_diff_vs_torch": err}), flush=True)
        del model


if __name__ == "__main__":
    main()
