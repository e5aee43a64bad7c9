#!/usr/bin/env python3
"""Low-precision weights end to end: seqc against llama.cpp, format by format.

    python3 bench/quant.py [--formats f32,bf16,q8_0,q4_0] [--threads 2] [--prompt 256]
                           [--decode 32] [--layers 6] [--repeat 2]

The Llama-shaped model of bench/llama_e2e.py (TinyLlama-1.1B layer shapes,
random weights, `--layers` layers) in each weight format, on both sides from
the same values:
  f32   the f32 folder; seqc `--weights=f32`, llama.cpp `--outtype f32`;
  bf16  the folder saved in bf16 (what Hugging Face checkpoints hold); seqc
        keeps its projections bf16 (`--weights=auto`), llama.cpp
        `--outtype bf16`;
  q8_0  the f32 folder quantized to 8-bit blocks of 32 with an f16 scale by
        each side: seqc `--weights=q8_0` (its own weights file), llama.cpp's
        converter `--outtype q8_0` (gguf's quantizer: the same rounding, every
        2-D weight including the embedding table and the head in Q8_0);
  q4_0  likewise with 4-bit values: seqc `--weights=q4_0`, llama.cpp's
        f32 GGUF quantized by `llama_model_quantize` with `pure` (what
        `llama-quantize --pure ... Q4_0` does);
  q4_1  the same with affine 4-bit blocks (Q4_1).
  q4_g128  seqc `--weights=q4_g128` (Q4_1's rounding on groups of 128,
        f16 scale and offset); llama.cpp has no such format: its peer is
        Q4_1 (affine blocks of 32).
  gptq  a GPTQ checkpoint of the same model (every linear, the head too, packed by
        AutoGPTQ's own QuantLinear.pack() from round-to-nearest asymmetric
        groups of 128: tools/goldens/packed_int4.py), which seqc imports as
        packed (f32 scales and offsets); peer again llama.cpp's Q4_1.
Each side prefills the same prompt in one call and decodes greedily with the
same threads. Prints the machine's limits (bench/peak.c), then one JSON line
per format: tokens/s, ratios (> 1: seqc faster), prefill GFLOP/s as a
fraction of the FMA peak, decode weight bytes streamed per second as a
fraction of the triad bandwidth, and seqc's peak resident memory next to
the size of the weights file.
"""
import argparse
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-llama")

from llama_e2e import SHAPES, counts, make_model  # noqa: E402
from llamacpp_peer import (best, compile_seqc, ensure, f32_gguf,  # noqa: E402
                           llamacpp_run, quantized_gguf, seqc_run)
from measure import peak  # noqa: E402

# Bytes per projection weight element in each format (Q8_0: 32 values and
# an f16 scale per block).
BYTES = {"f32": 4, "bf16": 2, "q8_0": 34 / 32, "q4_0": 18 / 32, "q4_1": 20 / 32,
         "q4_g128": (64 + 4) / 128, "gptq": (64 + 8) / 128}
# The llama.cpp format each one is compared with.
PEER = {"q4_g128": "q4_1", "gptq": "q4_1"}
# Formats whose import writes its own weights file.
REWRITTEN = ("q8_0", "q4_0", "q4_1", "q4_g128", "gptq")


def folder_in(fmt, f32_folder):
    """The Hugging Face folder holding the weights in `fmt`'s storage."""
    if fmt in ("f32", "q8_0", "q4_0", "q4_1", "q4_g128"):
        return f32_folder
    folder = f32_folder + "-" + fmt
    if fmt == "gptq":
        return gptq_folder(f32_folder, folder)
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        ensure("transformers", "transformers")
        import torch
        from transformers import LlamaForCausalLM
        model = LlamaForCausalLM.from_pretrained(f32_folder, dtype=torch.bfloat16)
        model.save_pretrained(folder, safe_serialization=True)
    return folder


def gptq_folder(f32_folder, folder, group=128):
    """`f32_folder` as a GPTQ checkpoint (groups of `group`), made once."""
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return folder
    ensure("transformers", "transformers")
    import shutil

    import torch
    from safetensors.torch import save_file
    from torch import nn
    from transformers import LlamaForCausalLM
    sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
    import packed_int4

    model = LlamaForCausalLM.from_pretrained(f32_folder, dtype=torch.float32)
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    for name, module in model.named_modules():
        # The head too (GPTQModel's lm_head: true), so that decode streams
        # 4-bit weights as the other formats do; the table stays f32.
        if isinstance(module, nn.Linear) and (".layers." in f".{name}" or name == "lm_head"):
            del tensors[f"{name}.weight"]
            q = packed_int4.pack_gptq(module, group, sym=False)
            for key, value in packed_int4.gptq_tensors(q).items():
                tensors[f"{name}.{key}"] = value.contiguous()
    os.makedirs(folder, exist_ok=True)
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(f32_folder, "config.json")) as f:
        config = json.load(f)
    config["quantization_config"] = {"quant_method": "gptq", "bits": 4, "group_size": group,
                                     "desc_act": False, "sym": False, "lm_head": True,
                                     "checkpoint_format": "gptq"}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for extra in os.listdir(f32_folder):
        if extra.startswith("tokenizer") or extra == "generation_config.json":
            shutil.copy(os.path.join(f32_folder, extra), folder)
    return folder


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--formats", default="f32,bf16,q8_0,q4_0,q4_1")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--decode", type=int, default=32)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama")
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    formats = a.formats.split(",")
    for fmt in formats:
        if fmt not in BYTES:
            sys.exit(f"quant.py: unknown format {fmt} (have {', '.join(BYTES)})")
    os.makedirs(WORK, exist_ok=True)
    limits = peak(a.threads)
    print(json.dumps(limits), flush=True)
    name = f"{a.shape}-{a.layers}l"
    f32_folder = os.path.join(WORK, name)
    make_model(a.shape, a.layers, f32_folder)
    random.seed(0)
    prompt = [random.randrange(SHAPES[a.shape]["vocab_size"]) for _ in range(a.prompt)]
    macs, f32_bytes = counts(a.shape, a.layers, a.prompt)
    for fmt in formats:
        folder = folder_in(fmt, f32_folder)
        peer = PEER.get(fmt, fmt)
        if peer in ("q4_0", "q4_1"):
            import llama_cpp
            source = f32_gguf(f32_folder, os.path.join(WORK, f"{name}-f32.gguf"), WORK,
                              vocab=False, outtype="f32")
            ftype = {"q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0,
                     "q4_1": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_1}[peer]
            gguf = quantized_gguf(source, os.path.join(WORK, f"{name}-{peer}.gguf"), ftype)
        else:
            gguf = f32_gguf(folder, os.path.join(WORK, f"{name}-{fmt}.gguf"), WORK,
                            vocab=False, outtype=fmt)
        flags = ["--weights=auto"] if fmt in ("bf16", "gptq") else [f"--weights={fmt}"]
        so = compile_seqc(folder, os.path.join(WORK, f"{name}-{fmt}.so"),
                          a.prompt + a.decode + 8, flags)
        # --weights=q8_0 writes the quantized weights next to the model.
        quantized = fmt in REWRITTEN
        weights = so[:-3] + f".{fmt}.safetensors" if quantized else folder
        rss = []
        seqc = best([seqc_run(so, weights, prompt, a.decode, a.threads, rss)
                     for _ in range(a.repeat)])
        # llama.cpp's AMX/repack weight buffers crash on Q8_0 and Q4_0 here
        # (see llamacpp_run): those run on its plain CPU kernels.
        extra_bufts = not quantized
        llama = best([llamacpp_run(gguf, prompt, a.decode, a.threads, extra_bufts)
                       for _ in range(a.repeat)])
        weight_bytes = f32_bytes * BYTES[fmt] / 4
        gflops = lambda tok_s: 2 * macs * tok_s / 1e9
        gbs = lambda tok_s: weight_bytes * tok_s / 1e9
        file_bytes = os.path.getsize(weights if quantized else
                                     os.path.join(folder, "model.safetensors"))
        print(json.dumps({
            "bench": "quant", "format": fmt, "llamacpp_format": peer,
            "model": f"{a.shape} shapes, {a.layers} layers, random",
            "threads": a.threads, "prompt": a.prompt, "decode": a.decode,
            "seqc_prefill_tok_s": round(seqc[0], 1),
            "llamacpp_prefill_tok_s": round(llama[0], 1),
            "prefill_ratio_seqc_over_llamacpp": round(seqc[0] / llama[0], 2),
            "seqc_prefill_fraction_of_peak": round(gflops(seqc[0]) / limits["fma_gflops"], 3),
            "seqc_decode_tok_s": round(seqc[1], 1),
            "llamacpp_decode_tok_s": round(llama[1], 1),
            "decode_ratio_seqc_over_llamacpp": round(seqc[1] / llama[1], 2),
            "seqc_decode_fraction_of_triad": round(gbs(seqc[1]) / limits["triad_gbs"], 3),
            "llamacpp_decode_fraction_of_triad": round(gbs(llama[1]) / limits["triad_gbs"], 3),
            "llamacpp_extra_bufts": extra_bufts,
            "seqc_peak_rss_mb": round(max(rss) / 2**20),
            "weights_file_mb": round(file_bytes / 2**20)}), flush=True)


if __name__ == "__main__":
    main()
