#!/usr/bin/env python3
"""Goldens for `seqc import gguf` (test/Frontends/gguf/goldens).

Model cases: a tiny random-weight Hugging Face model (Llama or Qwen2),
converted to an f32 GGUF by llama.cpp's own convert_hf_to_gguf.py (from the
llama-cpp-python source package; it reorders Llama's query/key rows as
llama.cpp does) and quantized by llama.cpp's own quantizer
(`llama_model_quantize`, the library behind `llama-quantize`: K-quant mixes
as shipped, or `--pure`). The reference is transformers loading that GGUF
(`from_pretrained(gguf_file=...)`: gguf-py's dequantization, rows put back
in transformers' order) and running its cache-free full forward: the
prompt's logits, then 8 greedy steps, each a full forward over the prompt
and the tokens so far.

Block case (blocks/): one GGUF tensor per block type seqc reads, of random
blocks (random bytes with sane f16 scales), and gguf-py's dequantization of
each (`gguf.quants.dequantize`) as f32 .npy: the decoder's reference.

Deterministic; needs torch, transformers, accelerate (its GGUF loader), gguf, numpy, llama-cpp-python
(network only to fetch the converter once).
  python3 tools/goldens/make_gguf_goldens.py [--only NAME]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
OUT = os.path.join(ROOT, "test", "Frontends", "gguf", "goldens")
WORK = os.path.join(ROOT, "build", "bench-llama")

DECODE_STEPS = 8
PROMPT_LEN = 11
MIN_MARGIN = 0.05

LLAMA = dict(vocab_size=256, hidden_size=256, intermediate_size=256,
             num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
             tie_word_embeddings=False)

GPT2 = dict(vocab_size=256, n_embd=256, n_layer=1, n_head=4, n_positions=128,
            layer_norm_epsilon=1e-5)

# name, transformers classes, config, llama.cpp ftype name, pure, seed
CASES = [
    dict(name="llama_q8_0", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=LLAMA, ftype="Q8_0", pure=True, seed=11),
    dict(name="llama_q4_k_m", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=LLAMA, ftype="Q4_K_M", pure=False, seed=12),
    dict(name="llama_q3_k_m_tied", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=dict(LLAMA, tie_word_embeddings=True), ftype="Q3_K_M", pure=False,
         seed=13),
    dict(name="llama_q2_k", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=LLAMA, ftype="Q2_K", pure=True, seed=14),
    dict(name="llama_iq4_xs", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=LLAMA, ftype="IQ4_XS", pure=True, seed=15),
    dict(name="llama_q5_k_m", config="LlamaConfig", cls="LlamaForCausalLM",
         kwargs=LLAMA, ftype="Q5_K_M", pure=False, seed=16),
    dict(name="qwen2_q5_1", config="Qwen2Config", cls="Qwen2ForCausalLM",
         kwargs=dict(LLAMA, use_sliding_window=False), ftype="Q5_1", pure=True,
         seed=17),
    dict(name="gpt2_q4_k_m", config="GPT2Config", cls="GPT2LMHeadModel",
         kwargs=GPT2, ftype="Q4_K_M", pure=False, seed=20),
    dict(name="mamba_q8_0", config="MambaConfig", cls="MambaForCausalLM",
         kwargs=dict(vocab_size=256, hidden_size=256, state_size=16, num_hidden_layers=1,
                     expand=2, conv_kernel=4, time_step_rank=16),
         ftype="Q8_0", pure=True, seed=21),
    dict(name="qwen2_q4_0_iq4_nl", config="Qwen2Config", cls="Qwen2ForCausalLM",
         kwargs=dict(LLAMA, use_sliding_window=False, num_key_value_heads=4),
         ftype="IQ4_NL", pure=True, seed=18),
    # Jamba: attention every 2nd layer from 1, MoE (4 experts, top 2) every
    # 2nd from 1; llama.cpp's Q4_K_M mix gives the experts Q4_K gate/up and
    # Q6_K down in some layers. transformers does not load Jamba GGUFs: the
    # reference runs its model on gguf-py's dequantization of the file.
    dict(name="jamba_q4_k_m", config="JambaConfig", cls="JambaForCausalLM",
         kwargs=dict(vocab_size=256, hidden_size=256, intermediate_size=256,
                     num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
                     attn_layer_period=2, attn_layer_offset=1, expert_layer_period=2,
                     expert_layer_offset=1, num_experts=4, num_experts_per_tok=2,
                     mamba_d_state=16, mamba_d_conv=4, mamba_expand=2, mamba_dt_rank=16,
                     max_position_embeddings=128, use_mamba_kernels=False,
                     tie_word_embeddings=False),
         ftype="Q4_K_M", pure=False, seed=22, reference="dequantized"),
    # LFM2: a convolution layer and an attention layer (per-layer KV head
    # counts in the file), tied head, the final norm as token_embd_norm.
    dict(name="lfm2_q8_0", config="Lfm2Config", cls="Lfm2ForCausalLM",
         kwargs=dict(vocab_size=256, hidden_size=256, intermediate_size=384,
                     num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     layer_types=["conv", "full_attention"], conv_L_cache=3,
                     block_multiple_of=64, max_position_embeddings=128, norm_eps=1e-5),
         ftype="Q8_0", pure=True, seed=23, reference="dequantized",
         reference_why="transformers' LFM2 GGUF loader needs a tokenizer in the file, "
                       "which these files do not have"),
]

# llama.cpp's Jamba names -> transformers' (dequantized_model).
JAMBA_LAYER = {
    "attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj", "ssm_in": "mamba.in_proj",
    "ssm_conv1d": "mamba.conv1d", "ssm_x": "mamba.x_proj", "ssm_dt": "mamba.dt_proj",
    "ssm_dt_norm": "mamba.dt_layernorm", "ssm_b_norm": "mamba.b_layernorm",
    "ssm_c_norm": "mamba.c_layernorm", "ssm_out": "mamba.out_proj",
    "ffn_norm": "pre_ff_layernorm", "ffn_gate": "feed_forward.gate_proj",
    "ffn_up": "feed_forward.up_proj", "ffn_down": "feed_forward.down_proj",
    "ffn_gate_inp": "feed_forward.router",
}


# llama.cpp's LFM2 names -> transformers'.
LFM2_NAMES = {
    "token_embd": "model.embed_tokens", "token_embd_norm": "model.embedding_norm",
    "output": "lm_head",
}
LFM2_LAYER = {
    "attn_norm": "operator_norm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj", "attn_output": "self_attn.out_proj",
    "attn_q_norm": "self_attn.q_layernorm", "attn_k_norm": "self_attn.k_layernorm",
    "shortconv.conv": "conv.conv", "shortconv.in_proj": "conv.in_proj",
    "shortconv.out_proj": "conv.out_proj", "ffn_norm": "ffn_norm",
    "ffn_gate": "feed_forward.w1", "ffn_up": "feed_forward.w3", "ffn_down": "feed_forward.w2",
}


def lfm2_dequantized_state(gguf_path):
    """transformers' LFM2 state dict from gguf-py's dequantization of each
    tensor (the conv's unit dim put back)."""
    import gguf
    import numpy as np
    from gguf.quants import dequantize

    state = {}
    for t in gguf.GGUFReader(gguf_path).tensors:
        w = np.array(dequantize(t.data, t.tensor_type), dtype=np.float32)
        parts = t.name.split(".")
        if parts[0] != "blk":
            state[LFM2_NAMES[".".join(parts[:-1])] + "." + parts[-1]] = w
            continue
        stem = LFM2_LAYER[".".join(parts[2:-1])]
        if stem == "conv.conv" and parts[-1] == "weight":
            w = w[:, None, :]
        state[f"model.layers.{parts[1]}.{stem}.{parts[-1]}"] = w
    return state


def dequantized_model(case, folder, gguf_path):
    """The case's transformers model with every weight replaced by gguf-py's
    dequantization of the GGUF file's tensor, llama.cpp's conversions undone
    (A = -exp(A_log), conv1d's unit dim squeezed, experts stacked)."""
    import gguf
    import numpy as np
    import torch
    import transformers
    from gguf.quants import dequantize

    if case["cls"] == "Lfm2ForCausalLM":
        model = transformers.Lfm2ForCausalLM.from_pretrained(
            folder, dtype=torch.float32, attn_implementation="eager")
        state = lfm2_dequantized_state(gguf_path)
        if "lm_head.weight" not in state:
            state["lm_head.weight"] = state["model.embed_tokens.weight"]
        missing, unexpected = model.load_state_dict(
            {k: torch.from_numpy(v) for k, v in state.items()}, strict=True), None
        return model
    model = getattr(transformers, case["cls"]).from_pretrained(
        folder, dtype=torch.float32, attn_implementation="eager",
        experts_implementation="eager")
    state = {}
    for t in gguf.GGUFReader(gguf_path).tensors:
        w = np.array(dequantize(t.data, t.tensor_type), dtype=np.float32)
        parts = t.name.split(".")
        if parts[0] != "blk":
            stem = {"token_embd": "model.embed_tokens", "output": "lm_head",
                    "output_norm": "model.final_layernorm"}[parts[0]]
            state[stem + "." + parts[1]] = w
            continue
        prefix = f"model.layers.{parts[1]}."
        if parts[2] == "ssm_a":
            state[prefix + "mamba.A_log"] = np.log(-w)
        elif parts[2] == "ssm_d":
            state[prefix + "mamba.D"] = w
        elif parts[2].endswith("_exps"):
            # transformers 5 holds the experts as gate_up_proj [E, 2F, H]
            # (gate rows first) and down_proj [E, H, F].
            state[prefix + "feed_forward.experts." + parts[2]] = w
        else:
            if parts[2] == "ssm_conv1d" and parts[3] == "weight":
                w = w[:, None, :]
            state[prefix + JAMBA_LAYER[parts[2]] + "." + parts[3]] = w
    for layer in {k.split(".experts.")[0] for k in state if ".experts." in k}:
        gate = state.pop(layer + ".experts.ffn_gate_exps")
        up = state.pop(layer + ".experts.ffn_up_exps")
        state[layer + ".experts.gate_up_proj"] = np.concatenate([gate, up], axis=1)
        state[layer + ".experts.down_proj"] = state.pop(layer + ".experts.ffn_down_exps")
    expected = set(model.state_dict())
    assert set(state) == expected, (set(state) ^ expected)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    return model


def build_folder(case, folder):
    import torch
    import transformers
    from make_hf_goldens import randomize_weights

    torch.manual_seed(case["seed"])
    config = getattr(transformers, case["config"])(**case["kwargs"])
    model = getattr(transformers, case["cls"])._from_config(config, dtype=torch.float32)
    randomize_weights(model, case["seed"] + 7)
    model.save_pretrained(folder, safe_serialization=True)
    if case["cls"] == "GPT2LMHeadModel":
        # llama.cpp's converter reads GPT-2's context length as n_ctx, which
        # transformers 5 no longer writes.
        path = os.path.join(folder, "config.json")
        with open(path) as f:
            saved = json.load(f)
        saved["n_ctx"] = case["kwargs"]["n_positions"]
        with open(path, "w") as f:
            json.dump(saved, f)


def make_gguf(case, folder, work):
    import llama_cpp
    import llamacpp_peer

    f32 = os.path.join(work, "f32.gguf")
    llamacpp_peer.f32_gguf(folder, f32, WORK, vocab=False)
    out = os.path.join(work, "model.gguf")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + case["ftype"])
    params.pure = case["pure"]
    params.nthread = 1
    if llama_cpp.llama_model_quantize(f32.encode(), out.encode(), params) != 0:
        sys.exit(f"llama_model_quantize failed for {case['name']}")
    return out


def full_forward_greedy(model, prompt):
    """Prompt logits, then DECODE_STEPS greedy steps, each from a cache-free
    full forward over everything so far."""
    import torch

    with torch.no_grad():
        ids = list(prompt)
        prefill = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float()
        step = prefill[-1]
        tokens, logits, margin = [], [], float("inf")
        for k in range(DECODE_STEPS):
            top = torch.topk(step, 2).values
            margin = min(margin, float(top[0] - top[1]))
            tok = int(torch.argmax(step))
            tokens.append(tok)
            logits.append(step.clone())
            if k == DECODE_STEPS - 1:
                break
            ids.append(tok)
            step = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].float()
    return prefill, tokens, torch.stack(logits), margin


def tensor_types(path):
    import gguf

    reader = gguf.GGUFReader(path)
    return {t.name: t.tensor_type.name for t in reader.tensors}


def run_case(case):
    import numpy as np
    import torch
    import transformers

    dest = os.path.join(OUT, case["name"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "hf")
        build_folder(case, folder)
        gguf_path = make_gguf(case, folder, tmp)
        ref_dir = os.path.join(tmp, "ref")
        os.makedirs(ref_dir)
        shutil.copy(gguf_path, os.path.join(ref_dir, "model.gguf"))
        if case.get("reference") == "dequantized":
            model = dequantized_model(case, folder, gguf_path)
        else:
            model = getattr(transformers, case["cls"]).from_pretrained(
                ref_dir, gguf_file="model.gguf", dtype=torch.float32,
                attn_implementation="eager",
                # transformers reads the vocabulary size from the tokenizer's
                # tokens, which these files do not have, and GPT-2's context
                # length into n_ctx, not the n_positions its model reads.
                **{k: case["kwargs"][k] for k in ("vocab_size", "n_positions")
                   if k in case["kwargs"]})
        model.eval()
        vocab = case["kwargs"]["vocab_size"]
        rng = np.random.default_rng(case["seed"])
        for attempt in range(50):
            prompt = rng.integers(0, vocab, PROMPT_LEN).tolist()
            prefill, tokens, logits, margin = full_forward_greedy(model, prompt)
            if margin >= MIN_MARGIN:
                break
        else:
            sys.exit(f"{case['name']}: no prompt with top-1 margins >= {MIN_MARGIN}")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        shutil.copy(gguf_path, os.path.join(dest, "model.gguf"))
    np.save(os.path.join(dest, "prompt.npy"), np.array(prompt, dtype=np.int64))
    np.save(os.path.join(dest, "prefill_logits.npy"), prefill.numpy().astype(np.float32))
    np.save(os.path.join(dest, "decode_tokens.npy"), np.array(tokens, dtype=np.int64))
    np.save(os.path.join(dest, "decode_logits.npy"), logits.numpy().astype(np.float32))
    import gguf
    import llama_cpp
    info = {
        "architecture": case["cls"],
        "notes": [
            "model.gguf: a random-weight " + case["cls"] + " converted by llama.cpp's "
            "convert_hf_to_gguf.py to f32 and quantized by llama_model_quantize to " +
            case["ftype"] + (" (pure: every 2-D weight)" if case["pure"] else " (llama.cpp's mix)") +
            ". Logits: transformers' cache-free full forward on the GGUF it loads "
            "(gguf-py dequantization" +
            ("; " + case.get("reference_why",
                             "transformers does not load this architecture from GGUF") +
             ", so the model's weights are replaced by gguf-py's dequantization of each tensor, "
             "llama.cpp's conversions undone" if case.get("reference") == "dequantized"
             else "") +
            "); decode_logits[k] from a full forward over the prompt and "
            "decode_tokens[:k]."],
        "seed": case["seed"],
        "prompt_len": PROMPT_LEN,
        "min_top1_margin": margin,
        "prompt_tries": attempt + 1,
        "tensor_types": tensor_types(os.path.join(dest, "model.gguf")),
        "config": case["kwargs"],
        "made_with": {"torch": torch.__version__, "transformers": transformers.__version__,
                      "gguf": getattr(gguf, "__version__", "?"),
                      "llama_cpp_python": llama_cpp.__version__},
    }
    with open(os.path.join(dest, "case.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(f"{case['name']}: margin {margin:.3f}, "
          f"{os.path.getsize(os.path.join(dest, 'model.gguf'))} bytes")


# Block types the decoder reads; rows of 512 elements (2 super-blocks).
BLOCK_TYPES = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K",
               "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"]


def make_blocks():
    import gguf
    import numpy as np
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as T

    dest = os.path.join(OUT, "blocks")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    rng = np.random.default_rng(2024)
    writer = gguf.GGUFWriter(os.path.join(dest, "blocks.gguf"), "blocks")
    rows, cols = 3, 512
    # Byte offsets of each type's f16 scale fields inside a block.
    half_fields = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2],
                   "Q8_0": [0], "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2],
                   "Q5_K": [0, 2], "Q6_K": [208], "IQ4_NL": [0], "IQ4_XS": [0]}
    for name in BLOCK_TYPES:
        qtype = T[name]
        block, size = GGML_QUANT_SIZES[qtype]
        n_blocks = rows * cols // block
        raw = rng.integers(0, 256, (n_blocks, size), dtype=np.uint8)
        for at in half_fields[name]:
            d = (rng.uniform(0.01, 0.2, n_blocks) * rng.choice([-1, 1], n_blocks))
            raw[:, at:at + 2] = d.astype(np.float16).view(np.uint8).reshape(n_blocks, 2)
        data = raw.reshape(rows, cols // block * size)
        writer.add_tensor(name.lower(), data, raw_dtype=qtype)
        ref = gguf.quants.dequantize(data, qtype).astype(np.float32)
        assert ref.shape == (rows, cols), ref.shape
        np.save(os.path.join(dest, name.lower() + ".npy"), ref)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print("blocks:", os.path.getsize(os.path.join(dest, "blocks.gguf")), "bytes")


# Vocabulary-only GGUF files written by llama.cpp's converter from the
# tokenizers of test/tokenizer (the sentencepiece model retrained as
# make_tokenizer_goldens.py trains it), and llama.cpp's own ids for the
# corpus there. The converter names a byte-level BPE pre-tokenizer by
# hashing a real model's tokens; these tokenizers are trained locally, so
# the name is given (what the converter writes for Llama-3, Qwen2, GPT-2).
TOKENIZERS = [
    dict(name="gguf_llama2", kind="llama2", arch="LlamaForCausalLM", pre=None),
    dict(name="gguf_llama3", kind="llama3", arch="LlamaForCausalLM", pre="llama-bpe"),
    dict(name="gguf_qwen2", kind="qwen2", arch="Qwen2ForCausalLM", pre="qwen2"),
    dict(name="gguf_gpt2", kind="gpt2", arch="GPT2LMHeadModel", pre="gpt-2"),
]

VOCAB_CONVERT = """
import os, sys
script, pre = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(script))
sys.argv = [script] + sys.argv[3:]
import convert_hf_to_gguf as convert
from conversion import base
if pre != "-":
    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
convert.main()
"""


def llamacpp_decodes(llm, ids, counts, spm):
    """Id sequences (every 16th text's, and 300 random ones, a third of
    their ids byte tokens where the vocabulary has them) with llama.cpp's
    text for them, special tokens rendered (skip false) or removed (skip
    true): SentencePiece vocabularies through llama_detokenize; byte-level
    BPE ones as llama.cpp streams them, its pieces (token_to_piece) joined
    (its whole-sequence llama_detokenize also drops spaces before
    punctuation for some pre-tokenizers, a clean-up seqc does not do)."""
    import ctypes
    import random

    import llama_cpp
    vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
    n = llm.n_vocab()
    pieces = [llm._model.token_get_text(i) for i in range(n)]
    byte_ids = [i for i, t in enumerate(pieces) if len(t) == 6 and t.startswith("<0x")]
    sequences, at = [], 0
    for k, c in enumerate(counts):
        if k % 16 == 0:
            sequences.append(ids[at:at + c])
        at += c
    rng = random.Random(7)
    for _ in range(2000):
        m = rng.randint(1, 24)
        sequences.append([rng.choice(byte_ids) if byte_ids and rng.random() < 0.33
                          else rng.randrange(n) for _ in range(m)])
    buf = ctypes.create_string_buffer(1 << 16)

    def piece(t, special):
        size = llama_cpp.llama_token_to_piece(vocab, t, buf, len(buf), 0, special)
        assert size >= 0
        return buf.raw[:size]

    out = []
    for k, seq in enumerate(sequences):
        skip = len(out) % 2 == 1
        if spm:
            arr = (llama_cpp.llama_token * len(seq))(*seq)
            size = llama_cpp.llama_detokenize(vocab, arr, len(seq), buf, len(buf), skip,
                                              not skip)
            assert size >= 0
            raw = buf.raw[:size]
        else:
            raw = b"".join(piece(t, not skip) for t in seq)
        # llama.cpp gives bytes; where they are not UTF-8 the text is
        # repaired (seqc as the tokenizers library does), so only valid
        # texts are compared.
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append({"ids": seq, "skip": skip, "text": text})
    return out


def make_tokenizer(case, texts):
    import subprocess

    from make_tokenizer_goldens import sentencepiece_bpe_model

    import llama_cpp
    import llamacpp_peer
    import numpy as np

    dest = os.path.join(ROOT, "test", "tokenizer", case["name"])
    src = os.path.join(ROOT, "test", "tokenizer", case["kind"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "hf")
        os.makedirs(folder)
        size = 1500 if case["kind"] == "llama2" else 1200
        config = {"architectures": [case["arch"]], "vocab_size": size, "n_ctx": 64,
                  "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 1,
                  "intermediate_size": 64, "max_position_embeddings": 64,
                  "n_embd": 64, "n_layer": 1, "n_head": 1, "n_positions": 64,
                  "rms_norm_eps": 1e-5, "layer_norm_epsilon": 1e-5}
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f)
        if case["kind"] == "llama2":
            with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
                f.write(sentencepiece_bpe_model(texts))
            with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
                json.dump({"add_bos_token": True, "add_eos_token": False}, f)
        else:
            shutil.copy(os.path.join(src, "tokenizer.json"), folder)
            settings = {}
            if case["kind"] == "llama3":  # as Llama-3's tokenizer_config.json
                settings = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                            "add_bos_token": True}
            with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
                json.dump(settings, f)
        out = os.path.join(tmp, "vocab.gguf")
        script = llamacpp_peer.converter(WORK)
        done = subprocess.run([sys.executable, "-c", VOCAB_CONVERT, script, case["pre"] or "-",
                               folder, "--vocab-only", "--outfile", out],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{case['name']}: converter failed:\n{done.stderr[-3000:]}")
        llm = llama_cpp.Llama(model_path=out, vocab_only=True, verbose=False)
        ids, counts = [], []
        for t in texts:
            got = llm.tokenize(t.encode("utf-8"), add_bos=True, special=True)
            ids.extend(got)
            counts.append(len(got))
        decodes = llamacpp_decodes(llm, ids, counts, case["kind"] == "llama2")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        shutil.copy(out, os.path.join(dest, "vocab.gguf"))
        with open(os.path.join(dest, "decode.jsonl"), "w", encoding="utf-8") as f:
            for d in decodes:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    np.array(ids, dtype=np.uint16).tofile(os.path.join(dest, "ids.u16"))
    np.array(counts, dtype=np.uint32).tofile(os.path.join(dest, "counts.u32"))
    print(f"{case['name']}: {len(ids)} ids, vocab {llm.n_vocab()}")


CONVERT_WITH_PRE = VOCAB_CONVERT


PERPLEXITY_CTX = 64


def make_perplexity():
    """llama_chat/perplexity.txt and its perplexity as llama-perplexity
    measures it (chunks of PERPLEXITY_CTX tokens from llama.cpp's
    tokenization with its BOS, each chunk's first token set to the BOS,
    the negative log-likelihood of each chunk's second half), with the
    logits of transformers' forward on the GGUF file (the reference) and of
    llama.cpp on the same file (for the record)."""
    import math

    import llama_cpp
    import numpy as np
    import torch
    import transformers

    dest = os.path.join(OUT, "llama_chat")
    gguf_path = os.path.join(dest, "model.gguf")
    with open(os.path.join(ROOT, "test", "tokenizer", "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line) for line in f][40:400:9]
    text = "\n".join(texts)
    with open(os.path.join(dest, "perplexity.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    import llamacpp_peer
    # Without its extra (AMX) weight buffers, which crash on Q8_0 here.
    llm = llamacpp_peer.open_llamacpp(gguf_path, 1, 256, PERPLEXITY_CTX,
                                      extra_bufts=False, logits_all=True)
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
    bos = llm.token_bos()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(gguf_path, os.path.join(tmp, "model.gguf"))
        model = transformers.LlamaForCausalLM.from_pretrained(
            tmp, gguf_file="model.gguf", dtype=torch.float32, attn_implementation="eager",
            vocab_size=1200)
    model.eval()

    def ppl(logits_of):
        nll, count = 0.0, 0
        for c in range(len(tokens) // PERPLEXITY_CTX):
            chunk = tokens[c * PERPLEXITY_CTX:(c + 1) * PERPLEXITY_CTX]
            chunk[0] = bos
            logp = torch.log_softmax(torch.tensor(logits_of(chunk), dtype=torch.float64), -1)
            for j in range(PERPLEXITY_CTX // 2, PERPLEXITY_CTX - 1):
                nll -= float(logp[j, chunk[j + 1]])
                count += 1
        return math.exp(nll / count), count

    def transformers_logits(chunk):
        with torch.no_grad():
            return model(input_ids=torch.tensor([chunk]), use_cache=False).logits[0].numpy()

    def llamacpp_logits(chunk):
        llm.reset()
        llm.eval(chunk)
        return np.array(llm.scores[:len(chunk)])

    reference, count = ppl(transformers_logits)
    peer, _ = ppl(llamacpp_logits)
    info_path = os.path.join(dest, "case.json")
    with open(info_path) as f:
        info = json.load(f)
    info["perplexity"] = {"notes": [make_perplexity.__doc__], "ctx": PERPLEXITY_CTX,
                          "tokens": len(tokens), "scored": count,
                          "transformers": reference, "llama_cpp": peer}
    with open(info_path, "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    with open(os.path.join(dest, "perplexity_expected.txt"), "w") as f:
        f.write(f"{reference:.6f}\n")
    print(f"perplexity: {len(tokens)} tokens, transformers {reference:.6f}, llama.cpp {peer:.6f}")


# Goldens converted whole (f32) from a Hugging Face golden folder, whose
# forward is the reference: transformers' GGUF loader does not read what
# these files hold (Llama 3.1's rope_freqs) or these architectures (Mamba2).
FROM_HF = [
    dict(name="llama3_rope_freqs", source="llama_tied_rope_llama3",
         cls="LlamaForCausalLM", must_have="rope_freqs.weight"),
    dict(name="mamba2_f32", source="mamba2", cls="Mamba2ForCausalLM", must_have="blk.0.ssm_a"),
    # An encoder: the source golden's references (transformers' last hidden
    # state and mean pooling for its prompt) are the references.
    dict(name="bert_f32", source="bert", cls="BertModel", must_have="token_types.weight",
         encoder=True),
    # Jamba (Mamba + attention layers, MoE every other layer): experts
    # stacked into [experts, out, in] tensors, attention layers marked by
    # their KV head count.
    dict(name="jamba_f32", source="jamba", cls="JambaForCausalLM",
         must_have="blk.1.ffn_gate_exps.weight"),
]


def make_from_hf(case):
    """`case["source"]` of test/Frontends/hf/goldens converted to an f32
    GGUF by llama.cpp's converter (llama3_rope_freqs: Llama 3.1's rotary
    scaling evaluated into a rope_freqs tensor; mamba2_f32: Mamba2, whose
    A the converter stores as -exp(A_log) and whose vectors as matrices).
    The reference is transformers' cache-free full forward on the Hugging
    Face folder itself, with that golden's prompt (bert_f32: that golden's
    own references, transformers' last hidden state and mean pooling)."""
    import subprocess

    import llamacpp_peer
    import numpy as np
    import torch
    import transformers

    src = os.path.join(ROOT, "test", "Frontends", "hf", "goldens", case["source"])
    dest = os.path.join(OUT, case["name"])
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.gguf")
        done = subprocess.run([sys.executable, "-c", llamacpp_peer.NO_VOCAB_CONVERT,
                               llamacpp_peer.converter(WORK), src, "--outtype", "f32",
                               "--outfile", out], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{case['name']}: converter failed:\n{done.stderr[-3000:]}")
        types = tensor_types(out)
        assert case["must_have"] in types, types
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        shutil.copy(out, os.path.join(dest, "model.gguf"))
    if case.get("encoder"):
        for name in ("prompt.npy", "embeddings.npy", "mean_pooled.npy"):
            shutil.copy(os.path.join(src, name), dest)
        with open(os.path.join(dest, "case.json"), "w") as f:
            json.dump({"architecture": case["cls"], "notes": [make_from_hf.__doc__],
                       "source": case["source"], "tensor_types": types}, f, indent=1)
            f.write("\n")
        print(f"{case['name']}: references of {case['source']}")
        return
    model = getattr(transformers, case["cls"]).from_pretrained(
        src, dtype=torch.float32, experts_implementation="eager")
    model.eval()
    prompt = np.load(os.path.join(src, "prompt.npy")).tolist()
    prefill, tokens, logits, margin = full_forward_greedy(model, prompt)
    np.save(os.path.join(dest, "prompt.npy"), np.array(prompt, dtype=np.int64))
    np.save(os.path.join(dest, "prefill_logits.npy"), prefill.numpy().astype(np.float32))
    np.save(os.path.join(dest, "decode_tokens.npy"), np.array(tokens, dtype=np.int64))
    np.save(os.path.join(dest, "decode_logits.npy"), logits.numpy().astype(np.float32))
    with open(os.path.join(dest, "case.json"), "w") as f:
        json.dump({"architecture": case["cls"], "notes": [make_from_hf.__doc__],
                   "source": case["source"], "min_top1_margin": margin,
                   "tensor_types": types}, f, indent=1)
        f.write("\n")
    print(f"{case['name']}: margin {margin:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="one case name (or 'blocks')")
    args = parser.parse_args()
    if not args.only or args.only == "blocks":
        make_blocks()
    texts = None
    for case in TOKENIZERS:
        if not args.only or args.only == case["name"]:
            if texts is None:
                with open(os.path.join(ROOT, "test", "tokenizer", "corpus.jsonl"),
                          encoding="utf-8") as f:
                    texts = [json.loads(line) for line in f]
            make_tokenizer(case, texts)
    for case in CASES:
        if not args.only or args.only == case["name"]:
            run_case(case)
    if not args.only or args.only == "llama_chat":
        make_chat()
    if not args.only or args.only in ("llama_chat", "perplexity"):
        make_perplexity()
    for case in FROM_HF:
        if not args.only or args.only == case["name"]:
            make_from_hf(case)


if __name__ == "__main__":
    main()
