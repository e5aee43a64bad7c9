#!/usr/bin/env python3
"""Beam-search goldens for the encoder-decoder folders of test/Frontends/hf/seq2seq.

For each folder (made by make_seq2seq_goldens.py) and each setting below,
beam search from the decoder start over the folder's source_ids.npy is run
twice: by a plain reference written here over transformers' cache-free full
forward (one forward per beam and step), and by transformers'
generate(num_beams=...) (Whisper: the reference alone, its generate() adds
timestamp and language rules; its source is source_features.npy). The two
must agree — every returned sequence equal,
scores within 1e-5 — and the result is written to beam_<setting>.json:

  {"beams", "num_return", "max_new", "length_penalty", "early_stopping",
   "eos", "min_new", "no_repeat_ngram", "hypotheses": [{"tokens", "score"}]}

tokens are the generated ids (the decoder start left out, EOS kept).
The EOS id is chosen per model as a token the random model often
predicts, so that hypotheses end on it; on a real checkpoint it is the
config's. Deterministic; needs torch and transformers.
  python3 tools/goldens/make_beam_goldens.py [--only NAME]
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIR = os.path.join(ROOT, "test", "Frontends", "hf", "seq2seq")
MODELS = ["marian", "bart", "mbart", "t5", "whisper"]
IMPOSSIBLE = -1.0e9

SETTINGS = {
    # transformers' defaults for early stopping, a length penalty != 1.
    "lp": dict(beams=4, num_return=4, max_new=14, length_penalty=0.8,
               early_stopping=False, min_new=0, no_repeat_ngram=0),
    # early_stopping=True, "never", min_new_tokens, no_repeat_ngram_size.
    "constrained": dict(beams=3, num_return=2, max_new=12, length_penalty=1.3,
                        early_stopping=True, min_new=3, no_repeat_ngram=2),
    "never": dict(beams=5, num_return=3, max_new=10, length_penalty=0.0,
                  early_stopping="never", min_new=0, no_repeat_ngram=0),
    # begin_suppress_tokens: the EOS and greedy's first token are not
    # generated first (Whisper suppresses its blank and EOS so).
    "begin": dict(beams=4, num_return=2, max_new=8, length_penalty=1.0,
                  early_stopping=False, min_new=0, no_repeat_ngram=0,
                  begin_suppress="eos+first"),
}


def is_speech(model):
    return model.config.model_type == "whisper"


def encoder_inputs(model, source):
    """The encoder's input: token ids, or a speech model's log-mel features."""
    if is_speech(model):
        return dict(input_features=torch.tensor(np.asarray(source))[None])
    return dict(input_ids=torch.tensor([source]))


def last_logits(model, source, target):
    """The decoder's logits at the last target position, no cache."""
    with torch.no_grad():
        out = model(**encoder_inputs(model, source),
                    decoder_input_ids=torch.tensor([target]), use_cache=False)
    return out.logits[0, -1].float()


def reference(model, source, start, s, eos):
    """Beam search as transformers defines it, written out plainly."""
    beams, prompt_len = s["beams"], 1
    max_len = prompt_len + s["max_new"]
    keep = 2 * beams
    lp, early = s["length_penalty"], s["early_stopping"]
    running = [([start], 0.0 if b == 0 else IMPOSSIBLE) for b in range(beams)]
    finished = [([], IMPOSSIBLE, False)] * beams
    improvable = True
    length = prompt_len
    while True:
        flat = []
        for seq, score in running:
            logp = torch.log_softmax(last_logits(model, source, seq), -1)
            n = s["no_repeat_ngram"]
            if n and length + 1 >= n:
                prefix = seq[length + 1 - n:]
                for i in range(length - n + 1):
                    if seq[i:i + n - 1] == prefix:
                        logp[seq[i + n - 1]] = -float("inf")
            if length - prompt_len < s["min_new"]:
                logp[eos] = -float("inf")
            if length == prompt_len:
                for token in s.get("begin_suppress_ids", []):
                    logp[token] = -float("inf")
            flat.append(logp + torch.tensor(score, dtype=torch.float32))
        flat = torch.cat(flat)
        vocab = flat.numel() // beams
        values, indices = torch.topk(flat, keep)
        cands = []
        for v, i in zip(values.tolist(), indices.tolist()):
            parent, token = divmod(i, vocab)
            seq = running[parent][0] + [token]
            stops = token == eos or length + 1 >= max_len
            cands.append((seq, np.float32(v), stops))
        all_done = all(f[2] for f in finished)
        divisor = np.float32((length + 1 - prompt_len) ** lp)
        merged = [(f[1], f) for f in finished]
        for k, (seq, v, stops) in enumerate(cands):
            score = np.float32(v / divisor)
            just_done = stops and k < beams
            if all_done and early is True:
                score = np.float32(score + np.float32(IMPOSSIBLE))
            if not improvable:
                score = np.float32(score + np.float32(IMPOSSIBLE))
            if not just_done:
                score = np.float32(score + np.float32(IMPOSSIBLE))
            merged.append((score, (seq, score, just_done)))
        order = sorted(range(len(merged)), key=lambda m: (-merged[m][0], m))
        finished = [merged[m][1] for m in order[:beams]]
        run_scores = [np.float32(v + (np.float32(IMPOSSIBLE) if st else 0)) for _, v, st in cands]
        order = sorted(range(keep), key=lambda k: (-run_scores[k], k))[:beams]
        running = [(cands[k][0], float(run_scores[k])) for k in order]
        length += 1
        hyp_len = max_len - prompt_len if early == "never" and lp > 0 else length - prompt_len
        best = np.float32(np.float32(running[0][1]) / np.float32(hyp_len ** lp))
        worst = min(f[1] for f in finished)
        improvable = improvable and any(best > (worst if f[2] else IMPOSSIBLE) for f in finished)
        done = all(f[2] for f in finished)
        if not improvable or (done and early is True) or all(c[2] for c in cands):
            break
    return [(f[0][prompt_len:], float(f[1])) for f in finished[:s["num_return"]]]


def with_transformers(model, source, start, s, eos, pad):
    config = transformers.GenerationConfig(
        num_beams=s["beams"], num_return_sequences=s["num_return"],
        max_new_tokens=s["max_new"], length_penalty=s["length_penalty"],
        early_stopping=s["early_stopping"], do_sample=False,
        min_new_tokens=s["min_new"] or None,
        no_repeat_ngram_size=s["no_repeat_ngram"] or None,
        eos_token_id=eos, pad_token_id=pad, decoder_start_token_id=start,
        begin_suppress_tokens=s.get("begin_suppress_ids") or None,
        output_scores=True, return_dict_in_generate=True, use_cache=False)
    # Nothing from the folder's generation_config.json (forced EOS, ...).
    model.generation_config = transformers.GenerationConfig()
    with torch.no_grad():
        out = model.generate(**encoder_inputs(model, source), generation_config=config)
    hyps = []
    for seq, score in zip(out.sequences.tolist(), out.sequences_scores.tolist()):
        seq = seq[1:]
        if eos in seq:
            seq = seq[:seq.index(eos) + 1]
        else:
            seq = [t for t in seq if t != pad] if pad != eos else seq
        hyps.append((seq, score))
    return hyps


def frequent_token(model, source, start):
    """The token greedy decoding emits most often over 12 steps."""
    seq = [start]
    for _ in range(12):
        seq.append(int(torch.argmax(last_logits(model, source, seq))))
    values, counts = np.unique(seq[1:], return_counts=True)
    return int(values[np.argmax(counts)])


def golden_models():
    """(name, folder, model, source ids) of each folder (--only NAME: one)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--only")
    args = parser.parse_args()
    for name in MODELS:
        if args.only and name != args.only:
            continue
        folder = os.path.join(DIR, name)
        features = os.path.join(folder, "source_features.npy")
        auto = (transformers.AutoModelForSpeechSeq2Seq if os.path.exists(features)
                else transformers.AutoModelForSeq2SeqLM)
        model = auto.from_pretrained(folder).eval()
        if os.path.exists(features):  # a speech model: [mels, frames]
            source = np.load(features)
        else:
            source = np.load(os.path.join(folder, "source_ids.npy")).tolist()
        yield name, folder, model, source


def main():
    torch.manual_seed(0)
    for name, folder, model, source in golden_models():
        start = model.config.decoder_start_token_id
        pad = model.config.pad_token_id
        eos = frequent_token(model, source, start)
        first = int(torch.argmax(last_logits(model, source, [start])))
        for key, s in SETTINGS.items():
            if s.get("begin_suppress") == "eos+first":
                s = dict(s, begin_suppress_ids=sorted({eos, first}))
            ref = reference(model, source, start, s, eos)
            # Whisper's generate() adds its own rules (timestamps, forced
            # language and task tokens): the plain reference alone.
            got = [] if is_speech(model) else with_transformers(model, source, start, s, eos, pad)
            for (rt, rs), (gt, gs) in zip(ref, got):
                # transformers pads a sequence that ended early with pad
                # (or EOS) up to the longest; compare the reference's length.
                assert gt[:len(rt)] == rt, (name, key, rt, gt)
                assert abs(rs - gs) <= 1e-5, (name, key, rs, gs)
            golden = dict(s, eos=eos, hypotheses=[dict(tokens=t, score=sc) for t, sc in ref])
            golden.pop("begin_suppress", None)
            with open(os.path.join(folder, f"beam_{key}.json"), "w") as f:
                json.dump(golden, f, indent=1)
                f.write("\n")
            print(name, key, "eos", eos, [(len(t), round(sc, 4)) for t, sc in ref])


if __name__ == "__main__":
    main()
