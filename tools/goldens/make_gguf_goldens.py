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

Deterministic; needs torch, transformers, gguf, numpy, llama-cpp-python
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
    dict(name="qwen2_q4_0_iq4_nl", config="Qwen2Config", cls="Qwen2ForCausalLM",
         kwargs=dict(LLAMA, use_sliding_window=False, num_key_value_heads=4),
         ftype="IQ4_NL", pure=True, seed=18),
]


def build_folder(case, folder):
    import torch
    import transformers
    from make_hf_goldens import randomize_weights

    torch.manual_seed(case["seed"])
    config = getattr(transformers, case["config"])(**case["kwargs"])
    model = getattr(transformers, case["cls"])._from_config(config, dtype=torch.float32)
    randomize_weights(model, case["seed"] + 7)
    model.save_pretrained(folder, safe_serialization=True)


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
        model = getattr(transformers, case["cls"]).from_pretrained(
            ref_dir, gguf_file="model.gguf", dtype=torch.float32,
            attn_implementation="eager",
            # transformers reads the vocabulary size from the tokenizer's
            # tokens, which these files do not have.
            vocab_size=case["kwargs"]["vocab_size"])
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
            "(gguf-py dequantization); decode_logits[k] from a full forward over the "
            "prompt and decode_tokens[:k]."],
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="one case name (or 'blocks')")
    args = parser.parse_args()
    if not args.only or args.only == "blocks":
        make_blocks()
    for case in CASES:
        if not args.only or args.only == case["name"]:
            run_case(case)


if __name__ == "__main__":
    main()
