#!/usr/bin/env python3
"""seqc against llama.cpp on the same GGUF file.

A Llama-shaped model (TinyLlama-1.1B layer shapes, random weights, 6 layers
by default: bench/llama_e2e.py's) is converted to an f32 GGUF by llama.cpp's
own converter and quantized by llama.cpp's own quantizer to each format
(`llama_model_quantize`: the K-quant mixes as `llama-quantize` makes them,
the plain formats `--pure`). Both sides then run that one file: seqc through
`seqc import gguf` and `seq-run --weights FILE.gguf`, llama.cpp through
llama-cpp-python. Each prefills the same prompt in one call and decodes
greedily with the same threads; one JSON line per format: tokens/s and
ratios (> 1: seqc faster), the file's bytes per token streamed over the
triad bandwidth for each side's decode, seqc's peak resident memory and the
file size.

  python3 bench/gguf_llamacpp.py [--formats Q8_0,Q4_0,Q4_K_M,Q6_K,IQ4_XS] [--threads 2]

With `--files A.gguf,B.gguf`, the files as they are (published models as
users get them: `tools/fetch-models.py smollm2-q4_1`) instead of the
random-weight model; the prompt is random ids of the file's vocabulary.
`--requantize Q8_0,Q4_0,...` runs each file also requantized to those
formats by llama.cpp's quantizer (`--allow-requantize`: the real model's
shapes and vocabulary in each format; its quality is not the point).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-llama")
BIN = os.path.join(ROOT, "build", "bin")

from llama_e2e import SHAPES, counts, make_model  # noqa: E402
from llamacpp_peer import best, f32_gguf, seqc_run  # noqa: E402
from measure import peak  # noqa: E402

# Formats quantized --pure (every 2-D weight in that type).
PURE = ("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K", "Q4_K_S", "IQ4_NL", "IQ4_XS")
# llama.cpp runs in a child process: llama-cpp-python 0.3.36 crashes
# (SIGSEGV) in its AMX/repacked-weight buffers on some formats on this
# machine (bench/llamacpp_peer.py); those are measured again on its plain
# CPU kernels, and the line says which ran.
LLAMACPP_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from llamacpp_peer import llamacpp_run
prompt = json.loads(sys.argv[3])
print(json.dumps(llamacpp_run(sys.argv[2], prompt, int(sys.argv[4]), int(sys.argv[5]),
                              sys.argv[6] == "1")))
"""


def llamacpp(gguf_path, prompt, decode, threads):
    """(prefill, decode) tokens/s and whether llama.cpp's extra weight
    buffers ran."""
    for extra in (True, False):
        done = subprocess.run([sys.executable, "-c", LLAMACPP_CHILD,
                               os.path.join(ROOT, "bench"), gguf_path, json.dumps(prompt),
                               str(decode), str(threads), "1" if extra else "0"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            return tuple(json.loads(done.stdout.strip().splitlines()[-1])), extra
    sys.exit(f"llama.cpp failed on {gguf_path}:\n{done.stderr[-2000:]}")


def quantize(source, out, ftype, requantize=False):
    import llama_cpp
    if os.path.exists(out):
        return out
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + ftype)
    params.pure = ftype in PURE
    params.allow_requantize = requantize
    params.nthread = os.cpu_count() or 1
    if llama_cpp.llama_model_quantize(source.encode(), out.encode(), params) != 0:
        sys.exit(f"llama_model_quantize failed for {ftype}")
    return out


def tensor_bytes(gguf_path, names=None):
    """Bytes of the file's 2-D tensors (what decode streams per token), and
    the share of each type among them."""
    import gguf
    reader = gguf.GGUFReader(gguf_path)
    total, by_type = 0, {}
    for t in reader.tensors:
        if len(t.shape) < 2:
            continue
        total += int(t.n_bytes)
        by_type[t.tensor_type.name] = by_type.get(t.tensor_type.name, 0) + int(t.n_bytes)
    return total, {k: round(v / total, 3) for k, v in sorted(by_type.items())}


def file_macs(gguf_path, prompt):
    """Multiply-adds per prompt token of a file's projections (as counts()
    does: the LM head once per prompt, attention left out) and its
    vocabulary size. The token embedding is a gather, and the LM head when
    the file has no output tensor (tied)."""
    import gguf
    reader = gguf.GGUFReader(gguf_path)
    tensors = {t.name: t for t in reader.tensors}
    head = tensors.get("output.weight", tensors["token_embd.weight"])
    macs = sum(int(t.n_elements) for t in reader.tensors
               if len(t.shape) >= 2 and t.name not in ("token_embd.weight", "output.weight"))
    return macs + int(head.n_elements) / prompt, int(tensors["token_embd.weight"].shape[1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--formats", default="Q8_0,Q4_0,Q4_K_M,Q6_K,IQ4_XS")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--files", help="GGUF files to run as they are, comma-separated")
    p.add_argument("--requantize", help="with --files: also each file requantized to "
                                        "these formats, comma-separated")
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    random.seed(0)
    runs = []  # (file, format label, model description, prompt, MACs per token)
    if a.files:
        for path in a.files.split(","):
            macs, vocab = file_macs(path, a.prompt)
            prompt = [random.randrange(vocab) for _ in range(a.prompt)]
            runs.append((path, "as shipped", os.path.basename(path), prompt, macs))
            stem = os.path.splitext(os.path.basename(path))[0]
            for fmt in (a.requantize or "").split(",") if a.requantize else []:
                out = quantize(path, os.path.join(WORK, f"{stem}-re-{fmt}.gguf"), fmt, True)
                runs.append((out, fmt, os.path.basename(path) + " requantized", prompt, macs))
    else:
        name = f"{a.shape}-{a.layers}l"
        folder = os.path.join(WORK, name)
        make_model(a.shape, a.layers, folder)
        source = f32_gguf(folder, os.path.join(WORK, f"{name}-f32.gguf"), WORK, vocab=False)
        prompt = [random.randrange(SHAPES[a.shape]["vocab_size"]) for _ in range(a.prompt)]
        macs, _ = counts(a.shape, a.layers, a.prompt)
        for fmt in a.formats.split(","):
            runs.append((quantize(source, os.path.join(WORK, f"{name}-{fmt}.gguf"), fmt), fmt,
                         f"{a.shape} shapes, {a.layers} layers, random", prompt, macs))
    for gguf_path, fmt, model, prompt, macs in runs:
        stem = os.path.splitext(os.path.basename(gguf_path))[0]
        mlir = os.path.join(WORK, f"{stem}-gguf.mlir")
        so = mlir[:-5] + ".so"
        # Import and compile times, cold (an empty object cache).
        t0 = time.perf_counter()
        subprocess.run([os.path.join(BIN, "seqc"), "import", "gguf", gguf_path, "-o", mlir,
                        "--max-positions", str(a.prompt + a.decode + 8)], check=True)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as cache:
            subprocess.run([os.path.join(BIN, "seqc"), mlir, "-o", so], check=True,
                           env=dict(os.environ, SEQC_CACHE_DIR=cache))
        t2 = time.perf_counter()
        rss = []
        seqc = best([seqc_run(so, gguf_path, prompt, a.decode, a.threads, rss)
                     for _ in range(a.repeat)])
        runs = [llamacpp(gguf_path, prompt, a.decode, a.threads) for _ in range(a.repeat)]
        llama = best([r[0] for r in runs])
        extra = all(r[1] for r in runs)
        streamed, mix = tensor_bytes(gguf_path)
        gflops = lambda tok_s: 2 * macs * tok_s / 1e9
        gbs = lambda tok_s: streamed * tok_s / 1e9
        print(json.dumps({
            "bench": "gguf", "format": fmt, "types": mix,
            "model": model,
            "threads": a.threads, "prompt": a.prompt, "decode": a.decode,
            "seqc_prefill_tok_s": round(seqc[0], 1),
            "llamacpp_prefill_tok_s": round(llama[0], 1),
            "prefill_ratio_seqc_over_llamacpp": round(seqc[0] / llama[0], 2),
            "seqc_prefill_fraction_of_peak": round(gflops(seqc[0]) / limits["fma_gflops"], 3),
            "seqc_decode_tok_s": round(seqc[1], 1),
            "llamacpp_decode_tok_s": round(llama[1], 1),
            "decode_ratio_seqc_over_llamacpp": round(seqc[1] / llama[1], 2),
            "file_bytes_per_token_over_triad_seqc": round(gbs(seqc[1]) / limits["triad_gbs"], 3),
            "file_bytes_per_token_over_triad_llamacpp":
                round(gbs(llama[1]) / limits["triad_gbs"], 3),
            "llamacpp_extra_bufts": extra,
            "seqc_peak_rss_mb": round(max(rss) / 2**20),
            "file_mb": round(os.path.getsize(gguf_path) / 2**20),
            "seqc_import_s": round(t1 - t0, 2), "seqc_compile_cold_s": round(t2 - t1, 2)}),
              flush=True)


if __name__ == "__main__":
    main()
