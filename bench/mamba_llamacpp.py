#!/usr/bin/env python3
"""Mamba end to end: seqc against llama.cpp (llama-cpp-python), same model.

    python3 bench/mamba_llamacpp.py [--threads 2] [--prompt 256] [--decode 64]
                                    [--layers 24] [--repeat 2]

The model is Mamba-130m's architecture (d_model 768, 24 layers, d_state 16,
vocab 50280) with random weights from transformers (seeded), saved as a
Hugging Face folder under build/bench-mamba/, then:
  * seqc: `seqc import hf` + `seqc` → a .so, run by `seq-run --stats`
    (prefill of the prompt in one call, then greedy decode);
  * llama.cpp: the same folder converted to an f32 GGUF by llama.cpp's own
    convert_hf_to_gguf.py (from the llama-cpp-python source package), run by
    llama-cpp-python with the same threads: `eval` of the prompt, then one
    `eval` per decoded token.
Both are f32. Prints one JSON line with prefill and decode tokens/s of each
and the ratios (> 1: seqc faster). Installs transformers, gguf and
llama-cpp-python (which builds llama.cpp from source: minutes) when missing.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "bench-mamba")


def ensure(module, package):
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


def make_model(layers, folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    ensure("transformers", "transformers")
    import torch
    from transformers import MambaConfig, MambaForCausalLM
    torch.manual_seed(0)
    config = MambaConfig(vocab_size=50280, hidden_size=768, state_size=16,
                         num_hidden_layers=layers, expand=2, conv_kernel=4,
                         intermediate_size=1536, use_cache=True, tie_word_embeddings=True)
    model = MambaForCausalLM(config).eval()
    model.save_pretrained(folder, safe_serialization=True)


def converter():
    """llama.cpp's convert_hf_to_gguf.py from the llama-cpp-python sdist."""
    src = os.path.join(WORK, "llama-cpp-src")
    found = glob.glob(os.path.join(src, "llama_cpp_python-*", "vendor", "llama.cpp",
                                   "convert_hf_to_gguf.py"))
    if not found:
        os.makedirs(src, exist_ok=True)
        import llama_cpp
        version = llama_cpp.__version__
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", f"llama-cpp-python=={version}", "-d", src],
                       check=True)
        with tarfile.open(glob.glob(os.path.join(src, "*.tar.gz"))[0]) as tar:
            tar.extractall(src)
        found = glob.glob(os.path.join(src, "llama_cpp_python-*", "vendor", "llama.cpp",
                                       "convert_hf_to_gguf.py"))
    return found[0]


def seqc_run(folder, prompt, decode, threads):
    mlir, so = os.path.join(WORK, "mamba.mlir"), os.path.join(WORK, "mamba.so")
    bin_dir = os.path.join(ROOT, "build", "bin")
    max_positions = str(len(prompt) + decode + 8)
    subprocess.run([os.path.join(bin_dir, "seqc"), "import", "hf", folder, "-o", mlir,
                    "--max-positions", max_positions], check=True)
    subprocess.run([os.path.join(bin_dir, "seqc"), mlir, "-o", so], check=True)
    out = subprocess.run([os.path.join(bin_dir, "seq-run"), so, "--weights", folder,
                          "--prompt-ids", ",".join(map(str, prompt)),
                          "--max-new", str(decode), "--threads", str(threads), "--stats"],
                         check=True, capture_output=True, text=True).stdout
    prefill = float(re.search(r"prefill: .*\(([\d.]+) tokens/s\)", out).group(1))
    dec = float(re.search(r"decode: .*\(([\d.]+) tokens/s\)", out).group(1))
    return prefill, dec


def llamacpp_run(gguf, prompt, decode, threads):
    from llama_cpp import Llama
    llm = Llama(model_path=gguf, n_threads=threads, n_threads_batch=threads,
                n_ctx=len(prompt) + decode + 8, n_batch=len(prompt), n_ubatch=len(prompt),
                verbose=False)
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    prefill = len(prompt) / (time.perf_counter() - t0)
    # Decode speed does not depend on which tokens: feed the prompt again.
    t0 = time.perf_counter()
    for i in range(decode):
        llm.eval([prompt[i % len(prompt)]])
    dec = decode / (time.perf_counter() - t0)
    return prefill, dec


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=64)
    p.add_argument("--layers", type=int, default=24)
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    folder = os.path.join(WORK, f"mamba-{a.layers}l")
    make_model(a.layers, folder)
    ensure("gguf", "gguf")
    ensure("llama_cpp", "llama-cpp-python")
    gguf = os.path.join(WORK, f"mamba-{a.layers}l-f32.gguf")
    if not os.path.exists(gguf):
        subprocess.run([sys.executable, converter(), folder, "--outtype", "f32",
                        "--outfile", gguf], check=True, capture_output=True)
    import random
    random.seed(0)
    prompt = [random.randrange(50280) for _ in range(a.prompt)]
    best = lambda runs: tuple(max(r[i] for r in runs) for i in range(2))
    seqc = best([seqc_run(folder, prompt, a.decode, a.threads) for _ in range(a.repeat)])
    llama = best([llamacpp_run(gguf, prompt, a.decode, a.threads) for _ in range(a.repeat)])
    print(json.dumps({
        "bench": "mamba_e2e", "model": f"mamba-130m architecture, {a.layers} layers, random",
        "dtype": "f32", "threads": a.threads, "prompt": a.prompt, "decode": a.decode,
        "seqc_prefill_tok_s": round(seqc[0], 1), "llamacpp_prefill_tok_s": round(llama[0], 1),
        "prefill_ratio_seqc_over_llamacpp": round(seqc[0] / llama[0], 2),
        "seqc_decode_tok_s": round(seqc[1], 1), "llamacpp_decode_tok_s": round(llama[1], 1),
        "decode_ratio_seqc_over_llamacpp": round(seqc[1] / llama[1], 2)}), flush=True)


if __name__ == "__main__":
    main()
