#!/usr/bin/env python3
"""Decode attention (one query against a KV cache): seqc against PyTorch SDPA.

    python3 bench/attention_decode.py [--threads 2] [--lengths 4096,16384,32768]
                                      [--kv-dtypes f32,f16]

For each case (B=1, 32 query heads over 8 KV heads, head dim 128, f32, one
query at the last position of a KV cache of L entries) compiles a one-op
model with `seqc`, runs it through libseqrt and times
torch.nn.functional.scaled_dot_product_attention (GQA expanded, as a model
does) on the same data, threads and dtype; checks both outputs agree; prints
one JSON line per case with the KV bytes read per call, the achieved GB/s and
the fraction of this machine's triad bandwidth (bench/peak.c, same run).
With --kv-dtypes f16 the cache is held in f16 (what `seqc import hf
--kv-cache=f16|bf16` builds: half the bytes; bf16 reads the same way) and
SDPA runs in f32 on the same values; with q8 it is held in 8-bit blocks of
32 along the head dim with f16 scales (`--kv-cache=q8`: 34 bytes per 32
values) and SDPA runs on the values they stand for. Installs numpy/torch with pip when
missing. Run after the README set-up.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from attention import best_time, np, peak, torch  # noqa: E402  (installs peers)
import seqrt  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lengths", default="4096,16384,32768")
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=128)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--kv-dtypes", default="f32",
                   help="f32, f16 and/or q8, comma-separated")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    work = tempfile.mkdtemp(prefix="seqc-decode-")
    rng = np.random.default_rng(0)
    H, Hkv, D = a.heads, a.kv_heads, a.head_dim
    for L in (int(x) for x in a.lengths.split(",")):
        for kv_dtype in a.kv_dtypes.split(","):
            run_case(a, work, rng, limits, L, kv_dtype)


def run_case(a, work, rng, limits, L, kv_dtype):
    H, Hkv, D = a.heads, a.kv_heads, a.head_dim
    q8 = kv_dtype == "q8"
    tq = f"tensor<1x1x{H}x{D}xf32>"
    tkv = f"tensor<1x{L}x{Hkv}x{D}x{'i8' if q8 else kv_dtype}>"
    ts = f"tensor<1x{L}x{Hkv}x{D // 32}xf16>"
    mlir = os.path.join(work, f"decode_{L}_{kv_dtype}.mlir")
    scales = f" scales(%ks, %vs)" if q8 else ""
    with open(mlir, "w") as f:
        f.write(f"func.func @run(%q: {tq}, %k: {tkv}, %v: {tkv}"
                + (f", %ks: {ts}, %vs: {ts}" if q8 else "") + f") -> {tq} {{\n"
                f"  %o = seq.attention %q, %k, %v{scales} {{causal}} : {tq}, {tkv}, {tkv}"
                + (f" scales {ts}, {ts}" if q8 else "") + f" -> {tq}\n"
                f"  return %o : {tq}\n}}\n")
    so = mlir[:-5] + ".so"
    subprocess.run([os.path.join(ROOT, "build", "bin", "seqc"), mlir, "-o", so], check=True)
    model = seqrt.Model(so, threads=a.threads)
    q = rng.standard_normal((1, 1, H, D), dtype=np.float32)
    if q8:
        # Codes in [-127, 127] and scales of a unit-variance cache.
        k8, v8 = (rng.integers(-127, 128, (1, L, Hkv, D), dtype=np.int8) for _ in range(2))
        ks, vs = (np.full((1, L, Hkv, D // 32), 3.0 / 127, dtype=np.float16) for _ in range(2))
        inputs = [q, k8, v8, ks, vs]
        k, v = ((c.reshape(1, L, Hkv, D // 32, 32).astype(np.float32)
                 * s[..., None].astype(np.float32)).reshape(1, L, Hkv, D)
                for c, s in ((k8, ks), (v8, vs)))
        kv_bytes = 2 * L * Hkv * (D + 2 * (D // 32))
    else:
        narrow = {"f32": np.float32, "f16": np.float16}[kv_dtype]
        k, v = (rng.standard_normal((1, L, Hkv, D), dtype=np.float32).astype(narrow)
                for _ in range(2))
        inputs = [q, k, v]
        kv_bytes = 2 * L * Hkv * D * np.dtype(narrow).itemsize
    out = np.empty_like(q)
    seqc_t = best_time(lambda: model.run("run", inputs, [out]), a.repeat)
    # PyTorch: [B, H, S, D] in f32 with the KV heads repeated for GQA.
    tq_, tk, tv = (torch.from_numpy(x.astype(np.float32)).transpose(1, 2).contiguous()
                   for x in (q, k, v))
    tk = tk.repeat_interleave(H // Hkv, dim=1)
    tv = tv.repeat_interleave(H // Hkv, dim=1)
    with torch.no_grad():
        ref = torch.nn.functional.scaled_dot_product_attention(tq_, tk, tv)
        torch_t = best_time(lambda: torch.nn.functional.scaled_dot_product_attention(
            tq_, tk, tv), a.repeat)
    err = float(np.abs(ref.transpose(1, 2).numpy() - out).max())
    print(json.dumps({
        "bench": "attention_decode", "dtype": "f32", "kv_dtype": kv_dtype, "kv_length": L,
        "heads": H, "kv_heads": Hkv, "head_dim": D, "threads": a.threads,
        "seqc_ms": round(seqc_t * 1e3, 3), "torch_f32_ms": round(torch_t * 1e3, 3),
        "ratio_torch_over_seqc": round(torch_t / seqc_t, 3),
        "kv_mbytes": round(kv_bytes / 1e6, 1),
        "seqc_gbs": round(kv_bytes / seqc_t / 1e9, 1),
        "seqc_fraction_of_triad": round(kv_bytes / seqc_t / 1e9 / limits["triad_gbs"], 3),
        "max_abs_diff": err}), flush=True)
    del model


if __name__ == "__main__":
    main()
