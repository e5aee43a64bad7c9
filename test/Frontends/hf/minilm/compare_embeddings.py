#!/usr/bin/env python3
"""Compares seqc's MiniLM sentence embeddings with sentence-transformers'.

    compare_embeddings.py SEQ_RUN MODEL.so WEIGHTS_DIR GOLDEN_DIR WORK_DIR

Runs the compiled model's `embed` entry on each golden sentence as text
(seq-run --entry embed --text: the model folder's own tokenizer.json, a
WordPiece/BERT tokenizer with truncation and padding set), and again on the
token ids sentence-transformers made, reads the mean-pooled outputs, and
requires both to have cosine similarity >= 0.9999 with the golden
embedding (sentence-transformers normalises; cosine does not care).
Standard library only.
"""
import json
import math
import os
import struct
import subprocess
import sys


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode()
    shape = tuple(int(x) for x in header.split("(")[1].split(")")[0].split(",") if x.strip())
    assert "'<f4'" in header, header
    count = math.prod(shape)
    return shape, struct.unpack(f"<{count}f", data[10 + header_len:10 + header_len + 4 * count])


def main():
    seq_run, model, weights, goldens, work = sys.argv[1:6]
    with open(os.path.join(goldens, "sentences.json")) as f:
        cases = json.load(f)
    shape, golden = read_npy(os.path.join(goldens, "embeddings.npy"))
    dim = shape[1]
    worst = 1.0
    for k, (text, ids) in enumerate(zip(cases["sentences"], cases["input_ids"])):
        ref = golden[k * dim:(k + 1) * dim]
        cosines = []
        for how, arg in (("--text", text), ("--prompt-ids", ",".join(map(str, ids)))):
            prefix = os.path.join(work, f"sentence{k}{how}")
            subprocess.run([seq_run, model, "--weights", weights, "--entry", "embed",
                            how, arg, "--dump-outputs", prefix],
                           check=True, stdout=subprocess.DEVNULL)
            _, ours = read_npy(prefix + "-1.npy")
            dot = sum(a * b for a, b in zip(ours, ref))
            cosines.append(dot / (math.sqrt(sum(a * a for a in ours)) *
                                  math.sqrt(sum(b * b for b in ref))))
        worst = min(worst, *cosines)
        print(f"sentence {k} ({len(ids)} tokens): cosine {cosines[0]:.7f} from text, "
              f"{cosines[1]:.7f} from ids")
    print(f"worst cosine {worst:.7f}")
    if worst < 0.9999:
        sys.exit("FAIL: an embedding differs from sentence-transformers (cosine < 0.9999)")


if __name__ == "__main__":
    main()
