#!/usr/bin/env python3
"""f32 projections on an NVIDIA GPU: seqc --target=cuda against torch.matmul.

    python3 bench/gpu_gemm.py [--shapes 512x4096x4096,2048x4096x11008]
                              [--chain 16] [--repeat 5] [--arch sm_90]
                              [--gpu-matmul tf32x3,tf32,simt]

Each shape MxNxK is a model of `--chain` projections y = x·Wᵀ by weights
W [N, K] (N = K for every link but the last) that the runtime uploads once,
so the copies of the input and output that every seq_model_run makes (host
arrays in, host arrays out) are spread over many products. The peer runs the same chain in
PyTorch on the same GPU, timed the same way (host array in, host array
out), with torch.backends.cuda.matmul.allow_tf32 set to match the mode
(tf32: on; tf32x3 and simt: off, i.e. full f32). Prints one JSON line per
shape and mode: milliseconds per chain, TFLOP/s, ratio (torch / seqc) and
the largest relative error against a float64 reference.

Needs a CUDA GPU with its driver and torch with CUDA; seqc compiles the
models first, so without a GPU it stops after compiling, saying why.
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
from measure import best_time  # noqa: E402


def chain_model(path, M, N, K, links):
    """MLIR for `links` projections by weights w0..w{links-1}, the last one
    to N columns (the weights live on the device, uploaded once)."""
    lines, prev = [], "%x"
    for i in range(links):
        n = N if i == links - 1 else K
        lines.append(f'  %w{i} = seq.weight "w{i}" : tensor<{n}x{K}xf32>')
        lines.append(f"  %y{i} = seq.linear {prev}, %w{i} : tensor<{M}x{K}xf32>, "
                     f"tensor<{n}x{K}xf32> -> tensor<{M}x{n}xf32>")
        prev = f"%y{i}"
    with open(path, "w") as f:
        f.write(f"func.func @run(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{\n")
        f.write("\n".join(lines) + f"\n  return {prev} : tensor<{M}x{N}xf32>\n}}\n")


def write_safetensors(path, tensors):
    """f32 arrays by name in the safetensors format (JSON header + data)."""
    header, offset = {}, 0
    for name, a in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(len(blob).to_bytes(8, "little") + blob)
        for a in tensors.values():
            f.write(np.ascontiguousarray(a, dtype=np.float32).tobytes())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shapes", default="512x4096x4096,2048x4096x4096,2048x11008x4096")
    p.add_argument("--chain", type=int, default=16)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--arch", default="sm_90")
    p.add_argument("--gpu-matmul", default="tf32x3,tf32,simt")
    a = p.parse_args()
    # $SEQC: a stand-in (tools/gpu-check.sh replays models compiled elsewhere).
    seqc = os.environ.get("SEQC", os.path.join(ROOT, "build", "bin", "seqc"))
    work = tempfile.mkdtemp(prefix="seqc-gpu-gemm-")
    rng = np.random.default_rng(0)
    shapes = [tuple(int(v) for v in s.split("x")) for s in a.shapes.split(",")]
    modes = a.gpu_matmul.split(",")
    compiled = {}
    for M, N, K in shapes:
        mlir = os.path.join(work, f"chain_{M}x{N}x{K}.mlir")
        chain_model(mlir, M, N, K, a.chain)
        for mode in modes:
            so = mlir[:-5] + f".{mode}.so"
            subprocess.run([seqc, mlir, f"--target=cuda:{a.arch}", f"--gpu-matmul={mode}",
                            "-o", so], check=True)
            compiled[(M, N, K, mode)] = so
    print(json.dumps({"compiled": len(compiled), "dir": work}), flush=True)
    try:
        import torch
    except ImportError:
        sys.exit("gpu_gemm: torch is not installed (pip install torch)")
    if not torch.cuda.is_available():
        sys.exit("gpu_gemm: no CUDA GPU visible to torch: models compiled, nothing timed")
    import seqrt  # noqa: E402  (opens libseqrt, which finds the driver itself)

    for M, N, K in shapes:
        f32 = np.float32
        x = rng.standard_normal((M, K), dtype=f32)
        # Scaled so the chain keeps magnitudes near 1.
        ws = [(rng.standard_normal((N if i == a.chain - 1 else K, K), dtype=f32)
               / f32(np.sqrt(K))) for i in range(a.chain)]
        ref = x.astype(np.float64)
        for w in ws:
            ref = ref @ w.astype(np.float64).T
        flops = 2.0 * M * K * (K * (a.chain - 1) + N)
        weights = os.path.join(work, f"chain_{M}x{N}x{K}.safetensors")
        write_safetensors(weights, {f"w{i}": w for i, w in enumerate(ws)})
        wt = [torch.from_numpy(w).cuda() for w in ws]
        for mode in modes:
            model = seqrt.Model(compiled[(M, N, K, mode)], weights=weights)
            y = np.empty((M, N), dtype=f32)
            seqc_t = best_time(lambda: model.run("run", [x], [y]), a.repeat)
            err = float(np.abs(y - ref).max() / np.abs(ref).max())
            torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"

            def torch_chain():
                h = torch.from_numpy(x).cuda()
                for w in wt:
                    h = h @ w.T
                return h.cpu()
            torch_t = best_time(torch_chain, a.repeat)
            torch_err = float(np.abs(torch_chain().numpy() - ref).max() / np.abs(ref).max())
            print(json.dumps({
                "bench": "gpu_gemm", "device": torch.cuda.get_device_name(), "arch": a.arch,
                "M": M, "N": N, "K": K, "chain": a.chain, "gpu_matmul": mode,
                "seqc_ms": round(seqc_t * 1e3, 3), "torch_ms": round(torch_t * 1e3, 3),
                "seqc_tflops": round(flops / seqc_t / 1e12, 2),
                "torch_tflops": round(flops / torch_t / 1e12, 2),
                "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
                "seqc_rel_err": err, "torch_rel_err": torch_err}), flush=True)
            del model


if __name__ == "__main__":
    main()
