#!/usr/bin/env python3
"""Reference goldens of tiny random-weight Hugging Face models.

    python3 tools/goldens/make_hf_goldens.py [--out DIR] [--only NAME ...]
                                             [--no-install] [--check]

Pinned (checked at run time; installed with pip from PyPI when missing or
different, unless --no-install):
    torch==2.15.0          (run on the CPU; the PyPI wheel is fine)
    transformers==5.23.0
    safetensors==0.8.0
    numpy==2.4.6
    gguf==0.19.0           (llama.cpp's own Q8_0 quantizer, for q8_0 cases)

For each case it builds a tiny float32 model from a config with a fixed seed,
replaces the weights with deterministic random values (so that biases and
norm weights are not the trivial 0/1 of the default init), runs it with the
eager attention implementation on one CPU thread, and writes
test/Frontends/hf/goldens/<name>/:

    config.json, model.safetensors  exactly as save_pretrained(...,
                                    safe_serialization=True) writes them
                                    (generation_config.json removed)
    prompt.npy          int64 [S]
    prefill_logits.npy  float32 [S, vocab]   logits of every prompt position
    decode_tokens.npy   int64 [8]            the 8 greedy tokens after the prompt
    decode_logits.npy   float32 [8, vocab]   the logits each token was chosen from
    case.json           architecture, sizes, notes, self-check numbers
    import_flags.txt    (some cases) extra `seqc import hf` flags the case needs
(bert: embeddings.npy [S, hidden] and mean_pooled.npy [hidden] instead of
the logits and decode files.)

Decoding is done exactly as generate() does it: one prefill call with
use_cache=True on the whole prompt (its last row is decode_logits[0]), then
7 calls of one token each, passing the model's own cache object back
(past_key_values= for attention models and Jamba, cache_params= for Mamba and
Mamba2). The script checks that the tokens and logits equal those of
model.generate(do_sample=False, max_new_tokens=8, output_logits=True), and
that they agree with a cache-free full-sequence forward (the max difference
is recorded in case.json).

--check regenerates into a temporary folder and compares every .npy file
with the committed one bit for bit (and the safetensors tensors too).
"""

import argparse
import importlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile

PINS = {
    "torch": "2.15.0",
    "transformers": "5.23.0",
    "safetensors": "0.8.0",
    "numpy": "2.4.6",
    "gguf": "0.19.0",
}

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "test", "Frontends", "hf", "goldens")
DECODE_STEPS = 8


def installed_version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def ensure_pins(allow_install):
    """Checks the pinned versions; pip-installs the missing or different ones."""
    wrong = {}
    for package, want in PINS.items():
        have = installed_version(package)
        # torch's local version (+cpu, +cu132) does not matter.
        if have is None or have.split("+")[0] != want:
            wrong[package] = have
    if not wrong:
        return
    if not allow_install:
        sys.exit("make_hf_goldens: wrong or missing packages: " +
                 ", ".join(f"{p} {v or 'missing'} (want {PINS[p]})" for p, v in wrong.items()))
    specs = [f"{p}=={PINS[p]}" for p in wrong]
    print("make_hf_goldens: pip install " + " ".join(specs), flush=True)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *specs])
    importlib.invalidate_caches()
    for package in PINS:
        have = installed_version(package)
        if have is None or have.split("+")[0] != PINS[package]:
            sys.exit(f"make_hf_goldens: {package} is {have} after installing, want {PINS[package]}")


# --------------------------------------------------------------------------
# Cases. Sizes are small but not degenerate: odd hidden sizes where the
# config validation allows them, head_dim different from hidden/heads,
# intermediate sizes that are not multiples of 8, prompt lengths 11/13/37.
# --------------------------------------------------------------------------

# The Llama sizes the CPU's vector and quantized kernels take (hidden 64,
# intermediate 128, vocab 128, GQA 4 / 2, untied), shared by the format cases.
SMALL_LLAMA = dict(
    vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, head_dim=16,
    max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=None,
)

# Jamba with a small MoE layer whose blocks of 32 divide hidden and width.
SMALL_JAMBA_MOE = dict(
    vocab_size=64, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2,
    attn_layer_period=2, attn_layer_offset=1,
    expert_layer_period=2, expert_layer_offset=0,
    num_experts=4, num_experts_per_tok=2,
    mamba_d_state=8, mamba_d_conv=4, mamba_expand=1,
    max_position_embeddings=128, rms_norm_eps=1e-6, use_mamba_kernels=False,
    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
)

CASES = [
    {
        "name": "llama_gqa",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1001,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=128, hidden_size=63, intermediate_size=97, num_hidden_layers=2,
            num_attention_heads=9, num_key_value_heads=3, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=None,
        ),
        "notes": [
            "GQA: 9 query heads share 3 KV heads; query head h uses KV head h // 3 (repeat_kv = "
            "repeat_interleave over heads).",
            "head_dim (16) is given explicitly and differs from hidden_size/num_attention_heads (7): "
            "q_proj is [144, 63], k_proj/v_proj [48, 63], o_proj [63, 144].",
            "Untied: lm_head.weight is stored separately from model.embed_tokens.weight.",
            "transformers 5 writes RoPE settings as config.json 'rope_parameters' "
            "({'rope_type': 'default', 'rope_theta': 10000.0}); there is no top-level rope_theta.",
        ],
    },
    {
        "name": "llama_tied_rope_llama3",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1002,
        "prompt_len": 37,
        "kwargs": dict(
            vocab_size=128, hidden_size=75, intermediate_size=101, num_hidden_layers=2,
            num_attention_heads=5, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-6,
            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                          "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
            rope_theta=10000.0,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "tie_word_embeddings=true: model.safetensors has no lm_head.weight; logits = "
            "final_norm(h) @ model.embed_tokens.weight^T.",
            "num_key_value_heads was not given: transformers defaults it to num_attention_heads (5) "
            "and writes it to config.json.",
            "rope_type llama3 with original_max_position_embeddings=32, factor 8, low 1, high 4; "
            "head_dim 16 -> inv_freq[i] = 10000^(-2i/16): i=0 (wavelength 6.3 < 8) unchanged, i=1 "
            "(wavelength 19.9, between 8 and 32) smoothed, i>=2 (wavelength > 32) divided by 8. "
            "attention_factor is 1 (cos/sin not scaled). The prompt (37) runs past 32 positions.",
            "The scaled frequencies do not depend on the position or the sequence length "
            "(no dynamic update for llama3).",
        ],
    },
    {
        "name": "llama_rope_linear",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1003,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=128, hidden_size=57, intermediate_size=83, num_hidden_layers=2,
            num_attention_heads=3, num_key_value_heads=1, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-6,
            rope_scaling={"rope_type": "linear", "factor": 2.0}, rope_theta=10000.0,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "rope_type linear, factor 2: inv_freq = 10000^(-2i/head_dim) / 2, i.e. the angle is "
            "(position / 2) * inv_freq.",
            "num_key_value_heads=1 (multi-query attention); head_dim 16 explicit (hidden 57).",
        ],
    },
    {
        "name": "mistral_sliding",
        "class": "MistralForCausalLM",
        "config": "MistralConfig",
        "seed": 1004,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=128, hidden_size=53, intermediate_size=89, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            sliding_window=5, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "sliding_window=5: query at absolute position i attends to key positions j with "
            "i - 5 < j <= i, i.e. the 5 positions i-4..i including itself "
            "(masking_utils.sliding_window_overlay: kv_idx > q_idx - sliding_window, and "
            "causal_mask_function: kv_idx <= q_idx). Masked scores get finfo(float32).min added "
            "before the softmax.",
            "During decoding the cache (DynamicSlidingWindowLayer) keeps only the last "
            "sliding_window-1 = 4 keys/values per layer and the new token is attended together with "
            "them: the same 5-position window.",
            "The window applies to every layer (Mistral has no layer_types). It really is applied "
            "on the eager path: case.json 'self_check.max_abs_diff_vs_no_window' shows how much the "
            "logits change without it (rows 0..4 are identical, later rows differ).",
        ],
    },
    {
        "name": "qwen2_bias",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1005,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=91, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=False, use_sliding_window=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "q_proj, k_proj and v_proj have biases (always, not configurable); o_proj has none.",
            "head_dim is not a Qwen2 config field: it is hidden_size / num_attention_heads = 12.",
            "use_sliding_window=false, so sliding_window is null in config.json and every layer is "
            "full attention (layer_types all 'full_attention').",
            "rope_theta 1e6 (in rope_parameters).",
        ],
    },
    {
        "name": "gpt2",
        "class": "GPT2LMHeadModel",
        "config": "GPT2Config",
        "seed": 1006,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=100, n_embd=45, n_layer=2, n_head=3, n_positions=64,
            layer_norm_epsilon=1e-5, activation_function="gelu_new",
            bos_token_id=0, eos_token_id=0,
        ),
        "notes": [
            "Conv1D weights are stored [in, out]: y = x @ W + b (no transpose), e.g. "
            "transformer.h.{i}.attn.c_attn.weight is [45, 135] and its output splits into q, k, v "
            "(45 each, in that order).",
            "n_inner is null -> MLP width 4*n_embd = 180. gelu_new is the tanh approximation.",
            "Learned absolute positions (transformer.wpe, n_positions=64) added to the token "
            "embeddings; positions continue from the cache length while decoding.",
            "lm_head is tied to transformer.wte.weight and is not stored.",
            "Attention scale 1/sqrt(head_dim=15) (scale_attn_weights true, "
            "scale_attn_by_inverse_layer_idx false).",
        ],
    },
    {
        "name": "mamba",
        "class": "MambaForCausalLM",
        "config": "MambaConfig",
        "seed": 1007,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=112, hidden_size=45, state_size=16, num_hidden_layers=2, expand=2,
            conv_kernel=4, time_step_rank=5, layer_norm_epsilon=1e-5,
            bos_token_id=0, eos_token_id=0, pad_token_id=0,
        ),
        "notes": [
            "intermediate_size = expand * hidden_size = 90. time_step_rank is 5, given explicitly "
            "('auto' would be ceil(45/16) = 3).",
            "use_bias false (in_proj/out_proj without bias), use_conv_bias true, hidden_act silu, "
            "residual_in_fp32 true (no effect in float32).",
            "tie_word_embeddings defaults to true: lm_head is backbone.embeddings.weight and is "
            "not stored.",
            "Conv state while decoding = the last conv_kernel (4) conv inputs (x after in_proj, "
            "before the conv), zero-padded on the left when the prompt is shorter.",
        ],
    },
    {
        "name": "mamba2",
        "class": "Mamba2ForCausalLM",
        "config": "Mamba2Config",
        "seed": 1008,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=112, hidden_size=45, state_size=16, num_hidden_layers=2, expand=2,
            num_heads=10, head_dim=9, n_groups=2, chunk_size=5, conv_kernel=4,
            layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=2, pad_token_id=1,
        ),
        "notes": [
            "intermediate = expand*hidden = 90 = num_heads (10) * head_dim (9); 2 groups of 5 heads "
            "share B and C (head h uses group h // 5).",
            "chunk_size 5 does not divide the prompt length 13: chunks of 5, 5, 3 (the last one is "
            "zero-padded internally). The chunked scan is mathematically the plain recurrence.",
            "The gated RMSNorm normalises over groups of intermediate/n_groups = 45 channels "
            "(one group per B/C group, not per head), after multiplying by silu(z) "
            "(norm_before_gate = False).",
            "time_step_limit is (0.0, inf) (config.json writes Infinity). The clamp of dt to it is "
            "applied only on the chunked (prefill) path; the single-token path does not clamp. "
            "With the default limits that makes no difference.",
            "time_step_rank is written to config.json but unused by Mamba2.",
            "tie_word_embeddings defaults to false for Mamba2: lm_head.weight is stored.",
        ],
    },
    {
        "name": "jamba",
        "class": "JambaForCausalLM",
        "config": "JambaConfig",
        "seed": 1009,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=128, hidden_size=36, intermediate_size=41, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2,
            attn_layer_period=4, attn_layer_offset=1,
            expert_layer_period=2, expert_layer_offset=1,
            num_experts=4, num_experts_per_tok=2,
            mamba_d_state=16, mamba_d_conv=4, mamba_expand=2, mamba_dt_rank=3,
            max_position_embeddings=128, rms_norm_eps=1e-6, use_mamba_kernels=False,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers: 0 = Mamba + MLP, 1 = attention + MoE, 2 = Mamba + MLP, 3 = Mamba + MoE "
            "(attention where i % attn_layer_period == attn_layer_offset, MoE where "
            "i % expert_layer_period == expert_layer_offset).",
            "Jamba attention has no positional encoding at all (no RoPE); head_dim = 36/4 = 9.",
            "Router: softmax over the 4 expert logits (float32), top-2, weights NOT renormalised "
            "(they sum to < 1).",
            "The Mamba mixer applies RMSNorms (eps = rms_norm_eps, learned weights) to dt, B and C "
            "right after x_proj (dt_layernorm, b_layernorm, c_layernorm).",
            "model.safetensors stores experts one by one (feed_forward.experts.{j}.gate_proj / "
            "up_proj / down_proj); transformers merges them in memory and splits them again on "
            "save.",
            "use_mamba_kernels=False is deprecated and has no effect in transformers 5.23; the "
            "PyTorch path runs because no mamba-ssm/causal-conv1d kernels are installed.",
        ],
    },
    {
        "name": "bert",
        "class": "BertModel",
        "config": "BertConfig",
        "seed": 1010,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=96, hidden_size=45, num_hidden_layers=2, num_attention_heads=3,
            intermediate_size=97, max_position_embeddings=64, type_vocab_size=2,
            layer_norm_eps=1e-12, hidden_act="gelu", pad_token_id=0,
        ),
        "notes": [
            "Encoder only: embeddings.npy is last_hidden_state [S, hidden] for token_type_ids all "
            "zero and attention_mask all ones; mean_pooled.npy is its mean over the S tokens.",
            "Keys have no 'bert.' prefix (BertModel saved directly). The pooler "
            "(pooler.dense, tanh on token 0) is in the checkpoint but not used by the goldens.",
            "hidden_act gelu = exact erf GELU. Post-LN blocks, layer_norm_eps 1e-12.",
            "The prompt ids are random and do not contain [CLS]/[SEP]; nothing depends on them.",
        ],
    },
    {
        "name": "llama_bias",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1011,
        "prompt_len": 12,
        "kwargs": dict(
            vocab_size=96, hidden_size=44, intermediate_size=71, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=10,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            attention_bias=True, mlp_bias=True, hidden_act="gelu_pytorch_tanh",
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "summary_keys": ["attention_bias", "mlp_bias", "hidden_act"],
        "notes": [
            "attention_bias=true: q_proj, k_proj, v_proj AND o_proj all have biases "
            "(unlike Qwen2, where o_proj has none). The q/k biases are added before RoPE.",
            "mlp_bias=true: gate_proj, up_proj and down_proj have biases.",
            "hidden_act gelu_pytorch_tanh = GELU with the tanh approximation "
            "(the same function as gelu_new): down(act(gate(x)) * up(x)). The exact erf GELU "
            "instead changes the logits by only ~2e-3 here (no token changes), so compare with a "
            "tolerance well below that.",
            "GQA 4 query / 2 KV heads (query head h uses KV head h // 2); head_dim 10 is given "
            "explicitly and differs from hidden/heads (44/4 = 11): q_proj [40, 44], "
            "k_proj/v_proj [20, 44], o_proj [44, 40].",
            "Untied: lm_head.weight is stored (without bias).",
        ],
    },
    {
        "name": "gpt2_layer_scaled",
        "class": "GPT2LMHeadModel",
        "config": "GPT2Config",
        "seed": 1012,
        "prompt_len": 12,
        "kwargs": dict(
            vocab_size=89, n_embd=36, n_layer=3, n_head=4, n_inner=61, n_positions=64,
            layer_norm_epsilon=1e-5, activation_function="relu",
            scale_attn_by_inverse_layer_idx=True, reorder_and_upcast_attn=True,
            tie_word_embeddings=False, bos_token_id=0, eos_token_id=0,
        ),
        "summary_keys": ["activation_function", "scale_attn_weights",
                         "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"],
        "notes": [
            "scale_attn_by_inverse_layer_idx=true: the attention scores of layer i (0-based) are "
            "multiplied by 1/sqrt(head_dim) / (i + 1), head_dim = 36/4 = 9: layer 0 by 1/3, "
            "layer 1 by 1/6, layer 2 by 1/9.",
            "reorder_and_upcast_attn=true: on the eager path the scores are computed as "
            "baddbmm(q.float(), k.float(), alpha=scale) in float32, then the mask, softmax, "
            "cast back. For a float32 model this is mathematically the same attention (only the "
            "rounding differs: ~3e-6 on the logits). Without the 1/(i + 1) factor the logits "
            "change by ~1.1.",
            "n_inner=61 is given explicitly (not 4*n_embd = 144): c_fc.weight [36, 61], "
            "c_proj.weight [61, 36]. activation_function relu.",
            "tie_word_embeddings=false: lm_head.weight [89, 36] is stored (nn.Linear, [out, in], "
            "no bias) separately from transformer.wte.weight.",
        ],
    },
    {
        "name": "gpt2_unscaled",
        "class": "GPT2LMHeadModel",
        "config": "GPT2Config",
        "seed": 1013,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=72, n_embd=28, n_layer=2, n_head=2, n_positions=64,
            layer_norm_epsilon=1e-5, activation_function="gelu", scale_attn_weights=False,
            bos_token_id=0, eos_token_id=0,
        ),
        "summary_keys": ["activation_function", "scale_attn_weights",
                         "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"],
        "notes": [
            "scale_attn_weights=false: the attention scores are the raw q . k (no 1/sqrt(head_dim) "
            "factor; head_dim = 28/2 = 14), so the softmax is sharper than usual but finite (scores "
            "up to ~13.5; about a quarter of the rows put > 0.99 on one key). With the 1/sqrt(14) "
            "factor the logits would change by ~7.",
            "activation_function gelu = exact erf GELU (not the tanh approximation of gelu_new; "
            "that one would change the logits by ~3e-3 here).",
            "n_inner is null -> MLP width 4*n_embd = 112.",
            "lm_head is tied to transformer.wte.weight and is not stored.",
        ],
    },
    {
        "name": "qwen2_sliding_layers",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1014,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=80, hidden_size=40, intermediate_size=67, num_hidden_layers=3,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0,
            use_sliding_window=True, sliding_window=4, max_window_layers=1,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "summary_keys": ["use_sliding_window", "max_window_layers", "layer_types"],
        "notes": [
            "use_sliding_window=true, sliding_window=4, max_window_layers=1: layer i slides when "
            "i >= max_window_layers, so config.json layer_types is ['full_attention', "
            "'sliding_attention', 'sliding_attention']. A frontend should read layer_types (it is "
            "written to config.json), not recompute it.",
            "Sliding layers: query i attends to keys j with i - 4 < j <= i (4 positions including "
            "itself); layer 0 attends to every j <= i. While decoding the sliding layers' caches "
            "(DynamicSlidingWindowLayer) keep the last 3 keys/values, layer 0's keeps all.",
            "The prompt (13) is longer than the window. case.json 'self_check' shows that the "
            "window changes the result (max_abs_diff_vs_no_window; rows 0..3 identical, later rows "
            "differ) and that it equals explicit per-layer masks (full for layer 0, "
            "i-4 < j <= i for layers 1, 2).",
            "q/k/v biases as in every Qwen2; head_dim = 40/4 = 10.",
        ],
    },
    {
        "name": "mistral_no_window",
        "class": "MistralForCausalLM",
        "config": "MistralConfig",
        "seed": 1015,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=90, hidden_size=35, intermediate_size=59, num_hidden_layers=2,
            num_attention_heads=5, num_key_value_heads=1, head_dim=12,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            sliding_window=None, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "sliding_window is null in config.json: plain causal attention in every layer "
            "(MistralConfig's default would be 4096). The decode cache keeps every position.",
            "head_dim 12 is given explicitly and differs from hidden/heads (35/5 = 7): q_proj "
            "[60, 35], k_proj/v_proj [12, 35] (one KV head, multi-query), o_proj [35, 60].",
            "Untied: lm_head.weight is stored.",
        ],
    },
    {
        "name": "jamba_moe_wide",
        "class": "JambaForCausalLM",
        "config": "JambaConfig",
        "seed": 1018,  # 1016/1017 give thinner token and routing margins
        "prompt_len": 11,
        # 16 experts: with the plain N(0, 1/fan_in) router the 2nd and 3rd routing
        # probabilities are rarely 0.01 apart; x2 spreads them. lm_head x2 more (x6 in
        # all) doubles every top-1/top-2 gap without changing a token.
        "weight_scales": {"feed_forward.router.weight": 2.0, "lm_head.weight": 2.0},
        "kwargs": dict(
            vocab_size=64, hidden_size=256, intermediate_size=16, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            attn_layer_period=2, attn_layer_offset=1,
            expert_layer_period=2, expert_layer_offset=0,
            num_experts=16, num_experts_per_tok=2,
            mamba_d_state=8, mamba_d_conv=4, mamba_expand=1,
            max_position_embeddings=128, rms_norm_eps=1e-6, use_mamba_kernels=False,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers: 0 = Mamba + MoE, 1 = attention + MLP (attention where i % "
            "attn_layer_period (2) == attn_layer_offset (1), MoE where i % expert_layer_period "
            "(2) == expert_layer_offset (0)).",
            "Wide MoE in layer 0: 16 experts of intermediate 16 on hidden 256, top-2: the sizes "
            "that once broke seqc's OpenMP lowering of the expert loop. Layer 1's MLP is dense "
            "(intermediate 16).",
            "Layer 1 (attention) is there because transformers 5.23 cannot decode a Jamba without "
            "any attention layer: DynamicCache.get_seq_length() raises when every cache layer is "
            "a Mamba one, in forward(use_cache=True) and in generate().",
            "Attention: 4 query / 2 KV heads, head_dim = 256/4 = 64, no positional encoding.",
            "Router: softmax over the 16 expert logits (float32), top-2, weights NOT renormalised.",
            "Weights: router x2 and lm_head x6 (instead of x3) over the usual scales, for clear "
            "routing and greedy margins.",
            "Mamba: mamba_expand 1 (mamba intermediate 256), d_state 8, d_conv 4, mamba_dt_rank "
            "defaulted to ceil(256/16) = 16; dt/B/C RMSNorms after x_proj as in every Jamba.",
            "model.safetensors stores experts one by one (feed_forward.experts.{j}.gate_proj / "
            "up_proj / down_proj).",
            "Untied: lm_head.weight is stored.",
        ],
    },
    {
        "name": "llama_bf16",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1019,
        "prompt_len": 13,
        # Saved in bfloat16, as most Hugging Face checkpoints are; the reference is
        # the float32 forward of exactly those weights (bf16 -> f32 is exact).
        "stored_dtype": "bfloat16",
        "kwargs": dict(SMALL_LLAMA),
        "notes": [
            "model.safetensors stores every tensor in BF16 (config dtype bfloat16). The logits "
            "are transformers' float32 forward of those values (the model loaded with "
            "dtype=torch.float32; widening bf16 is exact): what a runtime that keeps the "
            "projection weights in bf16 and computes in f32 must give.",
            "Sizes the CPU's vector kernels take: hidden 64, intermediate 128, vocab 128, "
            "head_dim 16 (k_proj/v_proj [32, 64]).",
            "GQA 4 query / 2 KV heads; untied lm_head.",
        ],
    },
    {
        "name": "qwen2_round_bf16",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1020,
        "prompt_len": 11,
        # Saved in float32; the reference rounds the projection weights to bfloat16
        # first (seqc import hf --weights=bf16 rounds them at load).
        "round_projections": "bfloat16",
        "import_flags": "--weights=bf16",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after rounding the "
            "weight of every nn.Linear (q/k/v/o, gate/up/down) and the token embedding table "
            "(which the tied LM head shares) to bfloat16 (torch's round to nearest even) and "
            "back; biases and norms stay float32. Import with --weights=bf16 "
            "(import_flags.txt).",
            "q/k/v biases; head_dim = 64/4 = 16; intermediate 160 (panels of 32 columns).",
        ],
    },
    {
        "name": "llama_q4_0",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1023,
        "prompt_len": 13,
        "round_projections": "q4_0",
        "import_flags": "--weights=q4_0",
        "kwargs": dict(SMALL_LLAMA),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing the "
            "weight of every nn.Linear (the untied lm_head too) and the token embedding table "
            "to ggml's Q4_0 (blocks of 32 along the input features: 4-bit q, value (q - 8) * d, "
            "f16 d) and back with gguf.quants; norms stay float32. Import with --weights=q4_0 "
            "(import_flags.txt): seqc writes model.q4_0.safetensors (two values per byte) and "
            "runs with it.",
            "Every projection in panels of 64/32 columns (the CPU's 4-bit kernels); GQA 4 / 2.",
        ],
    },
    {
        "name": "qwen2_q4_1",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1024,
        "prompt_len": 11,
        "round_projections": "q4_1",
        "import_flags": "--weights=q4_1",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing the "
            "weight of every nn.Linear and the token embedding table (which the tied LM head "
            "shares) to ggml's Q4_1 (affine blocks of 32: q * d + m, f16 d and m) and back with "
            "gguf.quants; biases and norms stay float32. Import with --weights=q4_1 "
            "(import_flags.txt): seqc writes model.q4_1.safetensors (values, _scale, _offset).",
            "q/k/v biases; every projection and the tied table in panels (the lookup reads "
            "panels too).",
        ],
    },
    {
        "name": "llama_q4_g128",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1028,
        "prompt_len": 13,
        "round_projections": "q4_g128",
        "import_flags": "--weights=q4_g128",
        "kwargs": dict(
            vocab_size=128, hidden_size=128, intermediate_size=128, num_hidden_layers=1,
            num_attention_heads=4, num_key_value_heads=1, head_dim=32,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=None,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after rounding the "
            "weight of every nn.Linear (the untied lm_head too) and the token embedding table "
            "with Q4_1's formula on affine groups of 128 (q * d + min, f16 d and min; numpy, "
            "checked against gguf's Q4_1 at 32) and back; norms stay float32. Import with "
            "--weights=q4_g128 (import_flags.txt): seqc writes model.q4_g128.safetensors.",
        ],
    },
    {
        "name": "mamba_q8_0",
        "class": "MambaForCausalLM",
        "config": "MambaConfig",
        "seed": 1029,
        "prompt_len": 13,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, state_size=16, num_hidden_layers=2, expand=2,
            conv_kernel=4, time_step_rank=8, layer_norm_epsilon=1e-5,
            bos_token_id=0, eos_token_id=0, pad_token_id=0,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing every "
            "nn.Linear weight whose input size is a multiple of 32 (in_proj [256, 64], x_proj "
            "[40, 128], out_proj [64, 128]; dt_proj has 8 inputs and stays float32) and the "
            "tied embedding table to ggml's Q8_0 and back with gguf.quants; A_log, D, conv1d "
            "and norms stay float32. Import with --weights=q8_0.",
        ],
    },
    {
        "name": "mamba2_q4_0",
        "class": "Mamba2ForCausalLM",
        "config": "Mamba2Config",
        "seed": 1030,
        "prompt_len": 13,
        "round_projections": "q4_0",
        "import_flags": "--weights=q4_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, state_size=16, num_hidden_layers=2, expand=2,
            num_heads=8, head_dim=16, n_groups=2, chunk_size=8, conv_kernel=4,
            layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=2, pad_token_id=1,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing in_proj, "
            "out_proj, the untied lm_head and the embedding table to ggml's Q4_0 and back with "
            "gguf.quants; the SSM parameters, conv1d and the gated norm stay float32. Import "
            "with --weights=q4_0.",
        ],
    },
    {
        "name": "jamba_q4_1",
        "class": "JambaForCausalLM",
        "config": "JambaConfig",
        "seed": 1033,
        "prompt_len": 11,
        "round_projections": "q4_1",
        "import_flags": "--weights=q4_1",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            attn_layer_period=2, attn_layer_offset=1,
            expert_layer_period=2, expert_layer_offset=1, num_experts=1, num_experts_per_tok=1,
            mamba_d_state=16, mamba_d_conv=4, mamba_expand=2, mamba_dt_rank=4,
            max_position_embeddings=128, rms_norm_eps=1e-6, use_mamba_kernels=False,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers: 0 = Mamba + MLP, 1 = attention + MLP (one expert: dense). model.safetensors "
            "stores float32; the logits are computed after quantizing every nn.Linear weight with "
            "a multiple of 32 inputs (attention, MLP, Mamba in/x/out projections, lm_head; "
            "dt_proj has 4 inputs) and the embedding table to ggml's Q4_1 and back with "
            "gguf.quants. Import with --weights=q4_1.",
        ],
    },
    {
        "name": "bert_q8_0",
        "class": "BertModel",
        "config": "BertConfig",
        "seed": 1032,
        "prompt_len": 13,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=96, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=128, max_position_embeddings=64, type_vocab_size=2,
            layer_norm_eps=1e-12, hidden_act="gelu", pad_token_id=0,
        ),
        "notes": [
            "Encoder only (embeddings.npy, mean_pooled.npy). model.safetensors stores float32; "
            "the outputs are computed after quantizing every nn.Linear weight and the word "
            "embedding table to ggml's Q8_0 and back with gguf.quants; position and token-type "
            "tables and layer norms stay float32. Import with --weights=q8_0.",
        ],
    },
    {
        "name": "llama_kv_bf16",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1034,
        "prompt_len": 13,
        "kv_cache": "bfloat16",
        "import_flags": "--kv-cache=bf16",
        "kwargs": dict(SMALL_LLAMA),
        "notes": [
            "model.safetensors stores float32. The logits are those of transformers with "
            "eager attention reading keys (after RoPE) and values rounded to bfloat16 and "
            "back (a patched eager_attention_forward): what a bf16 KV cache holds. Import "
            "with --kv-cache=bf16.",
        ],
    },
    {
        "name": "mistral_ring_kv_f16",
        "class": "MistralForCausalLM",
        "config": "MistralConfig",
        "seed": 1035,
        "prompt_len": 13,
        "kv_cache": "float16",
        "import_flags": "--kv-cache=f16 --max-tokens-per-call 3",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            sliding_window=5, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "Sliding window 5 with --max-tokens-per-call 3: ring KV caches of 7 slots, held in "
            "f16 (--kv-cache=f16). The logits are those of transformers with eager attention "
            "reading keys and values rounded to float16 and back.",
        ],
    },
    {
        "name": "llama_text",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1045,
        "tokenizer": "llama3",
        "prompt_texts": ["Hello world, 世界! 👋 don't stop", "The cache holds 1234 tokens.",
                         "Привет, мир — καλημέρα", "<|begin_of_text|>x\ty  z"],
        "kwargs": dict(
            vocab_size=1200, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
            num_attention_heads=2, num_key_value_heads=1, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=True, bos_token_id=0, eos_token_id=1, pad_token_id=None,
        ),
        "notes": [
            "Text in, text out: tokenizer.json is test/tokenizer/llama3's (byte-level BPE with "
            "Llama-3's split regex and a BOS template, trained on the tokenizer corpus). "
            "prompt.txt is the prompt as text; prompt.npy its ids from the tokenizers wheel. "
            "expected_text.txt is what `seq-run --prompt-file prompt.txt --max-new 8` prints: "
            "the wheel's decode (special tokens skipped) of the greedy tokens up to the first "
            "special one, then a newline.",
        ],
    },
    {
        "name": "llama_chat",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1046,
        "tokenizer": "llama3",
        "chat": {
            # Compact (the test compiles goldens for 64 positions): a BOS, then
            # "role: content" turns closed by the end-of-turn token.
            "template": (
                "{{ bos_token }}{% for message in messages %}{{ message['role'] + ': ' + "
                "message['content'] | trim }}{{ eos_token }}{% endfor %}"
                "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}"),
            "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
            "system": "Be brief.",
        },
        "prompt_texts": ["Capital of France?", "Name a colour.", "Say hi.", "Count to 3."],
        "kwargs": dict(
            vocab_size=1200, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
            num_attention_heads=2, num_key_value_heads=1, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=True, bos_token_id=0, eos_token_id=2, pad_token_id=None,
        ),
        "notes": [
            "Chat: tokenizer.json is test/tokenizer/llama3's; chat_template.jinja a compact "
            "chat template (BOS, 'role: content' turns ended by <|eot_id|>) and "
            "tokenizer_config.json its special tokens. prompt.txt is the user "
            "message, system.txt the system message; prompt.npy the ids transformers' "
            "apply_chat_template(tokenize=True, add_generation_prompt=True) gives for them. "
            "expected_text.txt is what `seq-run --chat --system \"$(cat system.txt)\" "
            "--prompt-file prompt.txt --max-new 8` prints.",
        ],
    },
    {
        "name": "jamba_moe_q8_0",
        "class": "JambaForCausalLM",
        "config": "JambaConfig",
        "seed": 1043,
        "prompt_len": 11,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "weight_scales": {"feed_forward.router.weight": 2.0, "lm_head.weight": 2.0},
        "kwargs": dict(SMALL_JAMBA_MOE),
        "notes": [
            "Layer 0 = Mamba + MoE (4 experts of intermediate 64 on hidden 64, top-2), layer 1 "
            "= attention + MLP. model.safetensors stores float32; the logits are computed after "
            "quantizing every nn.Linear weight with a multiple of 32 inputs, the embedding "
            "table and every expert's gate, up and down weights (transformers' fused "
            "gate_up_proj / down_proj, blocks along each weight's inputs) to ggml's Q8_0 and "
            "back with gguf.quants. Import with --weights=q8_0.",
        ],
    },
    {
        "name": "jamba_moe_q4_1",
        "class": "JambaForCausalLM",
        "config": "JambaConfig",
        "seed": 1044,
        "prompt_len": 11,
        "round_projections": "q4_1",
        "import_flags": "--weights=q4_1",
        "weight_scales": {"feed_forward.router.weight": 2.0, "lm_head.weight": 2.0},
        "kwargs": dict(SMALL_JAMBA_MOE),
        "notes": [
            "As jamba_moe_q8_0 with ggml's Q4_1 (affine 4-bit blocks of 32): the experts "
            "read 4-bit values with scales and offsets. Import with --weights=q4_1.",
        ],
    },
    {
        "name": "llama_kv_q8",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1040,
        "prompt_len": 13,
        "kv_cache": "q8",
        "import_flags": "--kv-cache=q8",
        "kwargs": dict(SMALL_LLAMA, head_dim=32),
        "notes": [
            "model.safetensors stores float32. The logits are those of transformers with "
            "eager attention reading keys (after RoPE) and values quantized to ggml's Q8_0 "
            "along the head dim (blocks of 32, f16 scale; gguf.quants, llama.cpp's own "
            "Python quantizer) and back: what an 8-bit KV cache holds. Import with "
            "--kv-cache=q8.",
        ],
    },
    {
        "name": "mistral_ring_kv_q8",
        "class": "MistralForCausalLM",
        "config": "MistralConfig",
        "seed": 1041,
        "prompt_len": 13,
        "kv_cache": "q8",
        "import_flags": "--kv-cache=q8 --max-tokens-per-call 3",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=32,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            sliding_window=5, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "Sliding window 5 with --max-tokens-per-call 3: ring KV caches of 7 slots held "
            "as 8-bit blocks (--kv-cache=q8), their scales in rings beside them. The logits "
            "are those of transformers with eager attention reading keys and values through "
            "ggml's Q8_0 along the head dim and back.",
        ],
    },
    {
        "name": "gpt2_kv_q8",
        "class": "GPT2LMHeadModel",
        "config": "GPT2Config",
        "seed": 1042,
        "prompt_len": 13,
        "kv_cache": "q8",
        "import_flags": "--kv-cache=q8",
        "kwargs": dict(
            vocab_size=100, n_embd=64, n_layer=2, n_head=2, n_positions=64,
            layer_norm_epsilon=1e-5, activation_function="gelu_new",
            bos_token_id=0, eos_token_id=0,
        ),
        "notes": [
            "Head dim 32. The logits are those of transformers with eager attention reading "
            "keys and values through ggml's Q8_0 along the head dim and back "
            "(--kv-cache=q8).",
        ],
    },
    {
        "name": "llama_gptq",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1025,
        "prompt_len": 13,
        "packed": {
            "quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": False,
            "sym": False, "static_groups": False, "true_sequential": True,
            "damp_percent": 0.01, "model_name_or_path": None,
            "model_file_base_name": "model", "checkpoint_format": "gptq",
        },
        "kwargs": dict(SMALL_LLAMA),
        "notes": [
            "A GPTQ checkpoint as AutoGPTQ writes it: every decoder-layer nn.Linear replaced "
            "by qweight [in/8, out] (int32 words of eight 4-bit values along the inputs), "
            "qzeros [groups, out/8] (z - 1: checkpoint_format gptq, v1), f16 scales "
            "[groups, out] and g_idx, packed by AutoGPTQ 0.7.1's own QuantLinear.pack() "
            "(tools/goldens/packed_int4.py) from round-to-nearest asymmetric groups of 32; "
            "embeddings, norms and lm_head stay float32. The logits are those of the model "
            "running AutoGPTQ's QuantLinear forward (its CPU path) in each layer. seqc "
            "import writes model.gptq.safetensors (values, _scale, _offset) and runs with it.",
        ],
    },
    {
        "name": "llama_gptq_act_order",
        "class": "LlamaForCausalLM",
        "config": "LlamaConfig",
        "seed": 1036,
        "prompt_len": 13,
        "packed": {
            "quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": True,
            "sym": False, "static_groups": False, "true_sequential": True, "lm_head": True,
            "damp_percent": 0.01, "checkpoint_format": "gptq",
        },
        "kwargs": dict(SMALL_LLAMA),
        "notes": [
            "An act-order GPTQ checkpoint (desc_act): each packed layer's groups of 32 are "
            "taken over a random permutation of its inputs (g_idx[order[j]] = j // 32, as "
            "GPTQ's Hessian sort produces), packed by AutoGPTQ 0.7.1's g_idx-aware "
            "QuantLinear (qlinear_cuda.py) pack(); the head is packed too (lm_head: true, as "
            "GPTQModel writes it). Logits from that QuantLinear's forward (CPU path: "
            "scales[g_idx] * (q - zeros[g_idx])). seqc sorts each layer's inputs by group and "
            "gathers the layer's input in that order.",
        ],
    },
    {
        "name": "qwen2_gptq_sym",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1026,
        "prompt_len": 11,
        "packed": {
            "quant_method": "gptq", "bits": 4, "group_size": -1, "desc_act": False,
            "sym": True, "static_groups": False, "true_sequential": True,
            "damp_percent": 0.01, "checkpoint_format": "gptq",
        },
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "A symmetric GPTQ checkpoint (sym: every zero point 8) with one group per row "
            "(group_size -1) and q/k/v biases, packed by AutoGPTQ's QuantLinear.pack(); the "
            "tied embedding stays float32. seqc reads it as (q - 8) * s blocks with the f16 "
            "scales as stored (no offsets). Logits from AutoGPTQ's QuantLinear forward.",
        ],
    },
    {
        "name": "mistral_awq",
        "class": "MistralForCausalLM",
        "config": "MistralConfig",
        "seed": 1027,
        "prompt_len": 13,
        "packed": {
            "quant_method": "awq", "bits": 4, "group_size": 32, "zero_point": True,
            "version": "gemm", "modules_to_not_convert": None,
        },
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
            sliding_window=None, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "An AWQ (GEMM) checkpoint as AutoAWQ writes it: qweight [in, out/8] and qzeros "
            "[groups, out/8] with eight 4-bit values per int32 in AutoAWQ's 0,2,4,6,1,3,5,7 "
            "order, f16 scales [groups, out], packed by AutoAWQ 0.2.9's own "
            "WQLinear_GEMM.from_linear from round-to-nearest asymmetric groups of 32. The "
            "logits are those of the model whose layers hold AutoAWQ's dequantize_gemm() "
            "weights (float32). seqc import writes model.awq.safetensors.",
        ],
    },
    {
        "name": "gpt2_q8_0",
        "class": "GPT2LMHeadModel",
        "config": "GPT2Config",
        "seed": 1022,
        "prompt_len": 13,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=100, n_embd=64, n_layer=2, n_head=4, n_positions=64,
            layer_norm_epsilon=1e-5, activation_function="gelu_new",
            bos_token_id=0, eos_token_id=0,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing every "
            "Conv1D weight (stored [in, out]: blocks of 32 run along `in`) and the tied token "
            "embedding table to ggml's Q8_0 and back with gguf.quants; biases, layer norms and "
            "the position table (wpe) stay float32. Import with --weights=q8_0 "
            "(import_flags.txt): seqc writes the quantized weights [out, in].",
            "c_attn [64, 192], c_fc [64, 256] and c_proj [256, 64] / [64, 64] in panels of 64; "
            "the tied head [100, 64] keeps [N, K].",
        ],
    },
    {
        "name": "qwen2_q8_0",
        "class": "Qwen2ForCausalLM",
        "config": "Qwen2Config",
        "seed": 1021,
        "prompt_len": 11,
        # Saved in float32; the reference quantizes the projection weights and the
        # embedding table to Q8_0 and back with gguf's quantizer first (seqc import
        # hf --weights=q8_0 writes them quantized with ggml's rounding).
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=80, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing the "
            "weight of every nn.Linear and the token embedding table (which the tied LM head "
            "shares) to ggml's Q8_0 (blocks of 32 along the input features, f16 scale) and "
            "back with gguf.quants (llama.cpp's Python quantizer); down_proj (80 input "
            "features, not a multiple of 32) stays float32, as llama.cpp keeps such tensors. "
            "Import with --weights=q8_0 (import_flags.txt): seqc writes model.q8_0.safetensors "
            "and runs with it.",
            "q/k/v biases; q/k/v/o in panels of 64/32 columns (the CPU's quantized kernels); "
            "gate/up [80, 64] and the tied head keep [N, K] (the generic contraction); the "
            "embedding lookup dequantizes rows.",
        ],
    },
    {
        "name": "lfm2",
        "class": "Lfm2ForCausalLM",
        "config": "Lfm2Config",
        "seed": 1101,
        "prompt_len": 13,
        "kwargs": dict(
            vocab_size=128, hidden_size=40, intermediate_size=64, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
            norm_eps=1e-5, conv_L_cache=3, conv_bias=False, block_multiple_of=8,
            layer_types=["conv", "full_attention", "conv", "conv"],
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers 0, 2, 3 mix with the gated short convolution (in_proj -> B, C, x; "
            "out_proj(C * conv(B * x)), 3 taps, no activation, no biases); layer 1 attends "
            "(GQA 4 / 2, head_dim 10, RMSNorm on each q and k head before RoPE, theta 1e6 "
            "by default).",
            "MLP width: int(2 * 64 / 3) = 42, times block_ffn_dim_multiplier 1.0, rounded up "
            "to block_multiple_of 8 = 48 (w1/w3 [48, 40], w2 [40, 48]).",
            "Tied head (LFM2's default); the final norm is model.embedding_norm.",
        ],
    },
    {
        "name": "lfm2_bias_untied",
        "class": "Lfm2ForCausalLM",
        "config": "Lfm2Config",
        "seed": 1102,
        "prompt_len": 11,
        "kwargs": dict(
            vocab_size=96, hidden_size=36, intermediate_size=50, num_hidden_layers=3,
            num_attention_heads=3, num_key_value_heads=1, head_dim=8,
            max_position_embeddings=128, norm_eps=1e-6, conv_L_cache=4, conv_bias=True,
            block_auto_adjust_ff_dim=False, full_attn_idxs=[0, 2],
            rope_parameters={"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0},
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layer pattern from full_attn_idxs [0, 2] (attention, conv, attention).",
            "conv_bias: in_proj, the depthwise conv (4 taps) and out_proj have biases.",
            "block_auto_adjust_ff_dim false: the MLP is intermediate_size (50) wide.",
            "head_dim 8 given (hidden 36 / 3 heads would be 12), one KV head, linear RoPE "
            "scaling (factor 2), untied lm_head.",
        ],
    },
    {
        "name": "lfm2_q8_0",
        "class": "Lfm2ForCausalLM",
        "config": "Lfm2Config",
        "seed": 1103,
        "prompt_len": 11,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
            norm_eps=1e-5, conv_bias=True, block_multiple_of=32,
            layer_types=["conv", "full_attention"],
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after quantizing the "
            "weight of every nn.Linear (in_proj, out_proj, q/k/v/out_proj, w1/w2/w3) and the "
            "tied embedding table to ggml's Q8_0 and back with gguf.quants; the depthwise conv, "
            "biases and norms stay float32. Import with --weights=q8_0 (import_flags.txt).",
            "MLP width int(2 * 96 / 3) = 64, rounded to block_multiple_of 32 = 64.",
        ],
    },
    {
        "name": "bamba",
        "class": "BambaForCausalLM",
        "config": "BambaConfig",
        "seed": 1201,
        "prompt_len": 13,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=52, num_hidden_layers=3,
            num_attention_heads=4, num_key_value_heads=2, attn_layer_indices=[1],
            mamba_n_heads=12, mamba_d_head="auto", mamba_n_groups=2, mamba_d_state=8,
            mamba_d_conv=4, mamba_expand=2, mamba_chunk_size=5,
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers 0 and 2: Mamba2 mixer (12 heads of 8 = expand 2 * hidden 48, 2 groups, "
            "d_state 8, conv 4, chunk 5 so the 13-token prompt is 5 + 5 + 3); layer 1: Llama "
            "attention (GQA 4 / 2, head_dim 12) with RoPE on the first half of each head "
            "(BambaConfig's partial_rotary_factor 0.5: channels 0-5 rotate as pairs (i, i + 3), "
            "6-11 pass through).",
            "The reference is the cache-free full forward (full_forward_reference): "
            "transformers' cached step path for Bamba differs from it.",
        ],
    },
    {
        "name": "bamba_bias_rope",
        "class": "BambaForCausalLM",
        "config": "BambaConfig",
        "seed": 1202,
        "prompt_len": 11,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=96, hidden_size=32, intermediate_size=40, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=4, head_dim=16, attn_layer_indices=[0],
            attention_bias=True, mlp_bias=True, hidden_act="gelu_pytorch_tanh",
            mamba_n_heads=4, mamba_d_head=16, mamba_n_groups=1, mamba_d_state=16,
            mamba_d_conv=3, mamba_expand=2, mamba_chunk_size=8, mamba_conv_bias=False,
            mamba_proj_bias=True, time_step_limit=(0.05, 2.0),
            rope_parameters={"rope_type": "linear", "factor": 2.0, "rope_theta": 10000.0,
                             "partial_rotary_factor": 0.75},
            max_position_embeddings=128, rms_norm_eps=1e-6,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layer 0 attends (q/k/v/o biases, head_dim 16 given, linear RoPE factor 2 on "
            "int(16 * 0.75) = 12 channels), layer 1 is Mamba2 (in/out_proj biases, no conv "
            "bias, 3 taps, dt clamped to [0.05, 2.0]).",
            "hidden_act gelu_pytorch_tanh: the MLP's gate and the convolution's activation.",
            "Tied head.",
        ],
    },
    {
        "name": "bamba_q4_1",
        "class": "BambaForCausalLM",
        "config": "BambaConfig",
        "seed": 1203,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q4_1",
        "import_flags": "--weights=q4_1",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, attn_layer_indices=[1],
            mamba_n_heads=8, mamba_n_groups=1, mamba_d_state=16, mamba_d_conv=4,
            mamba_expand=2, mamba_chunk_size=8,
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "model.safetensors stores float32. The logits are computed after rounding every "
            "nn.Linear weight (Mamba2 in/out_proj, q/k/v/o, the MLP, the untied head) and the "
            "embedding table through ggml's Q4_1 with gguf.quants; conv1d, A_log, D, dt_bias "
            "and norms stay float32. Import with --weights=q4_1 (import_flags.txt).",
        ],
    },
    {
        "name": "granite_hybrid_moe",
        "class": "GraniteMoeHybridForCausalLM",
        "config": "GraniteMoeHybridConfig",
        "seed": 1301,
        "prompt_len": 13,
        "full_forward_reference": True,
        # Spread the routing probabilities and the top-1/top-2 logit gaps.
        "weight_scales": {"router.weight": 3.0, "lm_head.weight": 2.0},
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=20, shared_intermediate_size=36,
            num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
            layer_types=["mamba", "attention", "mamba"], position_embedding_type="rope",
            rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
            num_local_experts=4, num_experts_per_tok=2,
            embedding_multiplier=3.0, residual_multiplier=0.5, attention_multiplier=0.125,
            logits_scaling=2.5,
            mamba_n_heads=6, mamba_n_groups=2, mamba_d_state=8, mamba_d_conv=4,
            mamba_expand=1, mamba_chunk_size=5,
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "layer_types given in the legacy spelling (mamba, attention); transformers remaps "
            "them to linear_attention, full_attention (what config.json holds).",
            "Layers 0 and 2: Mamba2 (6 heads of 8 = expand 1 * hidden 48, 2 groups, chunk 5); "
            "layer 1: attention with scores scaled by attention_multiplier 0.125 (not "
            "1/sqrt(12)), RoPE on whole heads.",
            "Every layer: MoE of 4 experts (top-2 of the router logits, softmax over those 2; "
            "experts stored fused: input_linear [4, 40, 48] = gate then up, output_linear "
            "[4, 48, 20]) plus the shared MLP (input_linear [72, 48], output_linear [48, 36]).",
            "embedding_multiplier 3, residual_multiplier 0.5 on both branches, logits divided "
            "by logits_scaling 2.5.",
        ],
    },
    {
        "name": "granite_hybrid_dense_nope",
        "class": "GraniteMoeHybridForCausalLM",
        "config": "GraniteMoeHybridConfig",
        "seed": 1302,
        "prompt_len": 11,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=96, hidden_size=32, intermediate_size=16, shared_intermediate_size=40,
            num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2, head_dim=12,
            layer_types=["full_attention", "linear_attention"], position_embedding_type=None,
            attention_bias=True, num_local_experts=0, hidden_act="gelu",
            attention_multiplier=0.3,
            mamba_n_heads=4, mamba_n_groups=1, mamba_d_state=16, mamba_d_conv=3,
            mamba_expand=2, mamba_chunk_size=4, mamba_proj_bias=True, mamba_conv_bias=False,
            max_position_embeddings=128, rms_norm_eps=1e-6,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "No positional embedding (position_embedding_type null), q/k/v/o biases, head_dim "
            "12 given, attention_multiplier 0.3; num_local_experts 0: the shared MLP alone; "
            "gelu (exact) for the MLP and the Mamba2 convolution; Mamba2 in/out_proj biases, "
            "no conv bias, 3 taps; tied head.",
        ],
    },
    {
        "name": "granite_hybrid_q8_0",
        "class": "GraniteMoeHybridForCausalLM",
        "config": "GraniteMoeHybridConfig",
        "seed": 1303,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=32, shared_intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            layer_types=["linear_attention", "full_attention"], position_embedding_type="rope",
            num_local_experts=0, embedding_multiplier=2.0, residual_multiplier=0.7,
            attention_multiplier=0.25, logits_scaling=1.5,
            mamba_n_heads=8, mamba_n_groups=1, mamba_d_state=16, mamba_d_conv=4,
            mamba_expand=2, mamba_chunk_size=8,
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "--weights=q8_0 on a dense Granite 4.0-H (no experts, as granite-4.0-h-micro): "
            "every nn.Linear (Mamba2 in/out_proj, q/k/v/o, shared MLP, untied head) and the "
            "table through gguf's Q8_0 round trip.",
        ],
    },
    {
        "name": "falcon_h1",
        "class": "FalconH1ForCausalLM",
        "config": "FalconH1Config",
        "seed": 1401,
        "prompt_len": 13,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=128, hidden_size=40, intermediate_size=44, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            mamba_d_ssm=48, mamba_n_heads=6, mamba_n_groups=2, mamba_d_state=8, mamba_d_conv=4,
            mamba_chunk_size=5, mamba_rms_norm=False,
            embedding_multiplier=2.0, lm_head_multiplier=0.6, key_multiplier=0.7,
            attention_in_multiplier=1.3, attention_out_multiplier=0.8,
            ssm_in_multiplier=1.2, ssm_out_multiplier=0.9,
            ssm_multipliers=[0.5, 1.5, 0.8, 1.25, 2.0], mlp_multipliers=[1.4, 0.6],
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Every layer: Mamba2 (width mamba_d_ssm 48, not expand * hidden = 80; 6 heads of 8, "
            "2 groups, chunk 5) and attention (GQA 4 / 2, head_dim 10) on the same normalised "
            "input, both added to the residual.",
            "mamba_rms_norm false: the mixer's output is y * silu(z), no norm weight.",
            "Every muP multiplier differs from 1: embeddings, ssm_in (mixer input), "
            "ssm_multipliers (in_proj's z, x, B, C, dt segments), ssm_out, attention_in, "
            "key_multiplier, attention_out, mlp_multipliers (gate before the activation, down "
            "output), lm_head.",
        ],
    },
    {
        "name": "falcon_h1_norm_biases",
        "class": "FalconH1ForCausalLM",
        "config": "FalconH1Config",
        "seed": 1402,
        "prompt_len": 11,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=96, hidden_size=32, intermediate_size=40, num_hidden_layers=2,
            num_attention_heads=2, num_key_value_heads=1, head_dim=12,
            attention_bias=True, mlp_bias=True, projectors_bias=True, mamba_proj_bias=True,
            mamba_conv_bias=False, hidden_act="gelu_pytorch_tanh",
            mamba_d_ssm=None, mamba_n_heads=8, mamba_n_groups=2, mamba_d_state=16,
            mamba_d_conv=3, mamba_expand=2, mamba_chunk_size=4, mamba_rms_norm=True,
            mamba_norm_before_gate=True,
            time_step_limit=(0.01, 5.0),
            rope_parameters={"rope_type": "linear", "factor": 3.0, "rope_theta": 100000.0},
            key_multiplier=1.1, ssm_multipliers=[1.0, 0.9, 1.1, 1.0, 0.7],
            max_position_embeddings=128, rms_norm_eps=1e-6,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "mamba_d_ssm null: the mixer is expand * hidden = 64 wide (8 heads of 8).",
            "mamba_rms_norm with norm_before_gate: rmsnorm(y) by 2 groups, then * silu(z).",
            "Biases: q/k/v/o, MLP, Mamba2 in_proj (mamba_proj_bias) and out_proj "
            "(projectors_bias); no conv bias; 3 taps; dt clamped to [0.01, 5].",
            "head_dim 12 given, MQA, linear RoPE factor 3, theta 1e5, gelu_pytorch_tanh, tied head.",
        ],
    },
    {
        "name": "falcon_h1_q4_0",
        "class": "FalconH1ForCausalLM",
        "config": "FalconH1Config",
        "seed": 1403,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q4_0",
        "import_flags": "--weights=q4_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
            mamba_d_ssm=None, mamba_n_heads=8, mamba_n_groups=1, mamba_d_state=16,
            mamba_d_conv=4, mamba_expand=2, mamba_chunk_size=8, mamba_rms_norm=True,
            mamba_norm_before_gate=False,
            embedding_multiplier=1.5, ssm_multipliers=[1.0, 1.2, 1.0, 0.8, 1.0],
            max_position_embeddings=128, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "--weights=q4_0: every nn.Linear and the table through gguf's Q4_0 round trip.",
            "mamba_rms_norm with norm_before_gate false: rmsnorm(y * silu(z)) (Mamba2's order).",
        ],
    },
    {
        "name": "nemotron_h",
        "class": "NemotronHForCausalLM",
        "config": "NemotronHConfig",
        "seed": 1501,
        "prompt_len": 13,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=128, hidden_size=40, intermediate_size=52,
            layers_block_type=["linear_attention", "mlp", "full_attention", "mlp",
                               "linear_attention"],
            num_attention_heads=4, num_key_value_heads=2, head_dim=12,
            mamba_num_heads=6, mamba_head_dim=8, ssm_state_size=8, n_groups=2,
            conv_kernel=4, chunk_size=5, time_step_min=0.05,
            max_position_embeddings=128, layer_norm_epsilon=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Blocks: Mamba2, MLP, attention, MLP, Mamba2 (one mixer per block, x += "
            "mixer(norm(x))).",
            "Mamba2: width mamba_num_heads * mamba_head_dim = 48 (not expand * hidden), 2 groups, "
            "chunk 5; dt clamped below at time_step_min 0.05 (the mixer's limit is "
            "(time_step_min, inf), whatever time_step_limit says).",
            "Attention: no positional embedding at all, GQA 4 / 2, head_dim 12.",
            "MLP: down(relu(up(x))^2) (mlp_hidden_act relu2), no gate.",
        ],
    },
    {
        "name": "nemotron_h_moe",
        "class": "NemotronHForCausalLM",
        "config": "NemotronHConfig",
        "seed": 1503,
        "prompt_len": 13,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=64,
            layers_block_type=["linear_attention", "moe", "full_attention", "moe"],
            num_attention_heads=4, num_key_value_heads=2, head_dim=12,
            mamba_num_heads=6, mamba_head_dim=8, ssm_state_size=8, n_groups=2,
            conv_kernel=4, chunk_size=5, time_step_min=0.05,
            n_routed_experts=6, num_experts_per_tok=2, moe_intermediate_size=24,
            moe_shared_expert_intermediate_size=40, routed_scaling_factor=2.5,
            n_group=1, topk_group=1, norm_topk_prob=True,
            max_position_embeddings=128, layer_norm_epsilon=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Blocks: Mamba2, MoE, attention, MoE.",
            "MoE: router logits in f32, sigmoid; the top 2 of sigmoid + "
            "e_score_correction_bias (a buffer, drawn at random here) kept with their "
            "sigmoids / (sum + 1e-20), times routed_scaling_factor 2.5; 6 experts "
            "down(relu(up x)^2) of 24, no gate; plus the shared MLP (40) on the same input.",
        ],
    },
    {
        "name": "nemotron_h_moe_grouped",
        "class": "NemotronHForCausalLM",
        "config": "NemotronHConfig",
        "seed": 1505,
        "prompt_len": 12,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "kwargs": dict(
            vocab_size=96, hidden_size=32, intermediate_size=48,
            layers_block_type=["moe", "full_attention", "moe"],
            num_attention_heads=4, num_key_value_heads=2, head_dim=8,
            mamba_num_heads=4, mamba_head_dim=8, ssm_state_size=8, n_groups=1,
            conv_kernel=4, chunk_size=8,
            n_routed_experts=8, num_experts_per_tok=2, moe_intermediate_size=16,
            moe_shared_expert_intermediate_size=24, routed_scaling_factor=1.5,
            n_group=4, topk_group=2, norm_topk_prob=True,
            max_position_embeddings=128, layer_norm_epsilon=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Blocks: MoE, attention, MoE. Group-limited routing: 8 experts in n_group 4 "
            "groups of 2, each scored by the sum of its two best sigmoid + bias scores; a "
            "token's top 2 experts come from its topk_group 2 best groups only.",
        ],
    },
    {
        "name": "nemotron_h_moe_latent_q8_0",
        "class": "NemotronHForCausalLM",
        "config": "NemotronHConfig",
        "seed": 1504,
        "prompt_len": 11,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=64,
            layers_block_type=["moe", "full_attention", "linear_attention", "moe"],
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            mamba_num_heads=4, mamba_head_dim=16, ssm_state_size=8, n_groups=1,
            conv_kernel=4, chunk_size=8,
            n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=32,
            moe_shared_expert_intermediate_size=32, moe_latent_size=32,
            n_group=2, topk_group=2, norm_topk_prob=False, mlp_bias=True,
            max_position_embeddings=128, layer_norm_epsilon=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Blocks: MoE, attention, Mamba2, MoE. MoE with a latent projection (fc1 64 -> 32, "
            "experts in 32, fc2 32 -> 64, "
            "with mlp_bias biases, as the shared MLP's); n_group 2 = topk_group 2 (every "
            "group kept); weights not renormalised.",
            "--weights=q8_0: every nn.Linear, the experts (inputs 32) and the table through "
            "gguf's Q8_0; the router and the correction bias stay float32.",
        ],
    },
    {
        "name": "nemotron_h_legacy_q8_0",
        "class": "NemotronHForCausalLM",
        "config": "NemotronHConfig",
        "seed": 1502,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=64,
            hybrid_override_pattern="M*-", num_attention_heads=4, num_key_value_heads=2,
            head_dim=16, mamba_num_heads=8, mamba_head_dim=8, ssm_state_size=16,
            mamba_n_groups=1, mamba_d_conv=3, mamba_chunk_size=8, mamba_conv_bias=False,
            use_bias=True, mlp_bias=True, mamba_hidden_act="silu",
            max_position_embeddings=128, layer_norm_epsilon=1e-6,
            tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Built from the legacy keywords (hybrid_override_pattern 'M*-', mamba_n_groups, "
            "mamba_d_conv, mamba_chunk_size, mamba_conv_bias); config.json holds what "
            "NemotronHConfig turns them into.",
            "use_bias (Mamba2 in/out_proj) and mlp_bias; tied head; --weights=q8_0: every "
            "nn.Linear and the table through gguf's Q8_0.",
        ],
    },
    {
        "name": "zamba2",
        "class": "Zamba2ForCausalLM",
        "config": "Zamba2Config",
        "seed": 1601,
        "prompt_len": 13,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=128, hidden_size=24, intermediate_size=40, num_hidden_layers=5,
            layers_block_type=["mamba", "hybrid", "mamba", "hybrid", "hybrid"],
            num_attention_heads=4, num_mem_blocks=2, use_shared_attention_adapter=True,
            adapter_rank=4, use_mem_rope=True,
            rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
            n_mamba_heads=6, mamba_d_state=8, mamba_ngroups=2, mamba_d_conv=4, mamba_expand=2,
            chunk_size=5, time_step_min=0.01,
            max_position_embeddings=128, rms_norm_eps=1e-5,
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers: Mamba2, hybrid, Mamba2, hybrid, hybrid (legacy name 'mamba' for "
            "linear_attention). Hybrid layers 1, 3, 4 use shared blocks 0, 1, 0: block 0's "
            "weights are stored under model.layers.1.shared_transformer, block 1's under "
            "layers.3; adapters (rank 4) on q/k/v and on the MLP's gate_up, one per hybrid "
            "layer (slots 0 and 2 in block 0, slot 1 in block 1).",
            "The shared block reads concat(x, embeddings) (48 wide): RMSNorm over 48, q/k/v "
            "48 -> 4 heads of 12 with RoPE, scores scaled by (12 / 2)^-0.5, o_proj to 24, "
            "RMSNorm, gelu MLP, no residual inside; then the layer's own linear, added to the "
            "Mamba2 block's input (not its residual).",
            "Mamba2: 6 heads of 8, 2 groups, chunk 5, conv bias always, gated norm eps 1e-5, "
            "dt clamped below at time_step_min 0.01. Tied head.",
        ],
    },
    {
        "name": "zamba2_plain_q8_0",
        "class": "Zamba2ForCausalLM",
        "config": "Zamba2Config",
        "seed": 1602,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
            layers_block_type=["hybrid", "linear_attention", "hybrid"],
            num_attention_heads=2, num_key_value_heads=1, num_mem_blocks=1,
            use_shared_attention_adapter=False, adapter_rank=32, use_mem_rope=False,
            add_bias_linear=True, hidden_act="silu",
            n_mamba_heads=4, mamba_d_state=16, mamba_ngroups=1, mamba_d_conv=3, mamba_expand=2,
            chunk_size=8, max_position_embeddings=128, rms_norm_eps=1e-6,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Hybrid layers 0 and 2 share block 0, but tie_word_embeddings is false, so "
            "transformers ties nothing: each hybrid layer has its own copy of the block "
            "(layers.0 and layers.2 .shared_transformer), whose adapter list also holds the "
            "other slot's entry, loaded and never read. No attention "
            "adapters (the MLP's gate_up adapters remain, rank 32), no positions, MQA (2 "
            "heads of 32, one KV head), add_bias_linear (MLP and Mamba2 projections), silu, "
            "untied head; --weights=q8_0 on every nn.Linear (adapters too) and the table.",
        ],
    },
    {
        "name": "recurrent_gemma",
        "class": "RecurrentGemmaForCausalLM",
        "config": "RecurrentGemmaConfig",
        "seed": 1701,
        "prompt_len": 13,
        "full_forward_reference": True,
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=70, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=1, lru_width=40,
            attention_window_size=5, conv1d_width=4, logits_soft_cap=12.0,
            block_types=["recurrent", "recurrent", "attention"],
            max_position_embeddings=128, rms_norm_eps=1e-6,
            bos_token_id=2, eos_token_id=1, pad_token_id=0,
        ),
        "notes": [
            "Layers cycle block_types: recurrent, recurrent, attention, recurrent.",
            "Recurrent block: lru_width 40 (not hidden 48) in 4 gate blocks of 10; causal conv "
            "of 4 taps with bias; the RG-LRU h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t x_t), "
            "a_t = exp(-8 r_t softplus(recurrent_param)), the multiplier 1 at position 0.",
            "Attention block: local window 5 < prompt 13, MQA (4 heads of 12 over one KV "
            "head), RoPE on half of each head, o_proj with a bias.",
            "RMSNorms scale by (1 + w); embeddings times sqrt(48) rounded to bf16 (6.9375); "
            "MLP width intermediate_size // 2 = 35 with biases; logits tanh-capped at 12; "
            "tied head.",
        ],
    },
    {
        "name": "recurrent_gemma_q8_0",
        "class": "RecurrentGemmaForCausalLM",
        "config": "RecurrentGemmaConfig",
        "seed": 1702,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, lru_width=64,
            attention_window_size=6, conv1d_width=3, logits_soft_cap=30.0,
            block_types=["attention", "recurrent"], attention_bias=True,
            hidden_activation="gelu", rope_parameters={"rope_type": "default",
                                                       "rope_theta": 10000.0,
                                                       "partial_rotary_factor": 0.25},
            max_position_embeddings=128, rms_norm_eps=1e-6, tie_word_embeddings=False,
            bos_token_id=2, eos_token_id=1, pad_token_id=0,
        ),
        "notes": [
            "Attention first (q/k/v biases, GQA 4 / 2 of 16, RoPE on a quarter of each head, "
            "window 6), then a recurrent block (3 taps); exact gelu; untied head.",
            "--weights=q8_0: every nn.Linear and the table through gguf's Q8_0; the RG-LRU's "
            "gate blocks and recurrent_param (parameters, not nn.Linear) and the conv stay "
            "float32.",
        ],
    },
    {
        "name": "rwkv",
        "class": "RwkvForCausalLM",
        "config": "RwkvConfig",
        "seed": 1801,
        "prompt_len": 13,
        "full_forward_reference": True,
        "weight_scales": {"attention.key.weight": 8.0, "head.weight": 3.0},
        "no_generate": ("not run: transformers' cached path sizes the WKV state by "
                        "hidden_size and fails when attention_hidden_size differs"),
        "kwargs": dict(
            vocab_size=128, hidden_size=48, attention_hidden_size=40, intermediate_size=72,
            num_hidden_layers=4, rescale_every=2, layer_norm_epsilon=0.05,
            context_length=64, bos_token_id=0, eos_token_id=0,
        ),
        "notes": [
            "RWKV-4: 4 blocks, hidden 48, attention_hidden_size 40 (WKV over 40 channels), "
            "channel-mix width 72; pre_ln before block 0; untied head.",
            "Keys scaled 8x (attention.key.weight), so that WKV's exponents span e^+-30 and "
            "its max stabiliser matters.",
            "rescale_every 2: in eval mode blocks 2-3 divide their attention.output and "
            "feed_forward.value weights by 2 and the residual stream is halved after blocks 1 "
            "and 3 (before ln_out too); layer_norm_epsilon 0.05 makes a misplaced halving "
            "visible; ln_out keeps nn.LayerNorm's own 1e-5.",
            "The checkpoint holds the weights as trained (not rescaled): transformers "
            "rescales them at its first eval forward.",
        ],
    },
    {
        "name": "rwkv_tied_q8_0",
        "class": "RwkvForCausalLM",
        "config": "RwkvConfig",
        "seed": 1802,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "weight_scales": {"attention.key.weight": 3.0, "embeddings.weight": 2.0},
        "kwargs": dict(
            vocab_size=96, hidden_size=64, num_hidden_layers=2, rescale_every=0,
            tie_word_embeddings=True, layer_norm_epsilon=1e-5,
            bos_token_id=0, eos_token_id=0,
        ),
        "notes": [
            "RWKV-4 with its defaults: attention_hidden_size = hidden (64), intermediate_size "
            "= 4 x hidden (256); rescale_every 0 (no rescaling); head tied to the embeddings "
            "(no head.weight in the checkpoint).",
            "--weights=q8_0: every nn.Linear and the table through gguf's Q8_0; time_mix, "
            "time_decay, time_first and the LayerNorms stay float32.",
        ],
    },
    {
        "name": "xlstm",
        "class": "xLSTMForCausalLM",
        "config": "xLSTMConfig",
        "seed": 1901,
        "prompt_len": 13,
        "full_forward_reference": True,
        "weight_scales": {"igate_preact.weight": 4.0},
        "kwargs": dict(
            vocab_size=128, hidden_size=64, num_hidden_layers=2, num_heads=4,
            qk_dim_factor=1.0, v_dim_factor=1.0, ffn_proj_factor=1.3,
            ffn_round_up_to_multiple_of=64, gate_soft_cap=5.0, output_logit_soft_cap=8.0,
            chunk_size=4, norm_eps=1e-6, eps=1e-6, weight_mode="single", use_bias=False,
            bos_token_id=0, eos_token_id=2, pad_token_id=1,
        ),
        "notes": [
            "xLSTM-7B's architecture, small: 2 blocks, hidden 64, 4 heads with q/k and v of "
            "16, SwiGLU of round_up(64 x 1.3, 64) = 128 (Python's float floor division).",
            "transformers sizes its xLSTMCache (which its forward uses even with "
            "use_cache=False) by q/k and v widths rounded up to 64, its layers by "
            "int(hidden x factor): the widths are multiples of 64 so that both agree.",
            "Input gate weights scaled 4x and gate_soft_cap 5: the gates' tanh cap and the "
            "mLSTM's exponential-gate stabiliser both matter; logits capped at 8.",
            "chunk_size 4: transformers' full forward runs its chunkwise kernel over the "
            "first 12 tokens and its step kernel over the rest.",
        ],
    },
    {
        "name": "xlstm_fused_bias_q8_0",
        "class": "xLSTMForCausalLM",
        "config": "xLSTMConfig",
        "seed": 1902,
        "prompt_len": 11,
        "full_forward_reference": True,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "skip_init": True,
        "kwargs": dict(
            vocab_size=96, hidden_size=64, num_hidden_layers=2, num_heads=2,
            qk_dim_factor=1.0, v_dim_factor=2.0, ffn_proj_factor=1.0,
            ffn_round_up_to_multiple_of=64, gate_soft_cap=20.0, output_logit_soft_cap=50.0,
            weight_mode="fused", use_bias=True, norm_eps=1e-5, eps=1e-4,
            bos_token_id=0, eos_token_id=2, pad_token_id=1,
        ),
        "notes": [
            "weight_mode fused (qkv_opreact, ifgate_preact, proj_up_gate_z), use_bias (every "
            "projection, the RMSNorms but out_norm, the multi-head norm), gate and logit "
            "soft caps of 20 and 50; q/k of 32, v of 64 per head (factors 1.0, 2.0), SwiGLU of 64.",
            "--weights=q8_0: every nn.Linear and the table through gguf's Q8_0.",
            "transformers 5.23's _init_weights fails on fused gates (a bias shape "
            "mismatch), in from_pretrained too; the model is built without it and its "
            "forward, which is sound, is the reference.",
        ],
    },
    {
        "name": "lfm2_moe",
        "class": "Lfm2MoeForCausalLM",
        "config": "Lfm2MoeConfig",
        "seed": 1111,
        "prompt_len": 13,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "kwargs": dict(
            vocab_size=128, hidden_size=48, intermediate_size=80, moe_intermediate_size=24,
            num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
            layer_types=["conv", "full_attention", "conv", "conv"], num_dense_layers=1,
            num_experts=6, num_experts_per_tok=2, use_expert_bias=True,
            max_position_embeddings=128, norm_eps=1e-5, conv_L_cache=3,
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Layers conv, attention, conv, conv (LFM2's mixers); layer 0 has a dense SwiGLU "
            "MLP of 80 (num_dense_layers 1), layers 1-3 an MoE of 6 experts of 24.",
            "Routing: sigmoid of the router logits; the top 2 by sigmoid + expert_bias (a "
            "buffer, drawn at random here) are kept, weighted by their sigmoids / (sum + "
            "1e-6) (norm_topk_prob), times routed_scaling_factor 1. Experts are saved as "
            "feed_forward.experts.<i>.w1/w3/w2. Tied head.",
        ],
    },
    {
        "name": "lfm2_moe_q8_0",
        "class": "Lfm2MoeForCausalLM",
        "config": "Lfm2MoeConfig",
        "seed": 1112,
        "prompt_len": 11,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=96, moe_intermediate_size=32,
            num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
            layer_types=["full_attention", "conv", "conv"], num_dense_layers=0,
            num_experts=4, num_experts_per_tok=2, use_expert_bias=False,
            norm_topk_prob=False, routed_scaling_factor=2.5, conv_bias=True,
            tie_word_embeddings=False, max_position_embeddings=128, norm_eps=1e-5,
            bos_token_id=1, eos_token_id=2, pad_token_id=0,
        ),
        "notes": [
            "Every layer an MoE (num_dense_layers 0); no expert bias (top 2 by sigmoid), "
            "weights not renormalised, times routed_scaling_factor 2.5; conv biases; untied "
            "head.",
            "--weights=q8_0: every nn.Linear, the experts (inputs 64 and 32) and the table "
            "through gguf's Q8_0; the router stays float32.",
        ],
    },
    {
        "name": "qwen3_next",
        "class": "Qwen3NextForCausalLM",
        "config": "Qwen3NextConfig",
        "seed": 1801,
        "prompt_len": 13,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=96, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            linear_conv_kernel_dim=4, linear_key_head_dim=16, linear_value_head_dim=12,
            linear_num_key_heads=2, linear_num_value_heads=4,
            num_experts=8, num_experts_per_tok=2, moe_intermediate_size=32,
            shared_expert_intermediate_size=48, mlp_only_layers=[1],
            max_position_embeddings=128, rms_norm_eps=1e-6,
            bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "Layer types from the default full_attention_interval 4: three gated DeltaNet "
            "layers, then gated attention (layer 3).",
            "DeltaNet: 2 key heads of 16, 4 value heads of 12 (each key head shared by 2 "
            "value heads), 4-tap conv with silu over q, k, v; unit-norm q and k; "
            "beta = sigmoid(b), g = -exp(A_log) softplus(a + dt_bias); gated RMSNorm.",
            "Attention: GQA 4 / 2 of 16, q_proj gives query and gate per head, (1 + w) "
            "RMSNorm on q and k, RoPE on a quarter of each head (default "
            "partial_rotary_factor 0.25), output times sigmoid(gate).",
            "MoE (8 experts, top 2, renormalised, softmax router) plus a shared expert "
            "(width 48) scaled by sigmoid(shared_expert_gate) on layers 0, 2, 3; layer 1 "
            "(mlp_only_layers) has a dense SwiGLU MLP of 96. Untied head.",
        ],
    },
    {
        "name": "qwen3_next_bias_tied",
        "class": "Qwen3NextForCausalLM",
        "config": "Qwen3NextConfig",
        "seed": 1802,
        "prompt_len": 11,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "kwargs": dict(
            vocab_size=96, hidden_size=48, intermediate_size=64, num_hidden_layers=3,
            num_attention_heads=2, num_key_value_heads=1, head_dim=24,
            layer_types=["full_attention", "linear_attention", "linear_attention"],
            linear_conv_kernel_dim=3, linear_key_head_dim=8, linear_value_head_dim=16,
            linear_num_key_heads=3, linear_num_value_heads=3,
            num_experts=4, num_experts_per_tok=3, moe_intermediate_size=24,
            shared_expert_intermediate_size=16, decoder_sparse_step=2,
            norm_topk_prob=False, attention_bias=True,
            rope_parameters={"rope_type": "default", "rope_theta": 1000000.0,
                             "partial_rotary_factor": 0.5},
            max_position_embeddings=128, rms_norm_eps=1e-5, tie_word_embeddings=True,
            bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "Explicit layer_types (attention first); one value head per key head (no "
            "sharing), 3-tap conv.",
            "decoder_sparse_step 2: only layer 1 has the MoE (4 experts, top 3, weights not "
            "renormalised); layers 0 and 2 a dense MLP.",
            "attention_bias on q/k/v/o; RoPE on half of each head (theta 1e6); tied head.",
        ],
    },
    {
        "name": "qwen3_next_q8_0",
        "class": "Qwen3NextForCausalLM",
        "config": "Qwen3NextConfig",
        "seed": 1803,
        "prompt_len": 11,
        "full_forward_reference": True,
        "min_router_gap": 2e-3,
        "round_projections": "q8_0",
        "import_flags": "--weights=q8_0",
        "kwargs": dict(
            vocab_size=128, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16,
            layer_types=["linear_attention", "full_attention"],
            linear_conv_kernel_dim=4, linear_key_head_dim=32, linear_value_head_dim=32,
            linear_num_key_heads=1, linear_num_value_heads=2,
            num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32,
            shared_expert_intermediate_size=32,
            max_position_embeddings=128, rms_norm_eps=1e-6,
            bos_token_id=1, eos_token_id=2,
        ),
        "notes": [
            "--weights=q8_0: every nn.Linear (shared expert and its gate too), the experts "
            "(input features 64 and 32) and the table through gguf's Q8_0; the router, "
            "A_log, dt_bias, the conv and the norms stay float32.",
            "One key head of 32 shared by two value heads of 32; MoE of 4 (top 2) on both "
            "layers.",
        ],
    },
]

# --------------------------------------------------------------------------


def apply_storage(case, model):
    """The model to save and, in place, the one the reference runs: for
    "stored_dtype" both hold the weights rounded to it (saved in it); for
    "round_projections" only the reference's nn.Linear weights and token
    embedding table are rounded (an f32 checkpoint imported with narrow
    projections)."""
    import copy

    import torch
    from torch import nn

    if case.get("packed"):
        return pack_layers(case, model)
    dtype = case.get("stored_dtype")
    if dtype:
        # Parameters only: buffers (rotary inv_freq) are computed in float32
        # when transformers loads the checkpoint with dtype=float32.
        with torch.no_grad():
            for param in model.parameters():
                param.copy_(param.to(getattr(torch, dtype)).float())
        return copy.deepcopy(model).to(getattr(torch, dtype))
    dtype = case.get("round_projections")
    if not dtype:
        return model
    saved = copy.deepcopy(model)
    with torch.no_grad():
        # Every projection (the LM head too) and the token embedding table.
        from transformers.pytorch_utils import Conv1D
        weights = {id(m.weight): m.weight for m in model.modules() if isinstance(m, nn.Linear)}
        table = model.get_input_embeddings().weight
        weights[id(table)] = table
        for weight in weights.values():
            if dtype in ("q8_0", "q4_0", "q4_1", "q4_g128"):
                weight.copy_(block_round_trip(weight, dtype))
            else:
                weight.copy_(weight.to(getattr(torch, dtype)).float())
        # Fused MoE experts ([E, out, in] gate_up_proj and down_proj): every
        # expert's rows in blocks along `in`, all of them or none (as the
        # import quantizes them).
        for m in model.modules():
            # Gated experts (gate_up_proj) or plain ones (up_proj, Nemotron-H).
            first = "gate_up_proj" if hasattr(m, "gate_up_proj") else "up_proj"
            experts = [getattr(m, n, None) for n in (first, "down_proj")]
            if not all(isinstance(w, nn.Parameter) and w.dim() == 3 for w in experts):
                continue
            if dtype in ("q8_0", "q4_0", "q4_1", "q4_g128"):
                if all(w.shape[-1] % 32 == 0 for w in experts):
                    for w in experts:
                        w.copy_(block_round_trip(w.reshape(-1, w.shape[-1]), dtype)
                                .reshape(w.shape))
            else:
                for w in experts:
                    w.copy_(w.to(getattr(torch, dtype)).float())
        # GPT-2's Conv1D stores [in, out]: blocks run along `in`.
        for m in model.modules():
            if isinstance(m, Conv1D) and dtype in ("q8_0", "q4_0", "q4_1", "q4_g128"):
                m.weight.copy_(block_round_trip(m.weight.t(), dtype).t())
            elif isinstance(m, Conv1D):
                m.weight.copy_(m.weight.to(getattr(torch, dtype)).float())
    return saved


class KvRounding:
    """For a case with "kv_cache": the reference model's eager attention reads
    keys and values rounded to that dtype (to nearest even; "q8": ggml's Q8_0
    blocks of 32 along the head dim) and back, as a narrow KV cache stores
    them; with or without transformers' own cache
    (rounding is idempotent), so the cache-free forward agrees too. Patches
    the modeling module's eager_attention_forward, restored on exit."""

    def __init__(self, case):
        self.case, self.module, self.original = case, None, None

    def __enter__(self):
        dtype = self.case.get("kv_cache")
        if not dtype:
            return self
        import torch
        import transformers

        self.module = sys.modules[getattr(transformers, self.case["class"]).__module__]
        self.original = original = self.module.eager_attention_forward

        if dtype == "q8":
            def narrow(x):  # ggml's Q8_0 along the head dim, and back
                assert x.shape[-1] % 32 == 0, "q8 goldens need head dims of 32k"
                flat = x.detach().reshape(-1, x.shape[-1])
                return block_round_trip(flat, "q8_0").reshape(x.shape)
        else:
            def narrow(x):
                return x.to(getattr(torch, dtype)).float()

        def rounded(module, query, key, value, *args, **kwargs):
            return original(module, query, narrow(key), narrow(value), *args, **kwargs)

        self.module.eager_attention_forward = rounded
        return self

    def __exit__(self, *exc):
        if self.module is not None:
            self.module.eager_attention_forward = self.original


def tokenizer_file(case):
    """The tokenizer.json of a text case: test/tokenizer/<kind>'s."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test",
                        "tokenizer", case["tokenizer"], "tokenizer.json")


def text_tokenizer(case):
    from tokenizers import Tokenizer
    return Tokenizer.from_file(tokenizer_file(case))


def chat_tokenizer(case):
    """transformers' tokenizer over the case's tokenizer.json, with its chat
    template and special tokens."""
    from transformers import PreTrainedTokenizerFast
    chat = case["chat"]
    tok = PreTrainedTokenizerFast(tokenizer_object=text_tokenizer(case),
                                  bos_token=chat["bos_token"], eos_token=chat["eos_token"])
    tok.chat_template = chat["template"]
    return tok


def chat_prompt(case, text):
    """The ids apply_chat_template gives for the system message and `text`."""
    messages = [{"role": "system", "content": case["chat"]["system"]},
                {"role": "user", "content": text}]
    out = chat_tokenizer(case).apply_chat_template(messages, add_generation_prompt=True,
                                                   tokenize=True)
    ids = out["input_ids"] if isinstance(out, dict) or hasattr(out, "keys") else out
    return list(ids)


def pack_layers(case, model):
    """A GPTQ/AWQ case: every nn.Linear of the decoder layers (not the LM head,
    as both tools leave it) is quantized to 4-bit groups and packed by the
    tool's own code (packed_int4.py). The reference `model` then runs GPTQ's
    QuantLinear in place of each layer (AWQ: nn.Linear holding AutoAWQ's
    dequantized weights); the returned float copy is what save_pretrained
    writes, and write_packed() swaps its layers' weights for the packed
    tensors. Records the tensors in case["_packed"]."""
    import copy

    import torch
    from torch import nn

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import packed_int4

    spec = case["packed"]
    saved = copy.deepcopy(model)
    packed = {}
    for name, module in list(model.named_modules()):
        head = name == "lm_head" and spec.get("lm_head")
        if not isinstance(module, nn.Linear) or (".layers." not in f".{name}" and not head):
            continue
        group = spec["group_size"] if spec["group_size"] > 0 else module.in_features
        parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
        if spec["quant_method"] == "gptq":
            order = None
            if spec.get("desc_act"):
                # Act-order: each layer's own input permutation.
                gen = torch.Generator().manual_seed(case["seed"] + len(packed))
                order = torch.randperm(module.in_features, generator=gen)
            q = packed_int4.pack_gptq(module, group, spec["sym"], order)
            packed[name] = packed_int4.gptq_tensors(q)
            setattr(parent, name.rsplit(".", 1)[-1], q)
        else:
            packed[name], weight = packed_int4.pack_awq(module, group)
            with torch.no_grad():
                module.weight.copy_(weight)
    case["_packed"] = packed
    return saved


def write_packed(case, folder):
    """Replaces each packed layer's weight in folder/model.safetensors with its
    packed tensors and adds the case's quantization_config to config.json."""
    from safetensors.torch import load_file, save_file

    path = os.path.join(folder, "model.safetensors")
    tensors = load_file(path)
    for name, layer in case["_packed"].items():
        del tensors[f"{name}.weight"]
        for key, value in layer.items():
            tensors[f"{name}.{key}"] = value.detach().contiguous()
    save_file(tensors, path, metadata={"format": "pt"})
    config_path = os.path.join(folder, "config.json")
    with open(config_path) as f:
        config = json.load(f)
    config["quantization_config"] = case["packed"]
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")


def block_round_trip(weight, kind):
    """`weight` [out, in] quantized to ggml's Q8_0, Q4_0 or Q4_1 (`kind`) and back
    by llama.cpp's own Python quantizer (gguf.quants): blocks of 32 along
    `in`, an f16 scale each. A weight whose `in` is not a multiple of 32 is
    returned as is (kept unquantized)."""
    import numpy as np
    import torch
    from gguf.constants import GGMLQuantizationType
    from gguf.quants import dequantize, quantize

    x = weight.detach().float().numpy()
    if kind == "q4_g128":
        return affine_round_trip(x, 128) if x.shape[-1] % 128 == 0 else weight
    if x.shape[-1] % 32 != 0:
        return weight
    qtype = {"q8_0": GGMLQuantizationType.Q8_0, "q4_0": GGMLQuantizationType.Q4_0,
             "q4_1": GGMLQuantizationType.Q4_1}[kind]
    q = quantize(np.ascontiguousarray(x), qtype)
    back = dequantize(q, qtype).reshape(x.shape)
    return torch.from_numpy(back.astype(np.float32))


def affine_round_trip(x, block):
    """`x` [out, in] through ggml's Q4_1 rounding (quantize_row_q4_1_ref, as
    gguf.quants.Q4_1 writes it in numpy) on blocks of `block` and back: d =
    (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5)), d and min
    kept as f16, value q * d + min. Checked against gguf's Q4_1 at 32."""
    import numpy as np
    import torch

    def round_trip(a, size):
        b = a.reshape(-1, size).astype(np.float32)
        low = b.min(axis=-1, keepdims=True)
        d = (b.max(axis=-1, keepdims=True) - low) / np.float32(15)
        with np.errstate(divide="ignore"):
            inv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
        q = np.minimum(15, np.trunc((b - low) * inv + np.float32(0.5)).astype(np.int8))
        d16 = d.astype(np.float16).astype(np.float32)
        low16 = low.astype(np.float16).astype(np.float32)
        return (q.astype(np.float32) * d16 + low16).reshape(a.shape)

    probe = np.linspace(-1.3, 2.1, 4 * 32, dtype=np.float32).reshape(4, 32) ** 3
    if not np.array_equal(round_trip(probe, 32),
                          block_round_trip(torch.from_numpy(probe), "q4_1").numpy()):
        raise SystemExit("affine_round_trip differs from gguf's Q4_1")
    return torch.from_numpy(round_trip(x, block))


def randomize_weights(model, seed, scales=None):
    """Deterministic, well-scaled random weights (the default init leaves biases
    at 0 and norm weights at 1, which would hide frontend bugs). scales maps a
    parameter-name suffix to an extra factor (a case's "weight_scales"); it is
    applied after drawing, so the random stream is the same with or without."""
    import torch
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    gen = torch.Generator().manual_seed(seed)

    def normal(shape, std):
        return torch.randn(shape, generator=gen, dtype=torch.float32) * std

    done = set()
    with torch.no_grad():
        for mod_name, module in model.named_modules():
            for p_name, param in module.named_parameters(recurse=False):
                full = f"{mod_name}.{p_name}" if mod_name else p_name
                if id(param) in done:  # tied weights
                    continue
                done.add(id(param))
                shape = tuple(param.shape)
                cls = type(module).__name__
                if isinstance(module, nn.Embedding):
                    new = normal(shape, 1.0)
                elif isinstance(module, Conv1D) and p_name == "weight":   # [in, out]
                    new = normal(shape, shape[0] ** -0.5)
                elif isinstance(module, nn.Conv1d) and p_name == "weight":  # depthwise [C, 1, K]
                    new = normal(shape, shape[-1] ** -0.5)
                elif "Norm" in cls or isinstance(module, nn.LayerNorm):
                    new = (1.0 + normal(shape, 0.1)) if p_name == "weight" else normal(shape, 0.1)
                elif p_name == "A_log":
                    new = param.detach().clone() + normal(shape, 0.1)
                elif p_name == "D":
                    new = 1.0 + normal(shape, 0.1)
                elif p_name == "dt_bias" or full.endswith("dt_proj.bias"):
                    new = param.detach().clone()  # keep the default inverse-softplus init
                elif p_name.startswith("time_mix_"):  # RWKV's blend, in [0, 1)
                    new = torch.rand(shape, generator=gen, dtype=torch.float32)
                elif p_name == "time_decay":  # RWKV: decay -exp(.), ~[-5, 3] as trained
                    new = normal(shape, 1.5) - 1.0
                elif p_name == "time_first":  # RWKV's bonus, around log(0.3)
                    new = normal(shape, 0.5) - 1.2
                elif param.dim() == 1:  # any other bias
                    new = normal(shape, 0.1)
                else:  # nn.Linear [out, in], experts [E, out, in], router [E, in]
                    new = normal(shape, shape[-1] ** -0.5)
                if full == "lm_head.weight":
                    new = new * 3.0  # sharper logits, larger top-1/top-2 margins
                for suffix, factor in (scales or {}).items():
                    if full.endswith(suffix):
                        new = new * factor
                param.copy_(new)
        # Routing biases are buffers (zero by default, which would hide a
        # frontend that drops them); a generator of their own keeps the
        # parameters' stream as it was.
        bias_gen = torch.Generator().manual_seed(seed + 11)
        for name, buf in model.named_buffers():
            if name.endswith((".expert_bias", ".e_score_correction_bias")):
                buf.copy_(torch.randn(tuple(buf.shape), generator=bias_gen) * 0.3)


MAX_PROMPT_TRIES = 50
MIN_LOGIT_MARGIN = 0.1   # top-1 minus top-2 logit at every greedy step
MIN_ROUTER_GAP = 0.01    # k-th minus (k+1)-th routing probability (or logit), every token
# A case's "min_router_gap" lowers it where hundreds of routing decisions
# (many experts, layers and tokens) leave no prompt with gaps of 0.01; f32
# rounding moves routing probabilities by ~1e-7, far below either bound.


class RouterGaps:
    """Records the smallest gap between the last chosen and the first unchosen
    expert probability over every MoE router call (Jamba)."""

    def __init__(self, model):
        self.model, self.handles, self.min_gap, self.seen = model, [], float("inf"), False

    def __enter__(self):
        import torch

        def hook(module, args, out):
            # Routers that pick the top-k logits before their softmax
            # (Granite) turn on the logit gap; the others on probabilities.
            scores = out[0].float()
            name = type(module).__name__
            if name.startswith("Lfm2Moe"):
                # Chosen by sigmoid + the expert bias (the call's 2nd arg).
                scores = torch.sigmoid(scores)
                if len(args) > 1 and args[1] is not None:
                    scores = scores + args[1].float()
            elif name.startswith("NemotronH"):
                # Chosen by sigmoid + the router's correction bias.
                scores = torch.sigmoid(scores) + module.e_score_correction_bias.float()
                if module.topk_group < module.num_group:
                    # Group-limited: the group choice's gap too, then the
                    # experts' among the kept groups only.
                    E, G = scores.shape[-1], module.num_group
                    gs = scores.view(-1, G, E // G).topk(2, dim=-1)[0].sum(dim=-1)
                    gtop = torch.topk(gs, module.topk_group + 1, dim=-1).values
                    self.min_gap = min(self.min_gap, float((gtop[:, -2] - gtop[:, -1]).min()))
                    gi = torch.topk(gs, module.topk_group, dim=-1)[1]
                    mask = torch.zeros_like(gs).scatter_(1, gi, 1)
                    mask = mask.unsqueeze(-1).expand(-1, G, E // G).reshape(-1, E)
                    scores = scores.masked_fill(~mask.bool(), float("-inf"))
            elif not name.startswith("GraniteMoe"):
                scores = torch.softmax(scores, dim=-1)
            top = torch.topk(scores, module.top_k + 1, dim=-1).values
            self.min_gap = min(self.min_gap, float((top[:, -2] - top[:, -1]).min()))
            self.seen = True

        for m in self.model.modules():
            if type(m).__name__.endswith(("TopKRouter", "TopkRouter")):
                self.handles.append(m.register_forward_hook(hook))
        return self

    def __exit__(self, *exc):
        for h in self.handles:
            h.remove()


def cache_kwarg(arch):
    return "cache_params" if arch in ("MambaForCausalLM", "Mamba2ForCausalLM") else "past_key_values"


def cache_of(arch, out):
    return out.cache_params if cache_kwarg(arch) == "cache_params" else out.past_key_values


def build(case):
    import torch
    import transformers

    torch.manual_seed(case["seed"])
    config_cls = getattr(transformers, case["config"])
    kwargs = dict(case["kwargs"])
    config = config_cls(**kwargs)
    model_cls = getattr(transformers, case["class"])
    extra = {"attn_implementation": "eager"}
    if case["class"] in ("JambaForCausalLM", "Qwen3NextForCausalLM", "Lfm2MoeForCausalLM",
                         "NemotronHForCausalLM"):
        extra["experts_implementation"] = "eager"
    if case.get("skip_init"):
        # transformers' own initialisation fails for this config; the
        # weights are drawn below anyway.
        from transformers.initialization import no_init_weights
        with no_init_weights():
            model = model_cls._from_config(config, dtype=torch.float32, **extra)
    else:
        model = model_cls._from_config(config, dtype=torch.float32, **extra)
    model.eval()
    randomize_weights(model, case["seed"] + 7, case.get("weight_scales"))
    if hasattr(model.config, "_attn_implementation"):
        assert model.config._attn_implementation == "eager", model.config._attn_implementation
    return model


def greedy(model, arch, prompt):
    """The prompt's logits, then greedy decoding exactly as generate() does it:
    a prefill call with use_cache=True and logits_to_keep=1, then 7 calls of one
    token each that pass the model's own cache object back."""
    import inspect

    import torch

    ids = torch.tensor(prompt, dtype=torch.long)[None]
    kw = cache_kwarg(arch)
    is_ssm = kw == "cache_params"
    keep = {"logits_to_keep": 1} if "logits_to_keep" in inspect.signature(model.forward).parameters else {}
    attn = torch.ones_like(ids)
    mask_kw = {} if is_ssm else {"attention_mask": attn}

    # Logits of every prompt position (a separate call: its cache is dropped).
    prefill = model(input_ids=ids, use_cache=True, **mask_kw).logits[0].float().clone()

    out = model(input_ids=ids, use_cache=True, **mask_kw, **keep)
    cache = cache_of(arch, out)
    assert cache is not None, "model returned no cache"
    step_logits = out.logits[0, -1].float()
    tokens, logits = [], []
    for step in range(DECODE_STEPS):
        tok = int(torch.argmax(step_logits))
        tokens.append(tok)
        logits.append(step_logits.clone())
        if step == DECODE_STEPS - 1:
            break
        nxt = torch.tensor([[tok]], dtype=torch.long)
        attn = torch.cat([attn, torch.ones_like(nxt)], dim=1)
        step_kw = {kw: cache, "use_cache": True, **keep}
        if not is_ssm:
            step_kw["attention_mask"] = attn
        out = model(input_ids=nxt, **step_kw)
        cache = cache_of(arch, out)
        step_logits = out.logits[0, -1].float()
    return prefill, tokens, torch.stack(logits)


def greedy_full_forward(model, prompt):
    """Greedy decoding with no cache: every step runs the whole sequence
    (the reference for models whose cached step path disagrees with their
    own full forward, as transformers' Bamba's does)."""
    import torch

    ids = list(prompt)
    prefill = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float().clone()
    step_logits = prefill[-1]
    tokens, logits = [], []
    for step in range(DECODE_STEPS):
        tok = int(torch.argmax(step_logits))
        tokens.append(tok)
        logits.append(step_logits.clone())
        if step == DECODE_STEPS - 1:
            break
        ids.append(tok)
        step_logits = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].float()
    return prefill, tokens, torch.stack(logits)


def reference_greedy(case, model, arch, prompt):
    if case.get("full_forward_reference"):
        return greedy_full_forward(model, prompt)
    return greedy(model, arch, prompt)


def run_case(case, out_root):
    with KvRounding(case):
        return run_case_body(case, out_root)


def run_case_body(case, out_root):
    import numpy as np
    import torch

    name, arch = case["name"], case["class"]
    model = build(case)
    saved = apply_storage(case, model)
    cfg = model.config
    vocab = cfg.vocab_size
    low = 3 if arch != "BertModel" else 1  # keep clear of bos/eos/pad ids

    def make_prompt(k):
        if case.get("chat"):
            return chat_prompt(case, prompt_text(k))
        if case.get("tokenizer"):
            return text_tokenizer(case).encode(prompt_text(k)).ids
        pgen = torch.Generator().manual_seed(case["seed"] * 100 + k)
        return torch.randint(low, vocab, (case["prompt_len"],), generator=pgen).tolist()

    def prompt_text(k):
        return case["prompt_texts"][k % len(case["prompt_texts"])]

    # Pick the first prompt whose greedy choices (and, for MoE, expert choices)
    # are clear-cut, so that float rounding in another implementation cannot
    # flip a token or an expert.
    prompt_try = 0
    prompt = make_prompt(0)
    margins = {}
    if arch != "BertModel":
        for prompt_try in range(MAX_PROMPT_TRIES):
            prompt = make_prompt(prompt_try)
            with torch.no_grad(), RouterGaps(model) as gaps:
                _, _, dec = reference_greedy(case, model, arch, prompt)
            top2 = torch.topk(dec, 2, dim=-1).values
            margins = {"min_top1_top2_margin": float((top2[:, 0] - top2[:, 1]).min())}
            if gaps.seen:
                margins["min_router_topk_gap"] = gaps.min_gap
            if margins["min_top1_top2_margin"] >= MIN_LOGIT_MARGIN and \
                    margins.get("min_router_topk_gap", 1.0) >= \
                    case.get("min_router_gap", MIN_ROUTER_GAP):
                break
        else:
            raise SystemExit(f"{name}: no prompt with clear greedy margins in {MAX_PROMPT_TRIES} tries")

    folder = os.path.join(out_root, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    # RWKV rescales its weights in place at its first eval forward (the prompt
    # search's); the checkpoint holds them as trained.
    base = getattr(saved, "rwkv", None)
    if getattr(base, "layers_are_rescaled", False):
        base.train()
        base._rescale_layers()
        base.eval()
    saved.save_pretrained(folder, safe_serialization=True)
    if case.get("packed"):
        write_packed(case, folder)
    if case.get("import_flags"):
        with open(os.path.join(folder, "import_flags.txt"), "w") as f:
            f.write(case["import_flags"] + "\n")
    gen_cfg = os.path.join(folder, "generation_config.json")
    if os.path.exists(gen_cfg):
        os.remove(gen_cfg)
    np.save(os.path.join(folder, "prompt.npy"), np.asarray(prompt, dtype=np.int64))
    if case.get("tokenizer"):
        shutil.copy(tokenizer_file(case), os.path.join(folder, "tokenizer.json"))
        with open(os.path.join(folder, "prompt.txt"), "w", encoding="utf-8") as f:
            f.write(prompt_text(prompt_try))
    if case.get("chat"):
        chat_tokenizer(case).save_pretrained(folder)  # tokenizer_config.json, template
        shutil.copy(tokenizer_file(case), os.path.join(folder, "tokenizer.json"))
        with open(os.path.join(folder, "system.txt"), "w", encoding="utf-8") as f:
            f.write(case["chat"]["system"])

    info = {"architecture": arch, "notes": case["notes"], "prompt_len": len(prompt),
            "seed": case["seed"], "made_with": dict(PINS, attn_implementation="eager", threads=1)}
    check = {}
    ids = torch.tensor(prompt, dtype=torch.long)[None]

    with torch.no_grad():
        if arch == "BertModel":
            tt = torch.zeros_like(ids)
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                           token_type_ids=tt).last_hidden_state[0].float()
            np.save(os.path.join(folder, "embeddings.npy"), hidden.numpy().astype(np.float32))
            np.save(os.path.join(folder, "mean_pooled.npy"),
                    hidden.mean(dim=0).numpy().astype(np.float32))
            info["outputs"] = {"embeddings.npy": list(hidden.shape), "mean_pooled.npy": [hidden.shape[1]]}
            info["token_type_ids"] = "all zero"
        else:
            prefill, tokens, dec_logits = reference_greedy(case, model, arch, prompt)
            np.save(os.path.join(folder, "prefill_logits.npy"), prefill.numpy().astype(np.float32))
            np.save(os.path.join(folder, "decode_tokens.npy"), np.asarray(tokens, dtype=np.int64))
            np.save(os.path.join(folder, "decode_logits.npy"), dec_logits.numpy().astype(np.float32))
            info["outputs"] = {"prefill_logits.npy": list(prefill.shape),
                               "decode_tokens.npy": [DECODE_STEPS],
                               "decode_logits.npy": list(dec_logits.shape)}
            info["decode"] = ("decode_logits[0] comes from the prefill call (the prompt's last "
                              "position; equal to prefill_logits[S-1] up to float rounding, since "
                              "generate() projects only that row through lm_head); decode_logits[k] "
                              "for k>=1 comes from feeding decode_tokens[k-1] at position S+k-1 with "
                              "the cache; decode_tokens[k] = argmax(decode_logits[k]).")
            if case.get("full_forward_reference"):
                info["decode"] = ("decode_logits[k] is the last row of a cache-free forward of "
                                  "the prompt followed by decode_tokens[:k] (transformers' cached "
                                  "step path for this architecture disagrees with its own full "
                                  "forward; self_check records by how much); decode_tokens[k] = "
                                  "argmax(decode_logits[k]).")

            # 1. Same as generate().
            if case.get("no_generate"):
                check["generate"] = case["no_generate"]
            gen = None if case.get("no_generate") else model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                 max_new_tokens=DECODE_STEPS, min_new_tokens=DECODE_STEPS,
                                 output_logits=True, return_dict_in_generate=True,
                                 pad_token_id=getattr(cfg, "pad_token_id", None) or 0)
            gen_tokens = gen.sequences[0, len(prompt):].tolist() if gen else tokens
            gen_logits = torch.stack([l[0].float() for l in gen.logits]) if gen else dec_logits
            if gen is None:
                pass
            elif case.get("full_forward_reference"):
                # Recorded, not required: the cached path is not the reference.
                check["generate_tokens_equal"] = gen_tokens == tokens
                check["max_abs_diff_vs_generate"] = float((gen_logits - dec_logits).abs().max())
            elif gen_tokens != tokens:
                raise SystemExit(f"{name}: generate() tokens {gen_tokens} != stepwise {tokens}")
            if gen is not None and not case.get("full_forward_reference"):
                check["generate_tokens_equal"] = True
                check["max_abs_diff_vs_generate"] = float((gen_logits - dec_logits).abs().max())

            # 2. Cache-free full forward over prompt + generated tokens.
            full_ids = torch.tensor(prompt + tokens[:-1], dtype=torch.long)[None]
            full = model(input_ids=full_ids, use_cache=False).logits[0].float()
            check["max_abs_diff_prefill_vs_nocache"] = float(
                (full[:len(prompt)] - prefill).abs().max())
            check["max_abs_diff_decode_vs_full_recompute"] = float(
                (full[len(prompt) - 1:] - dec_logits).abs().max())
            if check["max_abs_diff_decode_vs_full_recompute"] > 1e-3:
                raise SystemExit(f"{name}: cached decode disagrees with the full forward: {check}")

            if case.get("tokenizer"):
                # What seq-run --prompt prints: text up to the first special token.
                tok = text_tokenizer(case)
                special = {t.content for t in tok.get_added_tokens_decoder().values() if t.special}
                shown = []
                for t in tokens:
                    if tok.id_to_token(t) in special:
                        break
                    shown.append(t)
                with open(os.path.join(folder, "expected_text.txt"), "w", encoding="utf-8",
                          newline="") as f:
                    f.write(tok.decode(shown, skip_special_tokens=True) + "\n")

            # 3. Greedy margins: how robust the tokens are to float noise.
            check.update(margins)
            check["prompt_seed_try"] = prompt_try
            check["logit_abs_max"] = float(dec_logits.abs().max())

            if arch == "MistralForCausalLM" and cfg.sliding_window is not None:
                # The window must really be applied on the eager path.
                plain = type(model)._from_config(
                    type(cfg)(**dict(case["kwargs"], sliding_window=None)),
                    dtype=torch.float32, attn_implementation="eager")
                plain.load_state_dict(model.state_dict())
                plain.eval()
                nowin = plain(input_ids=ids, use_cache=False).logits[0].float()
                diff = (nowin - prefill).abs().amax(dim=-1)
                w = cfg.sliding_window
                check["max_abs_diff_vs_no_window"] = float(diff.max())
                check["rows_identical_without_window"] = [int(i) for i in range(len(prompt))
                                                          if float(diff[i]) == 0.0]
                if float(diff[:w].max()) != 0.0 or float(diff[w:].min()) == 0.0:
                    raise SystemExit(f"{name}: sliding window not applied as expected: {diff.tolist()}")
                # Explicit reference mask (i - w < j <= i) passed as a 4D additive mask.
                S = len(prompt)
                i = torch.arange(S)[:, None]
                j = torch.arange(S)[None, :]
                allowed = (j <= i) & (j > i - w)
                mask4 = torch.where(allowed, 0.0, torch.finfo(torch.float32).min)[None, None]
                ref = plain(input_ids=ids, attention_mask=mask4, use_cache=False).logits[0].float()
                check["max_abs_diff_vs_explicit_window_mask"] = float((ref - prefill).abs().max())
                if check["max_abs_diff_vs_explicit_window_mask"] > 1e-5:
                    raise SystemExit(f"{name}: window definition differs from i-{w} < j <= i")

            if arch == "Qwen2ForCausalLM" and cfg.sliding_window is not None:
                # Per-layer windows (layer_types): must be applied, and only where it says.
                w = cfg.sliding_window
                want = ["sliding_attention" if i >= cfg.max_window_layers else "full_attention"
                        for i in range(cfg.num_hidden_layers)]
                if list(cfg.layer_types) != want or "full_attention" not in want:
                    raise SystemExit(f"{name}: unexpected layer_types {cfg.layer_types}")
                plain = type(model)._from_config(
                    type(cfg)(**dict(case["kwargs"], use_sliding_window=False)),
                    dtype=torch.float32, attn_implementation="eager")
                assert set(plain.config.layer_types) == {"full_attention"}
                plain.load_state_dict(model.state_dict())
                plain.eval()
                nowin = plain(input_ids=ids, use_cache=False).logits[0].float()
                diff = (nowin - prefill).abs().amax(dim=-1)
                check["max_abs_diff_vs_no_window"] = float(diff.max())
                check["rows_identical_without_window"] = [int(i) for i in range(len(prompt))
                                                          if float(diff[i]) == 0.0]
                if float(diff[:w].max()) != 0.0 or float(diff[w:].min()) == 0.0:
                    raise SystemExit(f"{name}: sliding window not applied as expected: {diff.tolist()}")
                # Explicit per-layer 4D additive masks: causal for full layers, i - w < j <= i
                # for sliding ones.
                S = len(prompt)
                i = torch.arange(S)[:, None]
                j = torch.arange(S)[None, :]
                neg = torch.finfo(torch.float32).min
                masks = {"full_attention": torch.where(j <= i, 0.0, neg)[None, None],
                         "sliding_attention": torch.where((j <= i) & (j > i - w), 0.0, neg)[None, None]}
                ref = model(input_ids=ids, attention_mask=masks, use_cache=False).logits[0].float()
                check["max_abs_diff_vs_explicit_layer_masks"] = float((ref - prefill).abs().max())
                if check["max_abs_diff_vs_explicit_layer_masks"] > 1e-5:
                    raise SystemExit(f"{name}: per-layer windows differ from {cfg.layer_types} "
                                     f"with i-{w} < j <= i")

    info["self_check"] = check
    info["config_summary"] = summarize_config(cfg, case.get("summary_keys", ()))
    info["files"] = sorted(os.listdir(folder)) + ["case.json"]
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=False)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(folder, x)) for x in os.listdir(folder))
    print(f"make_hf_goldens: {name:24s} {size / 1024:7.1f} KiB  {json.dumps(check)}", flush=True)
    return size


def summarize_config(cfg, extra_keys=()):
    keys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps",
            "layer_norm_epsilon", "layer_norm_eps", "rope_parameters", "sliding_window",
            "tie_word_embeddings", "state_size", "expand", "conv_kernel", "time_step_rank",
            "num_heads", "n_groups", "chunk_size", "layers_block_type", "layers_num_experts",
            "num_experts", "num_experts_per_tok", "mamba_dt_rank", "n_inner", "n_positions",
            "max_position_embeddings"] + list(extra_keys)
    out = {}
    for k in keys:
        if hasattr(cfg, k):
            v = getattr(cfg, k)
            if isinstance(v, tuple):
                v = list(v)
            out[k] = v
    return out


def compare_trees(a, b):
    """Bitwise comparison of two golden trees (npy arrays and safetensors tensors)."""
    import numpy as np
    import torch
    from safetensors.torch import load_file  # numpy has no bfloat16

    bad = []
    for name in sorted(os.listdir(a)):
        da, db = os.path.join(a, name), os.path.join(b, name)
        if not os.path.isdir(da):
            continue
        for f in sorted(os.listdir(da)):
            fa, fb = os.path.join(da, f), os.path.join(db, f)
            if not os.path.exists(fb):
                bad.append(f"{name}/{f}: missing")
                continue
            if f.endswith(".npy"):
                x, y = np.load(fa), np.load(fb)
                if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
                    bad.append(f"{name}/{f}: differs")
            elif f.endswith(".json"):
                with open(fa) as x, open(fb) as y:
                    if x.read() != y.read():
                        bad.append(f"{name}/{f}: differs")
            elif f.endswith(".safetensors"):
                x, y = load_file(fa), load_file(fb)
                if x.keys() != y.keys() or any(
                        x[k].dtype != y[k].dtype or x[k].shape != y[k].shape
                        or x[k].contiguous().view(-1).view(torch.uint8).tolist()
                        != y[k].contiguous().view(-1).view(torch.uint8).tolist() for k in x):
                    bad.append(f"{name}/{f}: differs")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="case names (default: all)")
    ap.add_argument("--no-install", action="store_true", help="fail instead of pip-installing pins")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare bit for bit with --out")
    args = ap.parse_args()

    ensure_pins(not args.no_install)

    import torch
    import transformers

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()

    cases = CASES if not args.only else [c for c in CASES if c["name"] in args.only]
    if args.only and len(cases) != len(args.only):
        sys.exit(f"make_hf_goldens: unknown case in {args.only}")

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            for case in cases:
                run_case(case, tmp)
            bad = compare_trees(tmp, args.out)
        if bad:
            sys.exit("make_hf_goldens: --check found differences:\n  " + "\n  ".join(bad))
        print(f"make_hf_goldens: --check: {len(cases)} cases identical to {args.out}")
        return

    os.makedirs(args.out, exist_ok=True)
    total = 0
    for case in cases:
        total += run_case(case, args.out)
    print(f"make_hf_goldens: {len(cases)} cases, {total / 1024:.1f} KiB -> {args.out}")


if __name__ == "__main__":
    main()
