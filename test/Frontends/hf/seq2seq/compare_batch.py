#!/usr/bin/env python3
"""Compares seqc's batched search with the goldens of make_batch_goldens.py.

    compare_batch.py SEQ_RUN MODEL.so GOLDEN_DIR

For each setting of GOLDEN_DIR/batch.json: `seq-run` with one --source-ids
per source (one batch, seq_beam_search_batch) from the decoder start,
every option given explicitly (nothing from generation_config.json). Each
source's hypotheses must equal transformers' batched generate() (which the
golden script checked equals generate() on each source alone), scores
within 1e-4 · (1 + |score|). Standard library only.
"""
import json
import os
import re
import subprocess
import sys

TOLERANCE = 1e-4


def main():
    seq_run, model, goldens = sys.argv[1:4]
    with open(os.path.join(goldens, "config.json")) as f:
        start = json.load(f)["decoder_start_token_id"]
    with open(os.path.join(goldens, "batch.json")) as f:
        g = json.load(f)
    for key, s in sorted(g["settings"].items()):
        early = {True: "true", False: "false", "never": "never"}[s["early_stopping"]]
        args = [seq_run, model, "--weights", goldens, "--threads", "2", "--prompt-ids", str(start)]
        for source in g["sources"]:
            args += ["--source-ids", ",".join(map(str, source))]
        args += ["--beams", str(s["beams"]), "--num-return", str(s["num_return"]),
                 "--max-new", str(s["max_new"]), "--length-penalty", str(s["length_penalty"]),
                 "--early-stopping", early, "--eos", str(g["eos"]), "--min-new", "0",
                 "--no-repeat-ngram", "0", "--suppress", "", "--forced-bos", "-1",
                 "--forced-eos", "-1", "--begin-suppress", ""]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"seq-run failed: {out.stderr}")
        got = {}
        for line in out.stdout.splitlines():
            m = re.match(r"source (\d+) beam (\d+) \(score ([-\d.e+]+)\):(.*)", line)
            if m:
                got[(int(m[1]), int(m[2]))] = (float(m[3]), [int(t) for t in m[4].split()])
        want = {(i, j): h for i, hyps in enumerate(s["results"]) for j, h in enumerate(hyps)}
        if set(got) != set(want):
            sys.exit(f"{key}: hypotheses {sorted(got)}, want {sorted(want)}")
        for (i, j), h in sorted(want.items()):
            score, tokens = got[(i, j)]
            if tokens != h["tokens"]:
                sys.exit(f"{key}: source {i} hypothesis {j}: {tokens}, transformers {h['tokens']}")
            if not abs(score - h["score"]) <= TOLERANCE * (1 + abs(h["score"])):
                sys.exit(f"{key}: source {i} hypothesis {j}: score {score}, "
                         f"transformers {h['score']}")
        lengths = sorted({len(h[0]["tokens"]) for h in s["results"]})
        print(f"{key}: {len(g['sources'])} sources, {len(want)} hypotheses equal "
              f"(first lengths {lengths}), scores within {TOLERANCE}")


if __name__ == "__main__":
    main()
