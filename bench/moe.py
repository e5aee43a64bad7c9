#!/usr/bin/env python3
"""Mixture of experts: seqc's seq.moe against transformers' eager experts loop.

    python3 bench/moe.py [--threads 2] [--tokens 1,16,256] [--repeat 3]

One MoE layer at LFM2-8B-A1B's shape scaled to this machine: D = 1024, 32
SwiGLU experts of F = 896, top 4 by sigmoid (+ a selection bias),
renormalised; f32. The peer is the loop transformers runs (`Lfm2MoeExperts`:
only the experts some token chose, each on its tokens), in PyTorch. Prints
one JSON line per token count.
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
import torch.nn.functional as F  # noqa: E402

import seqrt  # noqa: E402
from attention import best_time  # noqa: E402


def torch_moe(x, logits, bias, wg, wu, wd, k):
    scores = torch.sigmoid(logits)
    sel = torch.topk(scores + bias, k, dim=-1).indices
    w = scores.gather(-1, sel)
    w = w / (w.sum(-1, keepdim=True) + 1e-6)
    out = torch.zeros_like(x)
    for e in torch.unique(sel).tolist():
        tok, slot = torch.where(sel == e)
        h = F.silu(x[tok] @ wg[e].T) * (x[tok] @ wu[e].T)
        out.index_add_(0, tok, (h @ wd[e].T) * w[tok, slot, None])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tokens", default="1,16,256")
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    work = tempfile.mkdtemp(prefix="seqc-moe-")
    rng = np.random.default_rng(0)
    D, E, Fd, K = 1024, 32, 896, 4
    f32 = np.float32
    wg = (rng.standard_normal((E, Fd, D)) * D ** -0.5).astype(f32)
    wu = (rng.standard_normal((E, Fd, D)) * D ** -0.5).astype(f32)
    wd = (rng.standard_normal((E, D, Fd)) * Fd ** -0.5).astype(f32)
    bias = (rng.standard_normal(E) * 0.3).astype(f32)
    for T in (int(v) for v in a.tokens.split(",")):
        X, L = f"tensor<1x{T}x{D}xf32>", f"tensor<1x{T}x{E}xf32>"
        G, Dn, B = f"tensor<{E}x{Fd}x{D}xf32>", f"tensor<{E}x{D}x{Fd}xf32>", f"tensor<{E}xf32>"
        text = (f"func.func @run(%x: {X}, %l: {L}, %g: {G}, %u: {G}, %d: {Dn}, %b: {B}) -> {X} {{\n"
                f"  %y = seq.moe %x, %l, %g, %u, %d selection_bias(%b) routing sigmoid_topk"
                f" {{top_k = {K} : i64, normalize, normalize_epsilon = 1.0e-6 : f32}}"
                f" : {X}, {L}, {G}, {G}, {Dn} selection_bias {B}\n"
                f"  return %y : {X}\n}}\n")
        mlir = os.path.join(work, f"moe_{T}.mlir")
        with open(mlir, "w") as f:
            f.write(text)
        so = mlir[:-5] + ".so"
        subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
        model = seqrt.Model(so, threads=a.threads)
        x = rng.standard_normal((1, T, D), dtype=f32)
        logits = rng.standard_normal((1, T, E), dtype=f32)
        y = np.empty_like(x)
        seqc_t = best_time(lambda: model.run("run", [x, logits, wg, wu, wd, bias], [y]), a.repeat)
        tx, tl = torch.from_numpy(x[0]), torch.from_numpy(logits[0])
        tw = [torch.from_numpy(w) for w in (wg, wu, wd)]
        with torch.no_grad():
            ty = torch_moe(tx, tl, torch.from_numpy(bias), *tw, K)
            torch_t = best_time(lambda: torch_moe(tx, tl, torch.from_numpy(bias), *tw, K), a.repeat)
        print(json.dumps({"bench": "moe", "tokens": T, "dim": D, "experts": E, "ffn": Fd,
                          "top_k": K, "threads": a.threads, "seqc_ms": round(seqc_t * 1e3, 3),
                          "torch_ms": round(torch_t * 1e3, 3),
                          "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
                          "max_abs_diff": float(np.abs(ty.numpy() - y[0]).max())}), flush=True)
        del model


if __name__ == "__main__":
    main()
