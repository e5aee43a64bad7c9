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
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-mamba")

from llamacpp_peer import (best, compile_seqc, ensure, f32_gguf,  # noqa: E402
                           llamacpp_run, seqc_run)


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
    gguf = f32_gguf(folder, os.path.join(WORK, f"mamba-{a.layers}l-f32.gguf"), WORK)
    random.seed(0)
    prompt = [random.randrange(50280) for _ in range(a.prompt)]
    so = compile_seqc(folder, os.path.join(WORK, "mamba.so"), a.prompt + a.decode + 8)
    seqc = best([seqc_run(so, folder, prompt, a.decode, a.threads) for _ in range(a.repeat)])
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
