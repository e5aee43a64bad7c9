#!/usr/bin/env python3
"""Mamba selective scan: seqc against a straightforward PyTorch loop and Halide.

    python3 bench/selective_scan.py [--threads 2] [--lengths 1024,8192] [--repeat 2]
                                    [--no-halide] [--channels 1536] [--segments 1]

B = 1, D = 1536, N = 16, f32, with D, z, delta_softplus (Mamba's settings).
The peer is the recurrence written plainly in PyTorch (the loop of
selective_scan_ref, one step at a time so memory stays O(D·N)), on the same
threads. Prints one JSON line per length: times, ratio (torch / seqc), the
bytes the scan must touch (u, Δ, z, y: L·D floats each; B, C: L·N) and the
fraction of the measured triad bandwidth that seqc reaches, and the same scan
in Halide with a hand-written schedule (bench/halide_scan.py, JIT for this
CPU, HL_NUM_THREADS = threads). Installs numpy/torch/halide with pip when
missing.

--segments 1,2,4 also compiles the two-pass parallel-prefix form
(seqc --scan-segments=S) and reports each against the sequential carry; with
few channels (--channels 16: one tile) it is the only way to use the threads.
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
try:
    import numpy as np
    import torch
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "numpy", "torch"], check=True)
    import numpy as np
    import torch

import seqrt  # noqa: E402
from attention import best_time, peak  # noqa: E402


def torch_scan(u, delta, A, B, C, D, z):
    """selective_scan_ref's recurrence, token-major, one step at a time."""
    Bsz, L, Dm = u.shape
    delta = torch.nn.functional.softplus(delta)
    x = torch.zeros(Bsz, Dm, A.shape[1])
    ys = []
    for t in range(L):
        x = torch.exp(delta[:, t, :, None] * A) * x + \
            delta[:, t, :, None] * B[:, t, None, :] * u[:, t, :, None]
        ys.append((x * C[:, t, None, :]).sum(-1))
    y = torch.stack(ys, dim=1) + u * D
    return y * torch.nn.functional.silu(z), x


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths", default="1024,8192")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--no-halide", action="store_true", help="skip the Halide peer")
    p.add_argument("--channels", type=int, default=1536, help="D (a multiple of 16)")
    p.add_argument("--segments", default="1",
                   help="comma-separated --scan-segments values (1: sequential carry)")
    a = p.parse_args()
    # Halide's thread pool reads this when it starts.
    os.environ["HL_NUM_THREADS"] = str(a.threads)
    if not a.no_halide:
        from halide_scan import HalideScan
    torch.set_num_threads(a.threads)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    work = tempfile.mkdtemp(prefix="seqc-scan-")
    rng = np.random.default_rng(0)
    D, N = a.channels, 16
    segment_counts = [int(x) for x in a.segments.split(",")]
    for L in (int(x) for x in a.lengths.split(",")):
        X, S = f"tensor<1x{L}x{D}xf32>", f"tensor<1x{L}x{N}xf32>"
        mlir = os.path.join(work, f"scan_{L}.mlir")
        with open(mlir, "w") as f:
            f.write(f"func.func @run(%u: {X}, %dt: {X}, %a: tensor<{D}x{N}xf32>, %b: {S}, %c: {S}, "
                    f"%d: tensor<{D}xf32>, %z: {X}) -> ({X}, tensor<1x{D}x{N}xf32>) {{\n"
                    f"  %y, %h = seq.selective_scan %u, %dt, %a, %b, %c D(%d) z(%z) {{delta_softplus}} : "
                    f"({X}, {X}, tensor<{D}x{N}xf32>, {S}, {S}, tensor<{D}xf32>, {X}) -> "
                    f"({X}, tensor<1x{D}x{N}xf32>)\n  return %y, %h : {X}, tensor<1x{D}x{N}xf32>\n}}\n")
        models = {}
        for segs in segment_counts:
            so = mlir[:-5] + f".s{segs}.so"
            subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so,
                            f"--scan-segments={segs}"], check=True)
            models[segs] = seqrt.Model(so, threads=a.threads)
        model = models[segment_counts[0]]
        f32 = np.float32
        u = rng.standard_normal((1, L, D), dtype=f32)
        dt = rng.standard_normal((1, L, D), dtype=f32) * f32(0.5) - f32(1)
        A = -np.exp(rng.standard_normal((D, N), dtype=f32) * f32(0.5))
        Bm, Cm = (rng.standard_normal((1, L, N), dtype=f32) for _ in range(2))
        Dv = rng.standard_normal(D, dtype=f32)
        z = rng.standard_normal((1, L, D), dtype=f32)
        y = np.empty_like(u)
        h = np.empty((1, D, N), dtype=f32)
        seqc_t = best_time(lambda: model.run("run", [u, dt, A, Bm, Cm, Dv, z], [y, h]), a.repeat)
        segmented = {}
        for segs, m in list(models.items())[1:]:
            ys, hs = np.empty_like(u), np.empty((1, D, N), dtype=f32)
            ts = best_time(lambda: m.run("run", [u, dt, A, Bm, Cm, Dv, z], [ys, hs]), a.repeat)
            segmented[f"segments{segs}_ms"] = round(ts * 1e3, 3)
            segmented[f"segments{segs}_max_abs_diff_vs_first"] = float(np.abs(ys - y).max())
        tens = [torch.from_numpy(x) for x in (u, dt, A, Bm, Cm, Dv, z)]
        with torch.no_grad():
            ty, th = torch_scan(*tens)
            torch_t = best_time(lambda: torch_scan(*tens), a.repeat)
        err = float(max(np.abs(ty.numpy() - y).max(), np.abs(th.numpy() - h).max()))
        halide = {}
        if not a.no_halide:
            hs = HalideScan(L, D, N, a.threads)
            hy = np.empty_like(u)
            halide_t = best_time(lambda: hs.run(u, dt, A, Bm, Cm, Dv, z, hy), a.repeat)
            halide = {"halide_ms": round(halide_t * 1e3, 3),
                      "ratio_halide_over_seqc": round(halide_t / seqc_t, 2),
                      "halide_max_abs_diff": float(np.abs(ty.numpy() - hy).max())}
        nbytes = 4.0 * (4 * L * D + 2 * L * N)
        print(json.dumps({
            "bench": "selective_scan", "batch": 1, "channels": D, "state": N, "length": L,
            "threads": a.threads, "segments": segment_counts[0], "seqc_ms": round(seqc_t * 1e3, 3), "torch_ms": round(torch_t * 1e3, 3),
            "ratio_torch_over_seqc": round(torch_t / seqc_t, 2),
            "seqc_gbs": round(nbytes / seqc_t / 1e9, 2),
            "seqc_fraction_of_triad": round(nbytes / seqc_t / 1e9 / limits["triad_gbs"], 4),
            "max_abs_diff": err, **segmented, **halide}), flush=True)
        del model, models


if __name__ == "__main__":
    main()
