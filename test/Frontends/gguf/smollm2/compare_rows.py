#!/usr/bin/env python3
"""Compares seqc on the real SmolLM2-135M-Instruct Q4_1 GGUF with transformers.

    compare_rows.py SEQ_RUN MODEL.so MODEL.gguf GOLDEN_DIR WORK_DIR

Two runs of the compiled model on the published file, each writing every
logits row (--dump-logits: the prompt's positions, then one per generated
token):
  ids   the golden prompt ids, 12 greedy tokens: the tokens must equal
        transformers' (cache-free full forward on the file dequantized by
        gguf-py) and every row must match;
  chat  the user message as text with --chat: the file's own chat template
        and tokenizer must give the same prompt (its rows match the
        golden's) and the streamed answer must be transformers' text up to
        its first <|im_end|>.
A row matches when its argmax is the golden's and its logits at the golden
row's top ids are within TOLERANCE of transformers'. Standard library only.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
from npy import read_npy  # noqa: E402

TOLERANCE = 2e-3  # measured worst: 2.8e-4 on logits up to 38


def compare(label, rows_path, goldens, count):
    """Worst error over the first `count` rows; exits on a mismatch."""
    (n, vocab), rows = read_npy(rows_path)
    (_, top), golden = read_npy(os.path.join(goldens, "rows.npy"))
    _, ids = read_npy(os.path.join(goldens, "row_ids.npy"))
    if n < count:
        sys.exit(f"{label}: {n} logits rows, expected at least {count}")
    worst = 0.0
    for r in range(count):
        row = rows[r * vocab:(r + 1) * vocab]
        best = max(range(vocab), key=row.__getitem__)
        if best != ids[r * top]:
            sys.exit(f"{label}: row {r}: argmax {best}, transformers' {ids[r * top]}")
        for j in range(top):
            err = abs(row[ids[r * top + j]] - golden[r * top + j])
            worst = max(worst, err)
            if not err <= TOLERANCE:
                sys.exit(f"{label}: row {r}: logit of {ids[r * top + j]} is "
                         f"{row[ids[r * top + j]]}, transformers' {golden[r * top + j]}")
    return worst


def main():
    seq_run, model, gguf, goldens, work = sys.argv[1:6]
    with open(os.path.join(goldens, "case.json")) as f:
        case = json.load(f)
    _, prompt = read_npy(os.path.join(goldens, "prompt_ids.npy"))
    _, tokens = read_npy(os.path.join(goldens, "decode_tokens.npy"))
    base = [seq_run, model, "--weights", gguf, "--threads", "2"]

    out = subprocess.run(base + ["--prompt-ids", ",".join(map(str, prompt)),
                                 "--max-new", str(len(tokens)),
                                 "--dump-logits", os.path.join(work, "ids.npy")],
                         check=True, capture_output=True, text=True).stdout
    generated = [int(t) for t in out.split("generated:")[1].split()]
    if generated != list(tokens):
        sys.exit(f"ids: generated {generated}, transformers {list(tokens)}")
    worst = compare("ids", os.path.join(work, "ids.npy"), goldens,
                    len(prompt) + len(tokens) - 1)
    print(f"ids: {len(tokens)} tokens equal, {len(prompt) + len(tokens) - 1} rows "
          f"within {TOLERANCE} (worst {worst:.1e})")

    out = subprocess.run(base + ["--chat", "--prompt", case["message"],
                                 "--max-new", str(len(tokens)),
                                 "--dump-logits", os.path.join(work, "chat.npy")],
                         check=True, capture_output=True, text=True).stdout
    answer = case["generated_text"].split("<|im_end|>")[0]
    if out.strip() != answer:
        sys.exit(f"chat: answered {out!r}, transformers {answer!r}")
    answered = len(answer) and answer.count(" ") + 1
    worst = compare("chat", os.path.join(work, "chat.npy"), goldens, len(prompt))
    print(f"chat: {answer!r} ({answered} words); the {len(prompt)} prompt rows within "
          f"{TOLERANCE} (worst {worst:.1e})")


if __name__ == "__main__":
    main()
