#!/usr/bin/env python3
"""Compares seqc's encoder-decoder runs with transformers' goldens.

    compare_seq2seq.py SEQ_RUN MODEL.so GOLDEN_DIR WORK_DIR

Two runs of `seq-run --source-ids` (or `--features` for a speech model's
source_features.npy: the encoder on the golden source, then
the decoder), each dumping every logits row (--dump-logits):
  teacher  the golden decoder input as the prompt: each of its rows against
           transformers' teacher-forced logits;
  greedy   the decoder start alone, then greedy decode: the tokens equal
           transformers' and each step's logits match (a cache-free full
           forward per step on its side, the KV and cross caches on seqc's).
Logits match within 1e-4 · (1 + |x|). Standard library only.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
from npy import read_npy  # noqa: E402

TOLERANCE = 1e-4


def compare(label, got, want, rows, vocab):
    worst = 0.0
    for i in range(rows * vocab):
        err = abs(got[i] - want[i])
        worst = max(worst, err / (1 + abs(want[i])))
        if not err <= TOLERANCE * (1 + abs(want[i])):
            sys.exit(f"{label}: row {i // vocab}, token {i % vocab}: {got[i]}, "
                     f"transformers {want[i]}")
    return worst


def run(seq_run, model, goldens, work, source, prompt, new, name):
    # A speech model's source is its features file (source_features.npy).
    source_args = (["--features", source] if isinstance(source, str)
                   else ["--source-ids", ",".join(map(str, source))])
    args = ([seq_run, model, "--weights", goldens, "--threads", "2"] + source_args +
            ["--prompt-ids", ",".join(map(str, prompt)), "--max-new", str(new),
             "--dump-logits", os.path.join(work, name)])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    shape, rows = read_npy(os.path.join(work, name))
    return [int(t) for t in out.split("generated:")[1].split()], shape, rows


def main():
    seq_run, model, goldens, work = sys.argv[1:5]
    features = os.path.join(goldens, "source_features.npy")
    source = (features if os.path.exists(features)
              else read_npy(os.path.join(goldens, "source_ids.npy"))[1])
    _, target = read_npy(os.path.join(goldens, "target_ids.npy"))
    (t, vocab), teacher = read_npy(os.path.join(goldens, "teacher_logits.npy"))
    _, greedy = read_npy(os.path.join(goldens, "greedy_ids.npy"))
    (g, _), greedy_logits = read_npy(os.path.join(goldens, "greedy_logits.npy"))

    _, shape, rows = run(seq_run, model, goldens, work, source, target, 1, "teacher.npy")
    worst = compare("teacher", rows, teacher, t, vocab)
    print(f"teacher-forced: {t} rows within {TOLERANCE} (worst {worst:.1e})")

    tokens, shape, rows = run(seq_run, model, goldens, work, source, target[:1], g,
                              "greedy.npy")
    if tokens != list(greedy):
        sys.exit(f"greedy: generated {tokens}, transformers {list(greedy)}")
    worst = compare("greedy", rows, greedy_logits, g, vocab)
    print(f"greedy: {g} tokens equal, their logits within {TOLERANCE} (worst {worst:.1e})")


if __name__ == "__main__":
    main()
