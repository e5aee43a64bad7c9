#!/usr/bin/env python3
"""Mamba2 SSD: seqc against the state-space-duality reference in PyTorch.

    python3 bench/ssd.py [--threads 2] [--lengths 1024,4096] [--repeat 2]

B = 1, H = 24 heads, P = 64, N = 128, one B/C group, f32, with D, dt_bias
and softplus. The peer is the chunked SSD algorithm of the Mamba2 paper's
minimal reference (`ssd_minimal_discrete`, chunk 64), written in PyTorch,
same threads. Prints one JSON line per length with times, the ratio, and the
GFLOP/s of the chunked algorithm's matmuls relative to the measured FMA peak.
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
from attention import best_time, peak  # noqa: E402


def segsum(x):
    T = x.size(-1)
    x = x[..., None].repeat(*([1] * x.dim()), T)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
    x = x.masked_fill(~mask, 0)
    s = torch.cumsum(x, dim=-2)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=0)
    return s.masked_fill(~mask, -torch.inf)


def ssd_minimal(X, A, B, C, chunk):
    """Mamba2's ssd_minimal_discrete: X [b, l, h, p], A [b, l, h], B, C [b, l, h, n]."""
    b, l, h, p = X.shape
    c = l // chunk
    X, A, B, C = (t.reshape(b, c, chunk, *t.shape[2:]) for t in (X, A, B, C))
    A = A.permute(0, 3, 1, 2)  # b h c l
    A_cumsum = torch.cumsum(A, dim=-1)
    L = torch.exp(segsum(A))
    Y_diag = torch.einsum("bclhn,bcshn,bhcls,bcshp->bclhp", C, B, L, X)
    decay_states = torch.exp(A_cumsum[:, :, :, -1:] - A_cumsum)
    states = torch.einsum("bclhn,bhcl,bclhp->bchpn", B, decay_states, X)
    initial = torch.zeros_like(states[:, :1])
    states = torch.cat([initial, states], dim=1)
    decay_chunk = torch.exp(segsum(torch.nn.functional.pad(A_cumsum[:, :, :, -1], (1, 0))))
    new_states = torch.einsum("bhzc,bchpn->bzhpn", decay_chunk, states)
    states, final = new_states[:, :-1], new_states[:, -1]
    state_decay_out = torch.exp(A_cumsum)
    Y_off = torch.einsum("bclhn,bchpn,bhcl->bclhp", C, states, state_decay_out)
    return (Y_diag + Y_off).reshape(b, l, h, p), final


def torch_ssd(x, dt, A, B, C, D, dt_bias, chunk=64):
    dt = torch.nn.functional.softplus(dt + dt_bias)          # [b, l, h]
    h = x.shape[2]
    Bh = B.expand(-1, -1, h, -1)                               # one group
    Ch = C.expand(-1, -1, h, -1)
    y, final = ssd_minimal(x * dt[..., None], A * dt, Bh, Ch, chunk)
    return y + x * D[:, None], final


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths", default="1024,4096")
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    work = tempfile.mkdtemp(prefix="seqc-ssd-")
    rng = np.random.default_rng(0)
    H, P, N = 24, 64, 128
    f32 = np.float32
    for L in (int(v) for v in a.lengths.split(",")):
        X, T, BC = f"tensor<1x{L}x{H}x{P}xf32>", f"tensor<1x{L}x{H}xf32>", f"tensor<1x{L}x1x{N}xf32>"
        S, V = f"tensor<1x{H}x{P}x{N}xf32>", f"tensor<{H}xf32>"
        mlir = os.path.join(work, f"ssd_{L}.mlir")
        with open(mlir, "w") as f:
            f.write(f"func.func @run(%x: {X}, %dt: {T}, %a: {V}, %b: {BC}, %c: {BC}, %d: {V}, %db: {V}) -> ({X}, {S}) {{\n"
                    f"  %y, %s = seq.ssd %x, %dt, %a, %b, %c D(%d) dt_bias(%db) {{dt_softplus}} : "
                    f"({X}, {T}, {V}, {BC}, {BC}, {V}, {V}) -> ({X}, {S})\n  return %y, %s : {X}, {S}\n}}\n")
        so = mlir[:-5] + ".so"
        subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
        model = seqrt.Model(so, threads=a.threads)
        x = rng.standard_normal((1, L, H, P), dtype=f32)
        dt = rng.standard_normal((1, L, H), dtype=f32) * f32(0.5) - f32(2)
        A = -np.exp(rng.standard_normal(H, dtype=f32) * f32(0.3))
        B, C = (rng.standard_normal((1, L, 1, N), dtype=f32) * f32(0.3) for _ in range(2))
        D, db = rng.standard_normal(H, dtype=f32), rng.standard_normal(H, dtype=f32) * f32(0.1)
        y = np.empty_like(x)
        s = np.empty((1, H, P, N), dtype=f32)
        seqc_t = best_time(lambda: model.run("run", [x, dt, A, B, C, D, db], [y, s]), a.repeat)
        tens = [torch.from_numpy(v) for v in (x, dt, A, B, C, D, db)]
        with torch.no_grad():
            ty, ts = torch_ssd(*tens)
            torch_t = best_time(lambda: torch_ssd(*tens), a.repeat)
        err = float(max(np.abs(ty.numpy() - y).max(), np.abs(ts.numpy() - s).max()))
        # The chunked algorithm's matmul work (chunk Q = 64), per head:
        # C·Bᵀ within chunks (L·Q·N), its masked product with x (L·Q·P),
        # chunk states Bᵀ·x and their read-out C·state (L·N·P each).
        Q = 64
        flops = 2.0 * H * L * (Q * N + Q * P + 2 * N * P)
        print(json.dumps({
            "bench": "ssd", "batch": 1, "heads": H, "head_dim": P, "state": N, "length": L,
            "threads": a.threads, "seqc_ms": round(seqc_t * 1e3, 2), "torch_ms": round(torch_t * 1e3, 2),
            "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
            "matmul_gflop": round(flops / 1e9, 2),
            "seqc_gflops": round(flops / seqc_t / 1e9, 1),
            "seqc_fraction_of_peak": round(flops / seqc_t / 1e9 / limits["fma_gflops"], 4),
            "max_abs_diff": err}), flush=True)
        del model


if __name__ == "__main__":
    main()
