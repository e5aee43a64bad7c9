#!/usr/bin/env python3
"""The bad-input corpus of `seqc import hf`: hostile or unsupported model folders.

    hf_corpus.py SEQC GOLDENS_DIR [--list]

Each case starts from a committed golden folder (test/Frontends/hf/goldens),
changes its config.json or its checkpoint as the case says, and must be
rejected: exit status 1, an error naming the problem (the case's `expect`
text), at most a few lines, and no output file. Cases are built in a
temporary folder at test time, so the corpus costs no committed weights.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

DELETE = object()  # a config patch value that removes the key

# The base golden of each architecture, and its required size fields.
ARCHS = {
    "llama_gqa": ["hidden_size", "num_hidden_layers", "num_attention_heads",
                  "vocab_size", "intermediate_size"],
    "mistral_sliding": ["hidden_size", "num_hidden_layers",
                        "num_attention_heads", "vocab_size",
                        "intermediate_size"],
    "qwen2_bias": ["hidden_size", "num_hidden_layers", "num_attention_heads",
                   "vocab_size", "intermediate_size"],
    "gpt2": ["n_embd", "n_layer", "n_head", "vocab_size", "n_positions"],
    "mamba": ["hidden_size", "num_hidden_layers", "vocab_size"],
    "mamba2": ["hidden_size", "num_hidden_layers", "vocab_size", "num_heads",
               "head_dim"],
    "jamba": ["hidden_size", "num_hidden_layers", "vocab_size",
              "num_attention_heads", "intermediate_size"],
    "lfm2": ["hidden_size", "num_hidden_layers", "vocab_size",
             "num_attention_heads"],
    "bamba": ["hidden_size", "num_hidden_layers", "vocab_size"],
    "granite_hybrid_moe": ["hidden_size", "num_hidden_layers", "vocab_size"],
    "falcon_h1": ["hidden_size", "num_hidden_layers", "vocab_size"],
    "nemotron_h": ["hidden_size", "vocab_size"],
    "zamba2": ["hidden_size", "vocab_size"],
    "recurrent_gemma": ["hidden_size", "vocab_size", "num_hidden_layers"],
    "qwen3_next": ["hidden_size", "vocab_size", "num_hidden_layers"],
    "lfm2_moe": ["hidden_size", "vocab_size", "num_hidden_layers"],
    "rwkv": ["hidden_size", "vocab_size", "num_hidden_layers"],
    "xlstm": ["vocab_size"],
    "bert": ["hidden_size", "num_hidden_layers", "num_attention_heads",
             "vocab_size", "intermediate_size", "max_position_embeddings"],
    "marian": ["d_model", "vocab_size", "encoder_layers", "decoder_layers",
               "encoder_attention_heads", "decoder_attention_heads",
               "encoder_ffn_dim", "decoder_ffn_dim"],
    "bart": ["d_model", "vocab_size", "encoder_layers", "decoder_layers"],
    "t5": ["d_model", "vocab_size", "d_kv", "d_ff", "num_heads"],
}
# Bases outside the goldens folder (relative to it).
BASE_PATHS = {name: os.path.join("..", "seq2seq", name)
              for name in ("marian", "marian_vocabs", "bart", "mbart", "t5", "t5_v1_1",
                           "whisper")}


def cases():
    """Yields (name, base, config patch or raw text, tensor edit, expect)."""
    for base, sizes in ARCHS.items():
        for key in sizes:
            yield (f"{base}-{key}-missing", base, {key: DELETE}, None,
                   f"field '{key}': missing")
            yield (f"{base}-{key}-zero", base, {key: 0}, None,
                   f"field '{key}': 0 is outside [1,")
            yield (f"{base}-{key}-negative", base, {key: -3}, None,
                   f"field '{key}': -3 is outside [1,")
            yield (f"{base}-{key}-huge", base, {key: 10**12}, None,
                   f"field '{key}': 1000000000000 is outside [1,")
            yield (f"{base}-{key}-string", base, {key: "64"}, None,
                   f"field '{key}': expected an integer")
            yield (f"{base}-{key}-fraction", base, {key: 2.5}, None,
                   f"field '{key}': expected an integer")
        # A field no importer step knows.
        yield (f"{base}-unknown-field", base, {"logit_soft_cap": 30.0}, None,
               "field 'logit_soft_cap' (30) is not supported")
        yield (f"{base}-unknown-fields", base,
               {"a_switch": True, "b_switch": "x"}, None,
               "fields 'a_switch' (true), 'b_switch' (\"x\") are not supported")
        yield (f"{base}-quantized", base, {"quantization_config": {"bits": 4}},
               None, "field 'quantization_config': quant_method '(none)' is not supported")
        gptq = {"quant_method": "gptq", "bits": 4, "group_size": 32}
        yield (f"{base}-gptq-8bit", base,
               {"quantization_config": dict(gptq, bits=8)}, None,
               "field 'quantization_config': only 4-bit gptq checkpoints")
        yield (f"{base}-gptq-unknown-key", base,
               {"quantization_config": dict(gptq, act_order_v3=True)}, None,
               "field 'quantization_config': key 'act_order_v3' is not read")
        yield (f"{base}-gptq-marlin", base,
               {"quantization_config": dict(gptq, checkpoint_format="marlin")},
               None, "GPTQ checkpoint_format 'marlin' is not supported")
        yield (f"{base}-gptq-group", base,
               {"quantization_config": dict(gptq, group_size=0)}, None,
               "'group_size' must be -1 or a positive multiple of 8")
        yield (f"{base}-awq-gemv", base,
               {"quantization_config": {"quant_method": "awq", "bits": 4,
                                        "group_size": 32, "version": "gemv"}},
               None, "AWQ version 'gemv' is not supported")
        yield (f"{base}-gptq-no-packed-layer", base,
               {"quantization_config": gptq}, None,
               "quantization_config describes packed weights but no layer has them")
        yield (f"{base}-not-causal", base, {"is_causal": False}, None,
               "field 'is_causal': false is not supported")
        yield (f"{base}-pruned-heads", base, {"pruned_heads": {"0": [1]}},
               None, "field 'pruned_heads': pruned attention heads")
        yield (f"{base}-per-layer-config", base, {"per_layer_config": {}},
               None, "field 'per_layer_config'")
        # Checkpoint problems.
        yield (f"{base}-extra-tensor", base, {}, ("add", "extra.weight", [3]),
               "1 checkpoint tensor is not used by the")
        yield (f"{base}-int-tensor", base, {}, ("int", None, None),
               "weights must be F32, F16, BF16 or F64")
        yield (f"{base}-missing-tensor", base, {}, ("drop", None, None),
               "missing tensor")
        yield (f"{base}-reshaped-tensor", base, {}, ("reshape", None, None),
               "but the config implies")
        yield (f"{base}-truncated-file", base, {}, ("truncate", None, None),
               "model.safetensors")
        yield (f"{base}-header-too-long", base, {}, ("header-length", None, None),
               "model.safetensors")
        yield (f"{base}-offsets-outside", base, {}, ("offsets", None, None),
               "model.safetensors")
        yield (f"{base}-unknown-dtype", base, {}, ("dtype", None, None),
               "model.safetensors")
        yield (f"{base}-no-weights", base, {}, ("delete-file", None, None),
               "model.safetensors")
        # config.json itself.
        yield (f"{base}-json-truncated", base, "{\"architectures\": [", None,
               "invalid JSON")
        yield (f"{base}-json-array", base, "[1, 2]", None,
               "expected a JSON object")
        yield (f"{base}-json-deep", base, "[" * 100000 + "]" * 100000, None,
               "JSON nested deeper than 64 levels")
        yield (f"{base}-json-bad-utf8", base, b"{\"a\xff\": 1}", None,
               "invalid JSON")
        yield (f"{base}-json-empty", base, "", None, "invalid JSON")

    # Switches and values an architecture does not implement.
    unsupported = [
        ("llama_gqa", {"hidden_act": "mish"}, "field 'hidden_act': 'mish'"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "yarn", "factor": 4.0,
                                           "rope_theta": 10000.0}},
         "rope_type 'yarn' is not supported"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0,
                                           "rope_theta": 10000.0}},
         "rope_type 'dynamic' is not supported"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "longrope",
                                           "rope_theta": 10000.0}},
         "rope_type 'longrope' is not supported"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "linear", "factor": 2.0,
                                           "rope_theta": 10000.0,
                                           "beta_fast": 32}},
         "key 'beta_fast' is not read by rope_type 'linear'"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "linear", "factor": -2.0,
                                           "rope_theta": 10000.0}},
         "'factor' must be a positive number"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "llama3", "factor": 8.0,
                                           "rope_theta": 10000.0}},
         "llama3 scaling needs original_max_position_embeddings"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "linear", "factor": 2.0,
                                           "rope_theta": 10000.0,
                                           "partial_rotary_factor": 0.5}},
         "partial_rotary_factor != 1 is not supported"),
        ("llama_gqa", {"rope_parameters": "default"},
         "field 'rope_parameters': expected an object"),
        ("llama_gqa", {"rope_parameters": {"rope_type": "default",
                                           "rope_theta": 0.5}},
         "field 'rope_theta': must be a finite number > 1"),
        ("llama_gqa", {"num_key_value_heads": 2}, "must divide num_attention_heads"),
        ("llama_gqa", {"head_dim": 15}, "field 'head_dim': must be even"),
        ("llama_gqa", {"rms_norm_eps": -1e-5}, "field 'rms_norm_eps': expected a finite number >= 0"),
        ("llama_gqa", {"tie_word_embeddings": "yes"}, "field 'tie_word_embeddings': expected true or false"),
        ("llama_gqa", {"attention_bias": True}, "missing tensor 'model.layers.0.self_attn.q_proj.bias'"),
        ("llama_gqa", {"mlp_bias": True}, "missing tensor 'model.layers.0.mlp.gate_proj.bias'"),
        ("llama_gqa", {"num_hidden_layers": 1}, "checkpoint tensors are not used by the LlamaForCausalLM"),
        ("llama_gqa", {"max_position_embeddings": -1}, "field 'max_position_embeddings': -1 is outside"),
        ("llama_gqa", {"sliding_window": 4}, "field 'sliding_window' (4) is not supported for LlamaForCausalLM"),
        ("mistral_sliding", {"sliding_window": 0}, "field 'sliding_window': 0 is outside"),
        ("mistral_sliding", {"layer_types": ["full_attention", "sliding_attention"]},
         "per-layer types are not supported for Mistral"),
        ("mistral_sliding", {"attention_bias": True}, "MistralForCausalLM has no attention_bias switch"),
        ("qwen2_bias", {"use_sliding_window": True, "sliding_window": 4,
                        "layer_types": ["full_attention"]},
         "field 'layer_types': has 1 entries for"),
        ("qwen2_bias", {"layer_types": ["sliding_attention", "full_attention"]},
         "slides but no sliding_window is in effect"),
        ("qwen2_bias", {"layer_types": ["local", "full_attention"]},
         "'local' is not a layer type"),
        ("qwen2_bias", {"mlp_bias": True}, "Qwen2ForCausalLM has no mlp_bias switch"),
        ("gpt2", {"activation_function": "swiglu"}, "field 'activation_function': 'swiglu'"),
        ("gpt2", {"add_cross_attention": True}, "cross-attention layers are not supported"),
        ("gpt2", {"n_head": 7}, "field 'n_head': must divide n_embd"),
        ("gpt2", {"tie_word_embeddings": False}, "missing tensor 'lm_head.weight'"),
        ("gpt2", {"scale_attn_weights": 1}, "field 'scale_attn_weights': expected true or false"),
        ("mamba", {"rescale_prenorm_residual": True}, "transformers rescales the loaded out_proj weights"),
        ("mamba", {"hidden_act": "gelu"}, "field 'hidden_act': 'gelu' is not supported"),
        ("mamba", {"layer_types": ["mamba"]}, "field 'layer_types'"),
        ("mamba", {"time_step_rank": "half"}, "field 'time_step_rank': expected an integer"),
        ("mamba", {"conv_kernel": 0}, "field 'conv_kernel': 0 is outside"),
        ("mamba2", {"norm_before_gate": True}, "only the gated RMSNorm applied after the gate"),
        ("mamba2", {"rms_norm": False}, "only the gated RMSNorm applied after the gate"),
        ("mamba2", {"n_groups": 3}, "field 'n_groups': must divide the number of heads"),
        ("mamba2", {"time_step_limit": [0.5]}, "field 'time_step_limit': expected [min, max]"),
        ("mamba2", {"time_step_limit": [2.0, 1.0]}, "field 'time_step_limit': expected 0 <= min <= max"),
        ("mamba2", {"intermediate_size": 7}, "field 'intermediate_size': differs from expand"),
        ("mamba2", {"tie_word_embeddings": True, "expand": 3}, "field 'num_heads'"),
        ("jamba", {"sliding_window": 8}, "field 'sliding_window': is not supported for Jamba"),
        ("jamba", {"num_experts_per_tok": 9}, "field 'num_experts_per_tok'"),
        ("jamba", {"attn_layer_offset": 9}, "field 'attn_layer_offset': must be in [0, attn_layer_period)"),
        ("jamba", {"expert_layer_offset": -1}, "field 'expert_layer_offset': must be in [0, expert_layer_period)"),
        ("jamba", {"hidden_act": "relu"}, "field 'hidden_act': 'relu' is not supported"),
        ("lfm2", {"layer_types": ["conv", "sliding_attention", "conv", "conv"]},
         "'sliding_attention' is not an LFM2 layer type"),
        ("lfm2", {"layer_types": ["conv"]}, "field 'layer_types': has 1 entries for 4 layers"),
        ("lfm2", {"conv_L_cache": 1}, "field 'conv_L_cache': must be at least 2"),
        ("lfm2", {"use_pos_enc": False}, "field 'use_pos_enc': false is not supported"),
        ("lfm2", {"block_use_swiglu": False}, "field 'block_use_swiglu'"),
        ("lfm2", {"conv_dim": 64}, "field 'conv_dim': differs from hidden_size"),
        ("lfm2", {"tie_embedding": False}, "field 'tie_embedding': disagrees with tie_word_embeddings"),
        ("lfm2", {"tie_word_embeddings": False}, "missing tensor 'lm_head.weight'"),
        ("lfm2", {"conv_bias": True}, "missing tensor 'model.layers.0.conv.in_proj.bias'"),
        ("lfm2", {"block_multiple_of": 32}, "tensor 'model.layers.0.feed_forward.w1.weight' in"),
        ("lfm2", {"block_ffn_dim_multiplier": -1.0}, "field 'block_ffn_dim_multiplier': must be a positive number"),
        ("lfm2", {"num_key_value_heads": 3}, "must divide num_attention_heads"),
        ("lfm2", {"rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 1e6}},
         "rope_type 'yarn' is not supported"),
        ("bamba", {"mamba_n_heads": 5}, "field 'mamba_n_heads': heads * head dim"),
        ("bamba", {"mamba_n_heads": 0}, "field 'mamba_n_heads': 0 is outside"),
        ("bamba", {"mamba_d_state": -2}, "field 'mamba_d_state': -2 is outside"),
        ("bamba", {"mamba_n_groups": 5}, "field 'mamba_n_groups': must divide the number of heads"),
        ("bamba", {"time_step_limit": [1.0]}, "field 'time_step_limit': expected [min, max]"),
        ("bamba", {"attn_layer_indices": "all"}, "field 'attn_layer_indices': expected a list"),
        ("bamba", {"attn_layer_indices": [0, 1]}, "missing tensor 'model.layers.0.self_attn.q_proj.weight'"),
        ("bamba", {"num_key_value_heads": 3}, "must divide num_attention_heads"),
        ("bamba", {"rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
                                       "partial_rotary_factor": 0.25}},
         "partial_rotary_factor 0.250000 rotates 3 of the 12 channels"),
        ("bamba", {"rope_parameters": {"rope_type": "llama3", "factor": 8.0, "rope_theta": 1e4,
                                       "original_max_position_embeddings": 32}},
         "partial_rotary_factor != 1 is not supported with rope_type 'llama3'"),
        ("bamba", {"partial_rotary_factor": 1.0}, "field 'partial_rotary_factor': differs"),
        ("bamba", {"mamba_proj_bias": True}, "missing tensor 'model.layers.0.mamba.in_proj.bias'"),
        ("bamba", {"hidden_act": "mish"}, "field 'hidden_act': 'mish'"),
        ("bamba", {"layers_block_type": ["mamba", "attention", "mamba"]}, "field 'layers_block_type'"),
        ("granite_hybrid_moe", {"layer_types": ["mamba", "sliding_attention", "mamba"]},
         "'sliding_attention' is not a layer type of GraniteMoeHybridForCausalLM"),
        ("granite_hybrid_moe", {"layer_types": ["mamba"]}, "field 'layer_types': has 1 entries for 3 layers"),
        ("granite_hybrid_moe", {"layers_block_type": ["mamba", "attention", "mamba"]},
         "field 'layers_block_type': given beside layer_types"),
        ("granite_hybrid_moe", {"attn_rotary_emb": 6}, "field 'attn_rotary_emb': differs from the 12 channels"),
        ("bamba", {"attn_rotary_emb": 12}, "field 'attn_rotary_emb': differs from the 6 channels"),
        ("granite_hybrid_moe", {"position_embedding_type": "alibi"},
         "field 'position_embedding_type': 'alibi' is not supported"),
        ("granite_hybrid_moe", {"num_experts_per_tok": 5}, "field 'num_experts_per_tok': must be in [1, num_local_experts]"),
        ("granite_hybrid_moe", {"num_local_experts": -1}, "field 'num_local_experts': must be in [0, 65536]"),
        ("granite_hybrid_moe", {"num_local_experts": 3}, "model.layers.0.block_sparse_moe.router.layer.weight"),
        ("granite_hybrid_moe", {"logits_scaling": 0}, "field 'logits_scaling': must be a finite, non-zero number"),
        ("granite_hybrid_moe", {"embedding_multiplier": "big"}, "field 'embedding_multiplier': expected a number"),
        ("granite_hybrid_moe", {"shared_intermediate_size": 20}, "model.layers.0.shared_mlp.input_linear.weight"),
        ("granite_hybrid_moe", {"mamba_n_heads": 5}, "field 'mamba_n_heads': heads * head dim"),
        ("granite_hybrid_moe", {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1e4}},
         "rope_type 'dynamic' is not supported"),
        ("falcon_h1", {"ssm_multipliers": [1.0, 1.0]}, "field 'ssm_multipliers': expected a list of 5 numbers"),
        ("falcon_h1", {"mlp_multipliers": "x"}, "field 'mlp_multipliers': expected a list of 2 numbers"),
        ("falcon_h1", {"key_multiplier": "x"}, "field 'key_multiplier': expected a number"),
        ("falcon_h1", {"mamba_d_ssm": 40}, "field 'mamba_n_heads': heads * head dim"),
        ("falcon_h1", {"mamba_d_ssm": None}, "field 'mamba_n_heads': heads * head dim"),
        ("falcon_h1", {"mamba_rms_norm": True}, "missing tensor 'model.layers.0.mamba.norm.weight'"),
        ("falcon_h1", {"projectors_bias": True}, "missing tensor 'model.layers.0.mamba.out_proj.bias'"),
        ("falcon_h1", {"head_dim": 9}, "field 'head_dim': must be even"),
        ("falcon_h1", {"layer_types": ["hybrid", "hybrid"]}, "field 'layer_types'"),
        ("falcon_h1", {"mamba_n_groups": 4}, "field 'mamba_n_groups': must divide the number of heads"),
        ("nemotron_h", {"layers_block_type": ["linear_attention", "moe", "mlp"]},
         "missing tensor 'backbone.layers.1.mixer.gate.weight'"),
        ("nemotron_h_moe", {"topk_group": 2}, "field 'topk_group': must be at most n_group"),
        ("nemotron_h_moe", {"n_group": 4}, "field 'n_group': must divide n_routed_experts"),
        ("nemotron_h_moe", {"n_group": 6}, "field 'n_group': leaves fewer than 2 experts per group"),
        ("nemotron_h_moe_grouped", {"num_experts_per_tok": 5},
         "field 'num_experts_per_tok': exceeds the experts of the topk_group groups kept"),
        ("nemotron_h_moe_grouped", {"topk_group": 0}, "field 'topk_group': 0 is outside"),
        ("nemotron_h_moe", {"mlp_hidden_act": "silu"}, "field 'mlp_hidden_act': MoE experts are supported with relu2 only"),
        ("nemotron_h_moe", {"num_experts_per_tok": 7}, "field 'num_experts_per_tok': must be in [1, n_routed_experts]"),
        ("nemotron_h_moe", {"n_routed_experts": 5}, "tensor 'backbone.layers.1.mixer.gate.weight' in"),
        ("nemotron_h_moe", {"moe_latent_size": 16}, "missing tensor 'backbone.layers.1.mixer.fc1_latent_proj.weight'"),
        ("nemotron_h_moe", {"mlp_bias": True}, "missing tensor 'backbone.layers.1.mixer.shared_experts.up_proj.bias'"),
        ("nemotron_h_moe", {"moe_shared_expert_intermediate_size": 32}, "tensor 'backbone.layers.1.mixer.shared_experts.up_proj.weight' in"),
        ("nemotron_h", {"layers_block_type": ["mamba2"]}, "'mamba2' is not a Nemotron-H block type"),
        ("nemotron_h", {"layers_block_type": []}, "field 'layers_block_type': names no blocks"),
        ("nemotron_h", {"layers_block_type": DELETE}, "field 'layers_block_type': missing"),
        ("nemotron_h", {"layer_types": ["mlp"]}, "field 'layer_types': given beside layers_block_type"),
        ("nemotron_h", {"layers_block_type": DELETE, "hybrid_override_pattern": "M-*X"},
         "'X' is not a Nemotron-H block type"),
        ("nemotron_h", {"num_nextn_predict_layers": 1}, "field 'num_nextn_predict_layers'"),
        ("nemotron_h", {"sliding_window": 64}, "field 'sliding_window': is not supported"),
        ("nemotron_h", {"mlp_hidden_act": "relu3"}, "field 'mlp_hidden_act': 'relu3' is not supported"),
        ("nemotron_h", {"n_groups": 4}, "field 'n_groups': must divide mamba_num_heads"),
        ("nemotron_h", {"mamba_head_dim": 4}, "tensor 'backbone.layers.0.mixer.in_proj.weight' in"),
        ("nemotron_h", {"time_step_min": -1}, "field 'time_step_min'"),
        ("zamba2", {"layers_block_type": ["mamba", "attention"]}, "'attention' is not a Zamba2 layer type"),
        ("zamba2", {"layers_block_type": DELETE}, "field 'layers_block_type': missing"),
        ("zamba2", {"layers_block_type": []}, "field 'layers_block_type': must name between 1 and 4096 layers"),
        ("zamba2", {"layer_types": ["mamba"]}, "field 'layer_types': given beside layers_block_type"),
        ("zamba2", {"num_attention_heads": 5}, "field 'num_attention_heads': must divide 2 * hidden_size"),
        ("zamba2", {"num_attention_heads": 0}, "field 'num_attention_heads': 0 is outside"),
        ("zamba2", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("bamba", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("granite_hybrid_moe", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("falcon_h1", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("nemotron_h", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("nemotron_h", {"mamba_num_heads": 0}, "field 'mamba_num_heads': 0 is outside"),
        ("lfm2", {"block_multiple_of": 0}, "field 'block_multiple_of': 0 is outside"),
        ("lfm2", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("zamba2", {"num_key_value_heads": 2}, "must equal num_attention_heads with use_shared_attention_adapter"),
        # Untied, hybrid layer 4 would need its own copy of its shared block.
        ("zamba2", {"tie_word_embeddings": False}, "missing tensor 'model.layers.4.shared_transformer.input_layernorm.weight'"),
        ("zamba2", {"use_shared_attention_adapter": False}, "checkpoint tensors are not used"),
        ("zamba2", {"adapter_rank": 8}, "linear_q_adapter_list.0.0.weight"),
        ("zamba2", {"n_mamba_heads": 5}, "field 'n_mamba_heads': heads * head dim"),
        ("zamba2", {"rope_parameters": {"rope_type": "yarn", "factor": 2.0, "rope_theta": 1e4}},
         "rope_type 'yarn' is not supported"),
        ("zamba2", {"hidden_act": "mish"}, "field 'hidden_act': 'mish'"),
        ("recurrent_gemma", {"block_types": ["recurrent", "local"]}, "'local' is not a RecurrentGemma block type"),
        ("recurrent_gemma", {"block_types": []}, "field 'block_types': names no blocks"),
        ("recurrent_gemma", {"logits_soft_cap": 0}, "field 'logits_soft_cap': must be a positive number"),
        ("recurrent_gemma", {"lru_width": 42}, "field 'lru_width': must be a multiple of num_attention_heads"),
        ("recurrent_gemma", {"conv1d_width": 1}, "field 'conv1d_width': must be at least 2"),
        ("recurrent_gemma", {"num_key_value_heads": 3}, "field 'num_key_value_heads': must divide"),
        ("recurrent_gemma", {"num_key_value_heads": 0}, "field 'num_key_value_heads': 0 is outside"),
        ("recurrent_gemma", {"intermediate_size": 1}, "field 'intermediate_size': gives an MLP of no width"),
        ("recurrent_gemma", {"rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1e4,
                                                 "partial_rotary_factor": 0.5}},
         "RecurrentGemma supports only rope_type 'default'"),
        ("recurrent_gemma", {"hidden_activation": "mish"}, "field 'hidden_activation': 'mish'"),
        ("recurrent_gemma", {"attention_window_size": 0}, "field 'attention_window_size': 0 is outside"),
        ("xlstm", {"embedding_dim": 32}, "field 'embedding_dim': must equal hidden_size"),
        ("xlstm", {"hidden_size": DELETE, "embedding_dim": DELETE}, "field 'embedding_dim': missing"),
        ("xlstm", {"hidden_size": 0}, "field 'hidden_size': 0 is outside"),
        ("xlstm", {"num_blocks": 0}, "field 'num_blocks': 0 is outside"),
        ("xlstm", {"num_blocks": None, "num_hidden_layers": 5000}, "field 'num_hidden_layers': 5000 is outside"),
        ("xlstm", {"hidden_size": None, "embedding_dim": 32},
         "tensor 'backbone.embeddings.weight'"),
        ("xlstm", {"num_heads": 3}, "field 'qk_dim_factor': gives a query/key width of 64, not a positive multiple of num_heads"),
        ("xlstm", {"v_dim_factor": 0.3}, "field 'v_dim_factor': gives a value width of 19"),
        ("xlstm", {"qk_dim_factor": -1}, "field 'qk_dim_factor': must be a positive number"),
        ("xlstm", {"ffn_proj_factor": 3.0}, "tensor 'backbone.blocks.0.ffn.proj_up_gate.weight'"),
        ("xlstm", {"gate_soft_cap": None}, "field 'gate_soft_cap': must be a positive number, not null"),
        ("xlstm", {"output_logit_soft_cap": 0}, "field 'output_logit_soft_cap': must be a positive number"),
        ("xlstm", {"weight_mode": "packed"}, "field 'weight_mode': 'packed' is not an xLSTM weight mode"),
        ("xlstm", {"weight_mode": "fused"}, "missing tensor 'backbone.blocks.0.mlstm_layer.qkv_opreact.weight'"),
        ("xlstm", {"use_bias": True}, "missing tensor 'backbone.blocks.0.norm_mlstm.bias'"),
        ("xlstm", {"inference_state_dtype": "bfloat16"}, "field 'inference_state_dtype': 'bfloat16' is not supported"),
        ("xlstm", {"num_blocks": 3}, "missing tensor 'backbone.blocks.2.norm_mlstm.weight'"),
        ("xlstm", {"slstm_at": [1]}, "field 'slstm_at' ([1]) is not supported"),
        ("xlstm_fused_bias_q8_0", {"use_bias": False}, "checkpoint tensors are not used"),
        ("xlstm_fused_bias_q8_0", {"weight_mode": "single"}, "missing tensor 'backbone.blocks.0.mlstm_layer.q."),
        ("rwkv", {"attention_hidden_size": 48}, "tensor 'rwkv.blocks.0.attention.key.weight'"),
        ("rwkv", {"attention_hidden_size": 0}, "field 'attention_hidden_size': 0 is outside"),
        ("rwkv", {"intermediate_size": 64}, "tensor 'rwkv.blocks.0.feed_forward.key.weight'"),
        ("rwkv", {"num_hidden_layers": 5}, "missing tensor 'rwkv.blocks.4.ln1.weight'"),
        ("rwkv", {"num_hidden_layers": 3}, "checkpoint tensors are not used"),
        ("rwkv", {"rescale_every": "6"}, "field 'rescale_every': expected an integer"),
        ("rwkv", {"rescale_every": 1.5}, "field 'rescale_every': expected an integer"),
        ("rwkv", {"layer_norm_epsilon": -1}, "field 'layer_norm_epsilon'"),
        ("rwkv", {"head_size": 64}, "field 'head_size' (64) is not supported"),
        ("rwkv_tied_q8_0", {"tie_word_embeddings": False}, "missing tensor 'head.weight'"),
        ("lfm2_moe", {"layer_types": ["conv", "attention", "conv", "conv"]},
         "'attention' is not an LFM2-MoE layer type"),
        ("lfm2_moe", {"layer_types": ["conv"]}, "field 'layer_types': has 1 entries for 4 layers"),
        ("lfm2_moe", {"layer_types": DELETE}, "field 'layer_types': missing"),
        ("lfm2_moe", {"num_dense_layers": -1}, "field 'num_dense_layers': must be >= 0"),
        ("lfm2_moe", {"num_dense_layers": 2}, "missing tensor 'model.layers.1.feed_forward.w1.weight'"),
        ("lfm2_moe", {"num_experts_per_tok": 7}, "field 'num_experts_per_tok': must be in [1, num_experts]"),
        ("lfm2_moe", {"use_expert_bias": False}, "checkpoint tensors are not used"),
        ("lfm2_moe", {"num_experts": 5}, "tensor 'model.layers.1.feed_forward.gate.weight' in"),
        ("lfm2_moe", {"routed_scaling_factor": "big"}, "field 'routed_scaling_factor': expected a number"),
        ("lfm2_moe", {"conv_L_cache": 1}, "field 'conv_L_cache': must be at least 2"),
        ("lfm2_moe", {"block_multiple_of": 256}, "field 'block_multiple_of'"),
        ("lfm2_moe", {"full_attn_idxs": [1]}, "field 'full_attn_idxs'"),
        ("qwen3_next", {"layer_types": ["linear_attention", "sliding_attention", "linear_attention",
                                        "full_attention"]},
         "'sliding_attention' is not a Qwen3-Next layer type"),
        ("qwen3_next", {"layer_types": ["full_attention"]}, "field 'layer_types': has 1 entries for 4 layers"),
        ("qwen3_next", {"layer_types": DELETE, "full_attention_interval": 2},
         "missing tensor 'model.layers.1.self_attn.q_proj.weight'"),
        ("qwen3_next", {"layer_types": DELETE, "full_attention_interval": 0},
         "field 'full_attention_interval': 0 is outside"),
        ("qwen3_next", {"hidden_act": "gelu"}, "field 'hidden_act': 'gelu' is not supported"),
        ("qwen3_next", {"linear_num_value_heads": 3}, "must be a multiple of linear_num_key_heads"),
        ("qwen3_next", {"num_key_value_heads": 3}, "must divide num_attention_heads"),
        ("qwen3_next", {"num_experts_per_tok": 9}, "field 'num_experts_per_tok': must be in [1, num_experts]"),
        ("qwen3_next", {"num_experts": 0}, "missing tensor 'model.layers.0.mlp.gate_proj.weight'"),
        ("qwen3_next", {"num_experts": -1}, "field 'num_experts': -1 is outside"),
        ("qwen3_next", {"mlp_only_layers": []}, "missing tensor 'model.layers.1.mlp.gate.weight'"),
        ("qwen3_next", {"decoder_sparse_step": 2}, "missing tensor 'model.layers.0.mlp.gate_proj.weight'"),
        ("qwen3_next", {"attention_bias": True}, "missing tensor 'model.layers.3.self_attn.q_proj.bias'"),
        ("qwen3_next", {"head_dim": 8}, "tensor 'model.layers.3.self_attn.q_proj.weight' in"),
        ("qwen3_next", {"linear_conv_kernel_dim": 3}, "tensor 'model.layers.0.linear_attn.conv1d.weight' in"),
        ("qwen3_next", {"rope_parameters": {"rope_type": "yarn", "factor": 4.0, "rope_theta": 1e4}},
         "rope_type 'yarn' is not supported"),
        ("qwen3_next", {"mtp_num_layers": 1}, "field 'mtp_num_layers'"),
        ("bert", {"position_embedding_type": "relative_key"}, "field 'position_embedding_type'"),
        ("bert", {"is_decoder": True}, "BERT as a causal decoder is not supported"),
        ("bert", {"add_cross_attention": True}, "cross-attention layers are not supported"),
        ("bert", {"hidden_act": "prelu"}, "field 'hidden_act': 'prelu'"),
        ("bert", {"layer_norm_eps": "tiny"}, "field 'layer_norm_eps': expected a number"),
        ("bert", {"architectures": ["BertForMaskedLM"]}, "architecture 'BertForMaskedLM' is not supported"),
        ("bert", {"architectures": DELETE}, "architecture '' is not supported"),
        # A vocabulary per stack needs a table per stack (the shared model
        # has model.shared only); an untied head needs lm_head.weight.
        ("marian", {"share_encoder_decoder_embeddings": False}, "missing tensor 'model.decoder.embed_tokens.weight'"),
        ("marian_vocabs", {"decoder_vocab_size": 99}, "'model.decoder.embed_tokens.weight' in"),
        ("marian_vocabs", {"share_encoder_decoder_embeddings": True}, "missing tensor 'model.shared.weight'"),
        ("marian", {"tie_word_embeddings": False}, "missing tensor 'lm_head.weight'"),
        ("marian", {"encoder_attention_heads": 5}, "field 'encoder_attention_heads': must divide d_model"),
        ("marian", {"decoder_attention_heads": 3}, "field 'decoder_attention_heads': must divide d_model"),
        ("marian", {"d_model": 63, "encoder_attention_heads": 1, "decoder_attention_heads": 1}, "field 'd_model': must be even"),
        ("marian", {"activation_function": "glu"}, "field 'activation_function': 'glu' is not supported"),
        ("marian", {"normalize_before": True}, "field 'normalize_before'"),
        ("bart", {"tie_word_embeddings": False}, "missing tensor 'lm_head.weight'"),
        ("whisper", {"encoder_attention_heads": 5}, "field 'encoder_attention_heads': must divide d_model"),
        ("whisper", {"activation_function": "glu"}, "field 'activation_function': 'glu' is not supported"),
        ("whisper", {"num_mel_bins": 16}, "'model.encoder.conv1.weight' in"),
        ("whisper", {"max_source_positions": 30}, "'model.encoder.embed_positions.weight' in"),
        ("whisper", {"tie_word_embeddings": False}, "missing tensor 'proj_out.weight'"),
        ("whisper", {"num_mel_bins": 0}, "field 'num_mel_bins'"),
        ("bart", {"activation_function": "gelu_fast"}, "field 'activation_function'"),
        ("mbart", {"decoder_attention_heads": 7}, "field 'decoder_attention_heads': must divide d_model"),
        ("t5", {"feed_forward_proj": "gated-gelu-extra"}, "field 'feed_forward_proj'"),
        ("t5", {"feed_forward_proj": "swiglu", "dense_act_fn": "swiglu"}, "field 'dense_act_fn': 'swiglu' is not supported"),
        ("t5", {"relative_attention_num_buckets": 2}, "field 'relative_attention_num_buckets': must be at least 4"),
        ("t5", {"relative_attention_max_distance": 1}, "field 'relative_attention_max_distance'"),
        ("t5_v1_1", {"is_gated_act": False}, "missing tensor 'decoder.block.0.layer.2.DenseReluDense.wi.weight'"),
    ]
    for i, (base, patch, expect) in enumerate(unsupported):
        yield (f"{base}-unsupported-{i}", base, patch, None, expect)

    # GPTQ/AWQ checkpoints whose packed tensors or config do not agree.
    layer = "model.layers.0.self_attn.q_proj"
    gptq = {"quant_method": "gptq", "bits": 4, "group_size": 32, "desc_act": False,
            "sym": False, "checkpoint_format": "gptq"}
    packed = [
        ("llama_gptq", {}, ("drop", f"{layer}.qzeros", None),
         f"missing tensor '{layer}.qzeros'"),
        ("llama_gptq", {}, ("float", f"{layer}.qweight", None),
         "model.safetensors is F32; expected I32 words of packed 4-bit values"),
        ("llama_gptq", {}, ("reshape", f"{layer}.scales", None),
         f"tensor '{layer}.scales' in"),
        ("llama_gptq", {}, ("f16-inf", f"{layer}.scales", None),
         "model.safetensors holds a non-finite scale"),
        ("llama_gptq", {}, ("act-order", f"{layer}.g_idx", None),
         f"tensor '{layer}.g_idx' in"),
        ("llama_gptq", {}, ("drop", f"{layer}.g_idx", None),
         f"missing tensor '{layer}.g_idx'"),
        ("llama_gptq", {"quantization_config": DELETE}, None,
         f"tensor '{layer}.qweight' holds packed 4-bit weights but config.json has no "
         "quantization_config"),
        ("llama_gptq", {"quantization_config": dict(gptq, group_size=64)}, None,
         f"tensor '{layer}.qzeros' in"),
        ("mistral_awq", {"quantization_config": gptq}, None,
         f"tensor '{layer}.qweight' in"),
        ("mistral_awq", {"quantization_config": {"quant_method": "awq", "bits": 4,
                                                 "group_size": 32, "zero_point": False}},
         None, "AWQ without zero points is not supported"),
    ]
    for i, (base, patch, edit, expect) in enumerate(packed):
        yield (f"{base}-packed-{i}", base, patch, edit, expect)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def write_safetensors(path, header, data, length=None):
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text) if length is None else length))
        f.write(text)
        f.write(data)


def first_tensor(header):
    return next(k for k in header if k != "__metadata__")


def edit_tensors(path, edit):
    op, name, shape = edit
    if op == "delete-file":
        os.remove(path)
        return
    header, data = read_safetensors(path)
    target = name if name and op != "add" else first_tensor(header)
    if op == "add":
        count = 1
        for d in shape:
            count *= d
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + 4 * count]}
        data += b"\0" * (4 * count)
    elif op == "int":
        header[target]["dtype"] = "I32"
    elif op == "drop":
        del header[target]
    elif op == "reshape":
        shape = header[target]["shape"]
        header[target]["shape"] = [shape[-1]] + shape[:-1] if len(shape) > 1 else [1] + shape
        if header[target]["shape"] == shape:
            header[target]["shape"] = shape + [1]
    elif op == "truncate":
        data = data[: len(data) // 2]
    elif op == "header-length":
        write_safetensors(path, header, data, length=1 << 40)
        return
    elif op == "offsets":
        begin, end = header[target]["data_offsets"]
        header[target]["data_offsets"] = [begin, len(data) + 64]
    elif op == "dtype":
        header[target]["dtype"] = "Q4_K"
    elif op == "float":  # I32 words read as F32 (same size)
        header[target]["dtype"] = "F32"
    elif op == "f16-inf":  # the first element of an F16 tensor
        begin = header[target]["data_offsets"][0]
        data = data[:begin] + b"\x00\x7c" + data[begin + 2:]
    elif op == "act-order":  # I32 g_idx: input 0 moved to group 1 (33 in it)
        begin = header[target]["data_offsets"][0]
        data = data[:begin] + struct.pack("<i", 1) + data[begin + 4:]
    write_safetensors(path, header, data)


def build_case(root, goldens, base, patch, edit):
    os.makedirs(root)
    src = os.path.join(goldens, BASE_PATHS.get(base, base))
    config_path = os.path.join(root, "config.json")
    if isinstance(patch, (str, bytes)):
        with open(config_path, "wb") as f:
            f.write(patch.encode() if isinstance(patch, str) else patch)
    else:
        with open(os.path.join(src, "config.json")) as f:
            config = json.load(f)
        for key, value in patch.items():
            if value is DELETE:
                config.pop(key, None)
            else:
                config[key] = value
        with open(config_path, "w") as f:
            json.dump(config, f)
    shutil.copy(os.path.join(src, "model.safetensors"), root)
    if edit:
        edit_tensors(os.path.join(root, "model.safetensors"), edit)


def main():
    seqc, goldens = sys.argv[1:3]
    all_cases = list(cases())
    if "--list" in sys.argv:
        for name, *_ , expect in all_cases:
            print(f"{name}: {expect}")
        return 0
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name, base, patch, edit, expect in all_cases:
            folder = os.path.join(work, name)
            build_case(folder, goldens, base, patch, edit)
            out_dir = os.path.join(work, name + "-out")
            os.makedirs(out_dir)
            out = os.path.join(out_dir, "model.mlir")
            proc = subprocess.run([seqc, "import", "hf", folder, "-o", out],
                                  capture_output=True, text=True,
                                  errors="replace", timeout=120)
            err = proc.stderr.strip()
            problem = None
            if proc.returncode != 1:
                problem = f"exit status {proc.returncode} (want 1)"
            elif expect not in err:
                problem = f"error lacks {expect!r}"
            elif len(err.splitlines()) > 4:
                problem = f"error has {len(err.splitlines())} lines"
            elif os.listdir(out_dir):
                problem = f"left files: {os.listdir(out_dir)}"
            if problem:
                failures += 1
                print(f"FAIL {name}: {problem}; stderr: {err[:300]}")
    print(f"hf corpus: {len(all_cases) - failures}/{len(all_cases)} cases "
          f"rejected cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
