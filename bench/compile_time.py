#!/usr/bin/env python3
"""Compile time of a Llama-shaped model against its depth.

    python3 bench/compile_time.py [--shape tinyllama|llama3-8b] [--layers 1,2,4] [--cache]
    python3 bench/compile_time.py --shape tiny --layers 3 --write DIR   # a runnable folder

For each depth, writes a Hugging Face folder (config.json and a
model.safetensors whose header lists every tensor at its real size; the
data is a hole in a sparse file, so an 8B model takes no disk), then times
`seqc import hf` and `seqc model.mlir -o model.so --time-report` (1 process,
wall clock). Prints one JSON line per depth: seconds for the import and the
compile, and the compile's phases from --time-report (MLIR passes, LLVM
optimisation, code generation, link). Only shapes matter: nothing is run.
Standard library only.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = {
    # hidden, intermediate, heads, kv heads, vocab
    "tinyllama": (2048, 5632, 32, 4, 32000),
    "llama3-8b": (4096, 14336, 32, 8, 128256),
    "tiny": (32, 48, 4, 2, 64),  # for tests (--write)
}


def write_folder(path, shape, layers, fill=False):
    """The folder for `layers` layers; with `fill`, the weights hold small
    values (norms 1, the rest a repeating pattern in +-0.02) so that the
    model can run, else the data is a hole."""
    hidden, inter, heads, kv, vocab = shape
    head_dim = hidden // heads
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1,
        "eos_token_id": 2, "head_dim": head_dim, "hidden_act": "silu",
        "hidden_size": hidden, "initializer_range": 0.02,
        "intermediate_size": inter, "max_position_embeddings": 4096,
        "mlp_bias": False, "num_attention_heads": heads,
        "num_hidden_layers": layers, "num_key_value_heads": kv,
        "pretraining_tp": 1, "rms_norm_eps": 1e-5,
        "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
        "tie_word_embeddings": False, "use_cache": True, "vocab_size": vocab,
        "dtype": "float32",
    }
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    tensors = [("model.embed_tokens.weight", [vocab, hidden])]
    for i in range(layers):
        p = f"model.layers.{i}."
        tensors += [
            (p + "input_layernorm.weight", [hidden]),
            (p + "self_attn.q_proj.weight", [heads * head_dim, hidden]),
            (p + "self_attn.k_proj.weight", [kv * head_dim, hidden]),
            (p + "self_attn.v_proj.weight", [kv * head_dim, hidden]),
            (p + "self_attn.o_proj.weight", [hidden, heads * head_dim]),
            (p + "post_attention_layernorm.weight", [hidden]),
            (p + "mlp.gate_proj.weight", [inter, hidden]),
            (p + "mlp.up_proj.weight", [inter, hidden]),
            (p + "mlp.down_proj.weight", [hidden, inter]),
        ]
    tensors += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    header, offset = {}, 0
    for name, dims in tensors:
        size = 4
        for d in dims:
            size *= d
        header[name] = {"dtype": "F32", "shape": dims, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        if not fill:
            f.truncate(8 + len(text) + offset)  # the data: a hole
            return
        pattern = struct.pack("<4096f", *(((i * 7919) % 4001 - 2000) * 1e-5 for i in range(4096)))
        ones = struct.pack("<f", 1.0) * 4096
        for name, dims in tensors:
            size = header[name]["data_offsets"][1] - header[name]["data_offsets"][0]
            block = ones if name.endswith("norm.weight") else pattern
            while size > 0:
                f.write(block[:min(size, len(block))])
                size -= len(block)


def phases(report):
    """Seconds per top-level phase of seqc --time-report."""
    out = {}
    parallel = re.search(r"LLVM optimisation and code generation \(\d+ partitions\)", report)
    for name in ("MLIR passes", "translation to LLVM IR", "LLVM optimisation",
                 "LLVM code generation", "link") + ((parallel.group(0),) if parallel else ()):
        # "  wall (pct)  NAME", or "  user (pct)  wall (pct)  NAME".
        m = re.search(r"^\s*([0-9.]+) \(\s*[0-9.]+%\)(?:\s+([0-9.]+) \(\s*[0-9.]+%\))?\s+"
                      + re.escape(name) + r"\s*$", report, re.M)
        if m:
            out[name] = float(m.group(2) or m.group(1))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", default="tinyllama", choices=sorted(SHAPES))
    p.add_argument("--layers", default="1,2,4")
    p.add_argument("--seqc-flags", default="",
                   help="extra seqc flags, e.g. --codegen-parts=1")
    p.add_argument("--cache", action="store_true",
                   help="one object cache for the run, empty at its start: each "
                        "depth is compiled after the previous ones filled it "
                        "(compile_s), then again (warm_s); default: no cache")
    p.add_argument("--write", metavar="DIR",
                   help="only write the folder of --shape and --layers (one depth) with "
                        "small deterministic weights to DIR")
    a = p.parse_args()
    if a.write:
        write_folder(a.write, SHAPES[a.shape], int(a.layers), fill=True)
        return
    seqc = os.environ.get("SEQC", os.path.join(ROOT, "build", "bin", "seqc"))
    work = tempfile.mkdtemp(prefix="seqc-compile-time-")
    cache = ["--cache-dir=" + os.path.join(work, "cache")] if a.cache else ["--no-cache"]
    for layers in map(int, a.layers.split(",")):
        folder = os.path.join(work, f"{a.shape}-{layers}")
        write_folder(folder, SHAPES[a.shape], layers)
        mlir, so = folder + ".mlir", folder + ".so"
        t0 = time.perf_counter()
        subprocess.run([seqc, "import", "hf", folder, "-o", mlir], check=True)
        t1 = time.perf_counter()
        command = [seqc, mlir, "-o", so, "--time-report"] + cache + a.seqc_flags.split()
        run = subprocess.run(command, check=True, capture_output=True, text=True)
        t2 = time.perf_counter()
        result = {"bench": "compile_time", "shape": a.shape, "layers": layers,
                  "seqc_flags": a.seqc_flags, "cache": a.cache,
                  "import_s": round(t1 - t0, 2), "compile_s": round(t2 - t1, 2),
                  "phases_s": phases(run.stderr)}
        if a.cache:
            reused = re.search(r"object cache: (\d+) of (\d+)", run.stderr)
            result["partitions_reused"] = [int(reused.group(1)), int(reused.group(2))]
            t3 = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            result["warm_s"] = round(time.perf_counter() - t3, 2)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
