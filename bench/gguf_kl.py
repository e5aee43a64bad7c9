#!/usr/bin/env python3
"""Accuracy of seqc and llama.cpp on the same GGUF file.

The model and files are bench/gguf_llamacpp.py's (TinyLlama shapes, random
weights, llama.cpp's converter and quantizer). The reference is the file
dequantized to f32 by transformers (`from_pretrained(gguf_file=...)`,
gguf-py's dequantization) and its full forward over a random prompt; each
side's logits of every prompt position (seqc: `seq-run --logits-out`;
llama.cpp: llama-cpp-python with logits_all) are compared with it: mean and
max KL(reference || side) of the next-token distributions, top-1 agreement,
max |logit error|. One JSON line per format.

  python3 bench/gguf_kl.py [--formats Q8_0,Q4_0,Q4_K_M,Q6_K] [--layers 2]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-llama")
BIN = os.path.join(ROOT, "build", "bin")

from gguf_llamacpp import quantize  # noqa: E402
from llama_e2e import SHAPES, make_model  # noqa: E402
from llamacpp_peer import f32_gguf, open_llamacpp  # noqa: E402


def compare(ref, logits):
    import numpy as np
    ref = ref.astype(np.float64)
    logits = logits.astype(np.float64)

    def log_softmax(x):
        m = x.max(-1, keepdims=True)
        return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))

    lr, lt = log_softmax(ref), log_softmax(logits)
    kl = np.maximum((np.exp(lr) * (lr - lt)).sum(-1), 0)
    return {"kl_mean": float(kl.mean()), "kl_max": float(kl.max()),
            "top1": float((ref.argmax(-1) == logits.argmax(-1)).mean()),
            "max_abs_logit_error": float(np.abs(ref - logits).max())}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--formats", default="Q8_0,Q4_0,Q4_K_M,Q6_K")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--prompt", type=int, default=128)
    p.add_argument("--shape", choices=sorted(SHAPES), default="tinyllama")
    a = p.parse_args()
    import numpy as np
    import torch
    import transformers
    name = f"{a.shape}-{a.layers}l"
    folder = os.path.join(WORK, name)
    make_model(a.shape, a.layers, folder)
    source = f32_gguf(folder, os.path.join(WORK, f"{name}-f32.gguf"), WORK, vocab=False)
    random.seed(1)
    prompt = [random.randrange(SHAPES[a.shape]["vocab_size"]) for _ in range(a.prompt)]
    for fmt in a.formats.split(","):
        gguf_path = quantize(source, os.path.join(WORK, f"{name}-{fmt}.gguf"), fmt)
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(gguf_path, os.path.join(tmp, "model.gguf"))
            model = transformers.LlamaForCausalLM.from_pretrained(
                tmp, gguf_file="model.gguf", dtype=torch.float32,
                vocab_size=SHAPES[a.shape]["vocab_size"])
        model.eval()
        with torch.no_grad():
            ref = model(input_ids=torch.tensor([prompt]), use_cache=False).logits[0].numpy()
        del model
        mlir = os.path.join(WORK, f"{name}-gguf-{fmt}.mlir")
        so = mlir[:-5] + ".so"
        subprocess.run([os.path.join(BIN, "seqc"), "import", "gguf", gguf_path, "-o", mlir,
                        "--max-positions", str(a.prompt + 8)], check=True)
        subprocess.run([os.path.join(BIN, "seqc"), mlir, "-o", so], check=True)
        out = os.path.join(WORK, f"{name}-{fmt}-logits.npy")
        subprocess.run([os.path.join(BIN, "seq-run"), so, "--weights", gguf_path,
                        "--prompt-ids", ",".join(map(str, prompt)), "--logits-out", out],
                       check=True, capture_output=True)
        seqc = np.load(out)
        llm = open_llamacpp(gguf_path, 2, a.prompt + 8, a.prompt, extra_bufts=False,
                            logits_all=True)
        llm.reset()
        llm.eval(prompt)
        llama = np.array(llm.scores[:len(prompt)])
        del llm
        print(json.dumps({"bench": "gguf_kl", "format": fmt,
                          "model": f"{a.shape} shapes, {a.layers} layers, random",
                          "positions": len(prompt),
                          "seqc": compare(ref, seqc), "llama_cpp": compare(ref, llama)}),
              flush=True)


if __name__ == "__main__":
    main()
