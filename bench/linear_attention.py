#!/usr/bin/env python3
"""RetNet-style linear attention: seqc against chunked retention in PyTorch.

    python3 bench/linear_attention.py [--threads 2] [--lengths 1024,4096] [--repeat 2]

B = 1, H = 16 heads, K = V = 64, a constant decay per head (log γ), scale
1/√K, f32. seqc lowers this through the chunked SSD form. The peer is the
same chunked algorithm in PyTorch (Mamba2's `ssd_minimal_discrete` with
Δ = 1, chunk 64). Two more seqc figures for the same recurrence: the decay
given as a scalar gate per step ([B, L, H], every step equal; also chunked),
and as a per-channel gate ([B, L, H, K], every channel equal: GLA's
chunkwise form, chunks of 16), and the per-channel form lowered step by
step (`scan=reference`). Prints one JSON line per length.
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
from ssd import ssd_minimal  # noqa: E402


def torch_retention(q, k, v, log_gamma, scale, chunk=64):
    """y_t = Σ_{s≤t} γ^{t-s} (scale·q_t·k_s) v_s, chunked; state [H, V, K]."""
    b, l, h, _ = q.shape
    a = log_gamma.expand(b, l, h)
    return ssd_minimal(v, a, k, q * scale, chunk)


def compile_model(work, name, text, lowering=None):
    mlir = os.path.join(work, name + ".mlir")
    with open(mlir, "w") as f:
        f.write(text)
    so = mlir[:-5] + ".so"
    if lowering:
        # The strategy's choice recorded on the ops; seqc keeps it.
        lowered = mlir[:-5] + ".chosen.mlir"
        subprocess.run([os.path.join(ROOT, "build", "bin", "seq-opt"), mlir,
                        f"--seq-select-lowering={lowering}", "-o", lowered], check=True)
        mlir = lowered
    subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
    return so


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths", default="1024,4096")
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    work = tempfile.mkdtemp(prefix="seqc-linattn-")
    rng = np.random.default_rng(0)
    H, K, V = 16, 64, 64
    scale = 1.0 / K ** 0.5
    f32 = np.float32
    for L in (int(v) for v in a.lengths.split(",")):
        Q, X, S = f"tensor<1x{L}x{H}x{K}xf32>", f"tensor<1x{L}x{H}x{V}xf32>", f"tensor<1x{H}x{K}x{V}xf32>"
        sig = lambda g: f"({Q}, {Q}, {X}, {g}) -> ({X}, {S})"  # noqa: E731
        body = lambda g: (f"func.func @run(%q: {Q}, %k: {Q}, %v: {X}, %g: {g}) -> ({X}, {S}) {{\n"  # noqa: E731
                          f"  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) {{scale = {scale} : f32}} : {sig(g)}\n"
                          f"  return %y, %s : {X}, {S}\n}}\n")
        head = seqrt.Model(compile_model(work, f"head_{L}", body(f"tensor<{H}xf32>")), threads=a.threads)
        gate = seqrt.Model(compile_model(work, f"gate_{L}", body(f"tensor<1x{L}x{H}xf32>")), threads=a.threads)
        channel = seqrt.Model(compile_model(work, f"gla_{L}", body(f"tensor<1x{L}x{H}x{K}xf32>")),
                              threads=a.threads)
        step = seqrt.Model(compile_model(work, f"step_{L}", body(f"tensor<1x{L}x{H}x{K}xf32>"),
                                         lowering="scan=reference"), threads=a.threads)
        q, k = (rng.standard_normal((1, L, H, K), dtype=f32) for _ in range(2))
        v = rng.standard_normal((1, L, H, V), dtype=f32)
        # RetNet's decays: γ_h = 1 - 2^(-5-h·3/H) ... spread over [1-1/32, 1-1/256].
        log_gamma = np.log(1 - 2.0 ** (-5 - np.arange(H) * 3.0 / H)).astype(f32)
        gates = np.broadcast_to(log_gamma, (1, L, H)).copy()
        channel_gates = np.broadcast_to(log_gamma[:, None], (1, L, H, K)).copy()
        y, s = np.empty_like(v), np.empty((1, H, K, V), dtype=f32)
        y1, s1 = np.empty_like(y), np.empty_like(s)
        y2, s2 = np.empty_like(y), np.empty_like(s)
        y3, s3 = np.empty_like(y), np.empty_like(s)
        head_t = best_time(lambda: head.run("run", [q, k, v, log_gamma], [y, s]), a.repeat)
        gate_t = best_time(lambda: gate.run("run", [q, k, v, gates], [y1, s1]), a.repeat)
        gla_t = best_time(lambda: channel.run("run", [q, k, v, channel_gates], [y3, s3]), a.repeat)
        step_t = best_time(lambda: step.run("run", [q, k, v, channel_gates], [y2, s2]), a.repeat)
        tq, tk, tv, tg = (torch.from_numpy(x) for x in (q, k, v, log_gamma))
        with torch.no_grad():
            ty, ts = torch_retention(tq, tk, tv, tg, scale)
            torch_t = best_time(lambda: torch_retention(tq, tk, tv, tg, scale), a.repeat)
        ts = ts.transpose(-1, -2).numpy()  # [H, V, K] -> [H, K, V]
        err = float(max(np.abs(ty.numpy() - y).max(), np.abs(ts - s).max(),
                        np.abs(y1 - y).max(), np.abs(s1 - s).max(),
                        np.abs(y2 - y).max(), np.abs(s2 - s).max(),
                        np.abs(y3 - y).max(), np.abs(s3 - s).max()))
        print(json.dumps({
            "bench": "linear_attention", "batch": 1, "heads": H, "key_dim": K, "value_dim": V,
            "length": L, "threads": a.threads, "seqc_ms": round(head_t * 1e3, 2),
            "seqc_scalar_gate_ms": round(gate_t * 1e3, 2),
            "seqc_channel_gate_chunked_ms": round(gla_t * 1e3, 2),
            "seqc_step_by_step_ms": round(step_t * 1e3, 2), "torch_ms": round(torch_t * 1e3, 2),
            "ratio_torch_over_seqc": round(torch_t / head_t, 3),
            "ratio_step_by_step_over_chunked": round(step_t / head_t, 2),
            "ratio_step_by_step_over_channel_chunked": round(step_t / gla_t, 2),
            "max_abs_diff": err}), flush=True)
        del head, gate, channel, step


if __name__ == "__main__":
    main()
