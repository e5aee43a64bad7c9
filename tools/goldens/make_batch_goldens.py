#!/usr/bin/env python3
"""Batched-source goldens for the encoder-decoder folders of test/Frontends/hf/seq2seq.

Three sources of different lengths (the folder's source_ids.npy, a shorter
and a longer one) are searched by transformers' generate() as one padded
batch (attention_mask over the padding), greedily and with beams. Each
source's result must equal generate() on that source alone — every
returned sequence equal, scores within 1e-5 — and is written to
batch.json:

  {"sources": [[ids]], "eos", "settings": {name: {"beams", "num_return",
   "max_new", "length_penalty", "early_stopping", "results": [[{"tokens",
   "score"}] per source]}}}

tokens are the generated ids (decoder start left out, EOS kept); greedy's
score is its sequence's sum of log-probabilities over its length (what one
beam scores, length_penalty 1), from generate's output scores.
Deterministic; needs torch and transformers.
  python3 tools/goldens/make_batch_goldens.py [--only NAME]
"""
import json
import os
import sys

import numpy as np
import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_beam_goldens import golden_models  # noqa: E402

SETTINGS = {
    "greedy": dict(beams=1, num_return=1, max_new=12, length_penalty=1.0,
                   early_stopping=False),
    "beams": dict(beams=4, num_return=2, max_new=12, length_penalty=0.8,
                  early_stopping=False),
}


def generate(model, sources, start, s, eos, pad):
    """transformers' generate on `sources` as one right-padded batch."""
    longest = max(map(len, sources))
    ids = torch.tensor([x + [pad] * (longest - len(x)) for x in sources])
    mask = torch.tensor([[1] * len(x) + [0] * (longest - len(x)) for x in sources])
    config = transformers.GenerationConfig(
        num_beams=s["beams"], num_return_sequences=s["num_return"],
        max_new_tokens=s["max_new"], length_penalty=s["length_penalty"],
        early_stopping=s["early_stopping"], do_sample=False,
        eos_token_id=eos, pad_token_id=pad, decoder_start_token_id=start,
        output_scores=True, return_dict_in_generate=True, use_cache=False)
    model.generation_config = transformers.GenerationConfig()
    with torch.no_grad():
        out = model.generate(ids, attention_mask=mask, generation_config=config)
    results = []
    for b in range(len(sources)):
        hyps = []
        for r in range(s["num_return"]):
            row = b * s["num_return"] + r
            seq = out.sequences[row].tolist()[1:]
            if eos in seq:
                seq = seq[:seq.index(eos) + 1]
            if s["beams"] > 1:
                score = out.sequences_scores[row].item()
            else:
                # Greedy: sum of the chosen tokens' log-probabilities / length.
                logp = [torch.log_softmax(step[row].float(), -1)[t].item()
                        for step, t in zip(out.scores, seq)]
                score = float(np.float32(sum(np.float32(x) for x in logp)) / len(seq))
            hyps.append(dict(tokens=seq, score=score))
        results.append(hyps)
    return results


def pick_eos(model, sources, start, pad):
    """A token the random model emits, chosen so that the sources' greedy
    searches end after different numbers of steps (the batch shrinks)."""
    free = dict(SETTINGS["greedy"], max_new=12)
    seen = set()
    for r in generate(model, sources, start, free, -1, pad):
        seen.update(r[0]["tokens"])
    best, eos = None, None
    for token in sorted(seen - {pad}):
        lengths = [len(r[0]["tokens"]) for r in generate(model, sources, start, free, token, pad)]
        rank = (len(set(lengths)), min(lengths) > 1)
        if best is None or rank > best:
            best, eos = rank, token
    return eos


def main():
    for name, folder, model, source in golden_models():
        if name == "whisper":  # token sources only
            continue
        start = model.config.decoder_start_token_id
        pad = model.config.pad_token_id
        rng = np.random.default_rng(7)
        vocab = model.config.vocab_size
        usable = [t for t in range(4, vocab - 1) if t != pad]
        sources = [source, [int(t) for t in rng.choice(usable, 3)],
                   [int(t) for t in rng.choice(usable, len(source) + 6)]]
        eos = pick_eos(model, sources, start, pad)
        golden = dict(sources=sources, eos=eos, settings={})
        for key, s in SETTINGS.items():
            batch = generate(model, sources, start, s, eos, pad)
            for i, src in enumerate(sources):
                alone = generate(model, [src], start, s, eos, pad)[0]
                for a, b in zip(alone, batch[i]):
                    assert a["tokens"] == b["tokens"], (name, key, i, a, b)
                    assert abs(a["score"] - b["score"]) <= 1e-5, (name, key, i, a, b)
            golden["settings"][key] = dict(s, results=batch)
            print(name, key, "eos", eos,
                  [[(len(h["tokens"]), round(h["score"], 4)) for h in r] for r in batch])
        with open(os.path.join(folder, "batch.json"), "w") as f:
            json.dump(golden, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
