#!/usr/bin/env python3
"""Hybrid architectures end to end: seqc against llama.cpp (or transformers).

    python3 bench/hybrids_llamacpp.py [--models lfm2-1.2b,falcon-h1-1.5b]
                                      [--threads 2] [--prompt 256]
                                      [--decode 32] [--repeat 2]

Each model has the layer shapes of a published hybrid checkpoint (a few
layers, covering every layer kind), random weights from transformers
(seeded), saved as a Hugging Face folder under build/bench-hybrids/; seqc
(`seqc import hf`, `seqc`, `seq-run --stats`) and llama.cpp
(llama-cpp-python on an f32 GGUF from llama.cpp's convert_hf_to_gguf.py)
prefill the same prompt in one call and decode greedily with the same
threads, both f32. llama.cpp does not run RecurrentGemma, RWKV-4 or
xLSTM: those models are measured against transformers' eager forward instead (the prompt in one
call, then one cached call per token; torch with the same threads). Prints
the machine's limits (bench/peak.c), then one JSON line per model with
tokens/s and ratios (> 1: seqc faster). Installs transformers, gguf and
llama-cpp-python when missing.
"""
import argparse
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-hybrids")

from llamacpp_peer import (best, compile_seqc, ensure, f32_gguf,  # noqa: E402
                           llamacpp_run, seqc_run)
from measure import peak  # noqa: E402

# Shapes of the published configs (LiquidAI/LFM2-1.2B, tiiuae/Falcon-H1-1.5B-Base),
# with fewer layers.
MODELS = {
    "lfm2-1.2b": ("Lfm2Config", "Lfm2ForCausalLM", dict(
        vocab_size=65536, hidden_size=2048, intermediate_size=12288, num_attention_heads=32,
        num_key_value_heads=8, conv_L_cache=3, block_multiple_of=256,
        block_ffn_dim_multiplier=1.0, block_auto_adjust_ff_dim=True, norm_eps=1e-5,
        max_position_embeddings=128000, tie_word_embeddings=True,
        # LFM2-1.2B: 16 layers, attention at 2, 5, 8, 10, 12, 14.
        num_hidden_layers=4, layer_types=["conv", "conv", "full_attention", "conv"])),
    "falcon-h1-1.5b": ("FalconH1Config", "FalconH1ForCausalLM", dict(
        vocab_size=65537, hidden_size=2048, intermediate_size=8192, num_attention_heads=8,
        num_key_value_heads=2, head_dim=128, mamba_d_ssm=3072, mamba_n_heads=24,
        mamba_d_head=128, mamba_d_state=256, mamba_n_groups=1, mamba_d_conv=4,
        mamba_chunk_size=128, mamba_rms_norm=True, mamba_norm_before_gate=False,
        rms_norm_eps=1e-5, max_position_embeddings=16384, tie_word_embeddings=False,
        num_hidden_layers=3)),
    # google/recurrentgemma-2b: 26 layers (recurrent, recurrent, attention, ...).
    "recurrentgemma-2b": ("RecurrentGemmaConfig", "RecurrentGemmaForCausalLM", dict(
        vocab_size=256000, hidden_size=2560, intermediate_size=15360, num_attention_heads=10,
        num_key_value_heads=1, lru_width=2560, attention_window_size=2048, conv1d_width=4,
        logits_soft_cap=30.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        num_hidden_layers=3)),
    # RWKV/rwkv-4-169m-pile: all 12 layers (llama.cpp runs RWKV-6/7 only).
    "rwkv-4-169m": ("RwkvConfig", "RwkvForCausalLM", dict(
        vocab_size=50277, hidden_size=768, attention_hidden_size=768,
        intermediate_size=3072, num_hidden_layers=12, rescale_every=6,
        layer_norm_epsilon=1e-5, context_length=1024, tie_word_embeddings=False)),
    # NX-AI/xLSTM-7b: 32 blocks (hidden 4096, 8 heads, q/k 2048, v 4096).
    "xlstm-7b": ("xLSTMConfig", "xLSTMForCausalLM", dict(
        vocab_size=50304, hidden_size=4096, num_heads=8, qk_dim_factor=0.5,
        v_dim_factor=1.0, ffn_proj_factor=2.667, ffn_round_up_to_multiple_of=64,
        gate_soft_cap=15.0, output_logit_soft_cap=30.0, norm_eps=1e-6, eps=1e-6,
        chunk_size=64, weight_mode="single", use_bias=False, tie_word_embeddings=False,
        num_hidden_layers=2)),
}
# Architectures llama.cpp does not run: compared with transformers.
TRANSFORMERS_PEER = {"recurrentgemma-2b", "rwkv-4-169m", "xlstm-7b"}


def transformers_run(folder, prompt, decode, threads):
    """(prefill, decode) tokens/s of transformers' eager forward in f32."""
    import torch
    import transformers
    torch.set_num_threads(threads)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, dtype=torch.float32, attn_implementation="eager").eval()
    ids = torch.tensor([prompt])
    if model.config.model_type == "xlstm":
        # xLSTM passes its own cache object back.
        with torch.no_grad():
            t0 = time.perf_counter()
            model(input_ids=ids, use_cache=True)
            prefill = len(prompt) / (time.perf_counter() - t0)
            cache = model(input_ids=ids, use_cache=True).cache_params
            t0 = time.perf_counter()
            for i in range(decode):
                cache = model(input_ids=ids[:, i:i + 1], cache_params=cache,
                              use_cache=True).cache_params
            dec = decode / (time.perf_counter() - t0)
        return prefill, dec
    if model.config.model_type == "rwkv":
        # RWKV carries its own `state` list instead of a cache object.
        with torch.no_grad():
            t0 = time.perf_counter()
            state = model(input_ids=ids, use_cache=True).state
            prefill = len(prompt) / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            for i in range(decode):
                state = model(input_ids=ids[:, i:i + 1], state=state, use_cache=True).state
            dec = decode / (time.perf_counter() - t0)
        return prefill, dec
    with torch.no_grad():
        # The first call sets up the recurrent states and the KV cache; the
        # steps pass that cache back with their positions.
        t0 = time.perf_counter()
        model(input_ids=ids, use_cache=True)
        prefill = len(prompt) / (time.perf_counter() - t0)
        cache = transformers.DynamicCache(config=model.config)
        model(input_ids=ids, use_cache=True, past_key_values=cache)
        t0 = time.perf_counter()
        for i in range(decode):
            model(input_ids=ids[:, i:i + 1], past_key_values=cache, use_cache=True,
                  position_ids=torch.tensor([[len(prompt) + i]]))
        dec = decode / (time.perf_counter() - t0)
    return prefill, dec


def make_model(name, folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    ensure("transformers", "transformers")
    import torch
    import transformers
    config_cls, model_cls, kwargs = MODELS[name]
    torch.manual_seed(0)
    config = getattr(transformers, config_cls)(**kwargs)
    model = getattr(transformers, model_cls)(config).eval()
    model.save_pretrained(folder, safe_serialization=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    print(json.dumps(peak(a.threads)), flush=True)
    for name in a.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        folder = os.path.join(WORK, name)
        make_model(name, folder)
        peer = "transformers" if name in TRANSFORMERS_PEER else "llama.cpp"
        if peer == "llama.cpp":
            gguf = f32_gguf(folder, os.path.join(WORK, f"{name}-f32.gguf"), WORK, vocab=False)
        random.seed(0)
        vocab = MODELS[name][2]["vocab_size"]
        prompt = [random.randrange(vocab) for _ in range(a.prompt)]
        so = compile_seqc(folder, os.path.join(WORK, f"{name}.so"), a.prompt + a.decode + 8)
        seqc = best([seqc_run(so, folder, prompt, a.decode, a.threads)
                     for _ in range(a.repeat)])
        if peer == "llama.cpp":
            other = best([llamacpp_run(gguf, prompt, a.decode, a.threads)
                          for _ in range(a.repeat)])
        else:
            other = best([transformers_run(folder, prompt, a.decode, a.threads)
                          for _ in range(a.repeat)])
        print(json.dumps({
            "bench": "hybrids_llamacpp", "model": f"{name} shapes, random",
            "dtype": "f32", "threads": a.threads, "prompt": a.prompt, "decode": a.decode,
            "peer": peer,
            "seqc_prefill_tok_s": round(seqc[0], 1),
            "peer_prefill_tok_s": round(other[0], 1),
            "prefill_ratio_seqc_over_peer": round(seqc[0] / other[0], 2),
            "seqc_decode_tok_s": round(seqc[1], 1),
            "peer_decode_tok_s": round(other[1], 1),
            "decode_ratio_seqc_over_peer": round(seqc[1] / other[1], 2)}), flush=True)


if __name__ == "__main__":
    main()
