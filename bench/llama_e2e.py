#!/usr/bin/env python3
"""A Llama-shaped model end to end: seqc against llama.cpp, same weights.

    python3 bench/llama_e2e.py [--threads 2] [--prompt 256] [--decode 32]
                               [--layers 6] [--shape tinyllama|llama3-1b] [--repeat 2]

The model has the layer shapes of TinyLlama-1.1B (hidden 2048, 32 query
heads over 4 KV heads, MLP 5632, vocab 32000) or Llama-3.2-1B, with random
weights from transformers (seeded) and `--layers` layers, saved as a Hugging
Face folder under build/bench-llama/; then seqc (`seqc import hf`, `seqc`,
`seq-run --stats`) and llama.cpp (llama-cpp-python on an f32 GGUF from
llama.cpp's convert_hf_to_gguf.py) each prefill the same prompt in one call
and decode greedily, with the same threads. Both f32. Prints the machine's
limits (bench/peak.c), then one JSON line with tokens/s, ratios (> 1: seqc
faster), prefill GFLOP/s as a fraction of the FMA peak and decode weight
GB/s as a fraction of the triad bandwidth. Installs transformers, gguf and
llama-cpp-python when missing (llama.cpp builds from source: minutes).
"""
import argparse
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-llama")

from llamacpp_peer import (best, compile_seqc, ensure, f32_gguf,  # noqa: E402
                           llamacpp_run, seqc_run)
from measure import peak  # noqa: E402

SHAPES = {
    "tinyllama": dict(hidden_size=2048, intermediate_size=5632, num_attention_heads=32,
                      num_key_value_heads=4, vocab_size=32000, rope_theta=10000.0,
                      tie_word_embeddings=False),
    "llama3-1b": dict(hidden_size=2048, intermediate_size=8192, num_attention_heads=32,
                      num_key_value_heads=8, vocab_size=128256, rope_theta=500000.0,
                      tie_word_embeddings=True),
    # SmolLM2-135M's shapes (30 layers in the real model).
    "smollm-135m": dict(hidden_size=576, intermediate_size=1536, num_attention_heads=9,
                        num_key_value_heads=3, vocab_size=49152, rope_theta=100000.0,
                        tie_word_embeddings=True),
}


def make_model(shape, layers, folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    ensure("transformers", "transformers")
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    config = LlamaConfig(num_hidden_layers=layers, max_position_embeddings=4096,
                         rms_norm_eps=1e-5, **SHAPES[shape])
    LlamaForCausalLM(config).eval().save_pretrained(folder, safe_serialization=True)


def counts(shape, layers, prompt):
    """(multiply-adds per prompt token, f32 weight bytes read per decoded
    token): the projections, and the LM head once per prompt (prefill runs
    `prefill_last`, the head on the last position only, as llama.cpp's eval
    does); prefill attention adds its causal half."""
    s = SHAPES[shape]
    h, f, v = s["hidden_size"], s["intermediate_size"], s["vocab_size"]
    d = h // s["num_attention_heads"]
    kv = s["num_key_value_heads"] * d
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * f
    weights = layers * per_layer + v * h
    attention = layers * s["num_attention_heads"] * d * 2 * (prompt + 1) / 2
    prefill = layers * per_layer + v * h / prompt + attention
    return prefill, 4 * weights


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama")
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    name = f"{a.shape}-{a.layers}l"
    folder = os.path.join(WORK, name)
    make_model(a.shape, a.layers, folder)
    gguf = f32_gguf(folder, os.path.join(WORK, f"{name}-f32.gguf"), WORK, vocab=False)
    random.seed(0)
    prompt = [random.randrange(SHAPES[a.shape]["vocab_size"]) for _ in range(a.prompt)]
    so = compile_seqc(folder, os.path.join(WORK, f"{name}.so"), a.prompt + a.decode + 8)
    seqc = best([seqc_run(so, folder, prompt, a.decode, a.threads) for _ in range(a.repeat)])
    llama = best([llamacpp_run(gguf, prompt, a.decode, a.threads) for _ in range(a.repeat)])
    macs, weight_bytes = counts(a.shape, a.layers, a.prompt)
    gflops = lambda tok_s: 2 * macs * tok_s / 1e9
    gbs = lambda tok_s: weight_bytes * tok_s / 1e9
    print(json.dumps({
        "bench": "llama_e2e", "model": f"{a.shape} shapes, {a.layers} layers, random",
        "dtype": "f32", "threads": a.threads, "prompt": a.prompt, "decode": a.decode,
        "seqc_prefill_tok_s": round(seqc[0], 1), "llamacpp_prefill_tok_s": round(llama[0], 1),
        "prefill_ratio_seqc_over_llamacpp": round(seqc[0] / llama[0], 2),
        "seqc_prefill_fraction_of_peak": round(gflops(seqc[0]) / limits["fma_gflops"], 3),
        "llamacpp_prefill_fraction_of_peak": round(gflops(llama[0]) / limits["fma_gflops"], 3),
        "seqc_decode_tok_s": round(seqc[1], 1), "llamacpp_decode_tok_s": round(llama[1], 1),
        "decode_ratio_seqc_over_llamacpp": round(seqc[1] / llama[1], 2),
        "seqc_decode_fraction_of_triad": round(gbs(seqc[1]) / limits["triad_gbs"], 3),
        "llamacpp_decode_fraction_of_triad": round(gbs(llama[1]) / limits["triad_gbs"], 3)}),
        flush=True)


if __name__ == "__main__":
    main()
