#!/usr/bin/env python3
"""Compares seqc's beam search with the goldens of make_beam_goldens.py.

    compare_beams.py SEQ_RUN MODEL.so GOLDEN_DIR

For each beam_<setting>.json in GOLDEN_DIR: `seq-run --beams` on the
folder's source (its ids, or a speech model's features) from its decoder start (config.json's
decoder_start_token_id), every option given explicitly (--suppress '' and
--forced-eos -1 so that nothing comes from generation_config.json). Each
returned hypothesis must equal the golden's tokens, its score within
1e-4 · (1 + |score|). Standard library only.
"""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lib"))
from npy import read_npy  # noqa: E402

TOLERANCE = 1e-4


def main():
    seq_run, model, goldens = sys.argv[1:4]
    with open(os.path.join(goldens, "config.json")) as f:
        start = json.load(f)["decoder_start_token_id"]
    # A speech model's source is its features file.
    features = os.path.join(goldens, "source_features.npy")
    if os.path.exists(features):
        source_args = ["--features", features]
    else:
        ids = [int(x) for x in read_npy(os.path.join(goldens, "source_ids.npy"))[1]]
        source_args = ["--source-ids", ",".join(map(str, ids))]
    for path in sorted(glob.glob(os.path.join(goldens, "beam_*.json"))):
        with open(path) as f:
            g = json.load(f)
        early = {True: "true", False: "false", "never": "never"}[g["early_stopping"]]
        args = [seq_run, model, "--weights", goldens, "--threads", "2",
                *source_args, "--prompt-ids", str(start),
                "--beams", str(g["beams"]), "--num-return", str(g["num_return"]),
                "--max-new", str(g["max_new"]), "--length-penalty", str(g["length_penalty"]),
                "--early-stopping", early, "--eos", str(g["eos"]),
                "--min-new", str(g["min_new"]), "--no-repeat-ngram", str(g["no_repeat_ngram"]),
                "--suppress", "", "--forced-bos", "-1", "--forced-eos", "-1",
                "--begin-suppress", ",".join(map(str, g.get("begin_suppress_ids", [])))]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"seq-run failed: {out.stderr}")
        lines = [l for l in out.stdout.splitlines() if l.startswith("beam ")]
        name = os.path.basename(path)
        if len(lines) != len(g["hypotheses"]):
            sys.exit(f"{name}: {len(lines)} hypotheses, want {len(g['hypotheses'])}")
        for i, (line, want) in enumerate(zip(lines, g["hypotheses"])):
            head, _, ids = line.partition(":")
            score = float(head.split("score ")[1].rstrip(")"))
            tokens = [int(t) for t in ids.split()]
            if tokens != want["tokens"]:
                sys.exit(f"{name}: hypothesis {i}: {tokens}, transformers {want['tokens']}")
            if not abs(score - want["score"]) <= TOLERANCE * (1 + abs(want["score"])):
                sys.exit(f"{name}: hypothesis {i}: score {score}, transformers {want['score']}")
        print(f"{name}: {len(lines)} hypotheses equal, scores within {TOLERANCE}")


if __name__ == "__main__":
    main()
