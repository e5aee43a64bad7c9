#!/usr/bin/env python3
"""Encoder-decoder translation: seqc against CTranslate2, greedy or beam search, one source or a batch.

A MarianMTModel with OPUS-MT en-de shapes (6 + 6 layers, d_model 512, 8
heads, FFN 2048, vocabulary 58101, scaled embeddings, swish; random weights)
is saved by transformers, imported and compiled by seqc, and converted by
CTranslate2's own converter (float32). Both translate the same source
greedily (or with --beams N beams) to exactly --target tokens (CTranslate2
with min and max decoding length set, seqc with --max-new and, for beams,
--min-new: no early end on EOS). One JSON line per
source length: target tokens/s over the whole translation (encode, then
each decoder step) and the encoder's source tokens/s, best of --repeat,
same thread count. (CTranslate2's Marian starts its decoder from a zero
embedding rather than the pad token's row, a difference of one token's
input, not of work.)

With --batch N, one line instead: N sources of lengths drawn between the
smallest and largest of --sources, translated as one batch (seq-run with N
--source-ids: seq_beam_search_batch; CTranslate2's translate_batch), every
source to exactly --target tokens; target tokens/s over the whole batch,
encoding included.

  python3 bench/seq2seq.py [--threads 2] [--sources 8,32] [--target 64]
                           [--beams 4] [--batch 16]

Needs ctranslate2, torch and transformers (pip); run after the README set-up.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-seq2seq")
BIN = os.path.join(ROOT, "build", "bin")

from measure import peak  # noqa: E402

OPUS_MT = dict(vocab_size=58101, decoder_vocab_size=58101, d_model=512, encoder_layers=6,
               decoder_layers=6, encoder_attention_heads=8, decoder_attention_heads=8,
               encoder_ffn_dim=2048, decoder_ffn_dim=2048, max_position_embeddings=512,
               scale_embedding=True, activation_function="swish", pad_token_id=58100,
               decoder_start_token_id=58100, eos_token_id=0, forced_eos_token_id=0)


def make_model(folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    import torch
    import transformers
    sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
    from make_hf_goldens import randomize_weights
    torch.manual_seed(0)
    model = transformers.MarianMTModel._from_config(transformers.MarianConfig(**OPUS_MT),
                                                    dtype=torch.float32)
    randomize_weights(model, 1)
    model.save_pretrained(folder, safe_serialization=True)


class Vocabulary:
    """What CTranslate2's converter reads of a tokenizer: token strings in id
    order (eos "</s>" = 0, unk "<unk>" = 1, pad "<pad>" last, as Marian's)."""

    def __init__(self, size):
        self.tokens = ["</s>", "<unk>"] + [f"t{i}" for i in range(2, size - 1)] + ["<pad>"]
        self.eos_token, self.unk_token, self.pad_token = "</s>", "<unk>", "<pad>"

    def get_vocab(self):
        return {t: i for i, t in enumerate(self.tokens)}


def convert(folder, out):
    if os.path.exists(os.path.join(out, "model.bin")):
        return
    import ctranslate2.converters.transformers as ct2
    vocab = Vocabulary(OPUS_MT["vocab_size"])
    # The random model has no tokenizer: hand the converter its vocabulary.
    ct2.TransformersConverter.load_tokenizer = lambda self, *a, **k: vocab
    ct2.TransformersConverter(folder).convert(out, force=True)


def decoder_bytes():
    d, f, layers = OPUS_MT["d_model"], OPUS_MT["decoder_ffn_dim"], OPUS_MT["decoder_layers"]
    return 4 * (layers * (6 * d * d + 2 * d * f) + OPUS_MT["vocab_size"] * d)


def seqc_run(so, folder, source, target, threads, beams):
    """(seconds for the whole translation, encoder seconds) from seq-run
    --stats."""
    args = [os.path.join(BIN, "seq-run"), so, "--weights", folder,
            "--source-ids", ",".join(map(str, source)),
            "--prompt-ids", str(OPUS_MT["decoder_start_token_id"]),
            "--max-new", str(target), "--threads", str(threads), "--stats"]
    if beams > 1:
        args += ["--beams", str(beams), "--min-new", str(target), "--length-penalty", "1"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    if beams > 1:
        encode = float(re.search(r"encode: \d+ tokens in ([\d.]+) ms", out).group(1)) / 1e3
        search = float(re.search(r"beam search: .* in ([\d.]+) ms", out).group(1)) / 1e3
        return encode + search, encode
    ms = {k: float(re.search(k + r": \d+ tokens in ([\d.]+) ms", out).group(1)) / 1e3
          for k in ("encode", "prefill", "decode")}
    return ms["encode"] + ms["prefill"] + ms["decode"], ms["encode"]


def seqc_batch(so, folder, sources, target, threads, beams):
    """Seconds for the whole batch (encoding included), from seq-run
    --stats."""
    args = [os.path.join(BIN, "seq-run"), so, "--weights", folder,
            "--prompt-ids", str(OPUS_MT["decoder_start_token_id"]),
            "--max-new", str(target), "--min-new", str(target), "--threads", str(threads),
            "--beams", str(beams), "--length-penalty", "1", "--stats"]
    for source in sources:
        args += ["--source-ids", ",".join(map(str, source))]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"batch: .* in ([\d.]+) ms", out).group(1)) / 1e3


def batch_line(a, so, folder, translator, compile_s):
    vocab = Vocabulary(OPUS_MT["vocab_size"]).tokens
    lengths = list(map(int, a.sources.split(",")))
    random.seed(0)
    sources = [[random.randrange(2, OPUS_MT["vocab_size"] - 1)
                for _ in range(random.randint(min(lengths), max(lengths)))]
               for _ in range(a.batch)]
    seqc = min(seqc_batch(so, folder, sources, a.target, a.threads, a.beams)
               for _ in range(a.repeat))
    batch = [[vocab[i] for i in source] + ["</s>"] for source in sources]
    best = float("inf")
    for _ in range(a.repeat + 1):  # the first call warms up
        t = time.perf_counter()
        result = translator.translate_batch(batch, beam_size=a.beams,
                                            max_decoding_length=a.target,
                                            min_decoding_length=a.target)
        best = min(best, time.perf_counter() - t)
    produced = sum(len(r.hypotheses[0]) for r in result)
    print(json.dumps({
        "bench": "seq2seq-batch", "model": "Marian, OPUS-MT en-de shapes, random",
        "threads": a.threads, "beams": a.beams, "batch": a.batch,
        "source_lengths": [len(s) for s in sources], "target": a.target,
        "ct2_target_tokens": produced,
        "seqc_target_tok_s": round(a.batch * a.target / seqc, 1),
        "ct2_target_tok_s": round(produced / best, 1),
        "ratio_seqc_over_ct2": round((a.batch * a.target / seqc) / (produced / best), 2),
        "seqc_import_compile_s": round(compile_s, 1)}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sources", default="8,32")
    p.add_argument("--target", type=int, default=64)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--beams", type=int, default=1)
    p.add_argument("--batch", type=int, default=0)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    print(json.dumps(peak(a.threads)), flush=True)
    folder = os.path.join(WORK, "opus-mt-shapes")
    make_model(folder)
    mlir, so = os.path.join(WORK, "marian.mlir"), os.path.join(WORK, "marian.so")
    t0 = time.perf_counter()
    subprocess.run([os.path.join(BIN, "seqc"), "import", "hf", folder, "-o", mlir], check=True)
    subprocess.run([os.path.join(BIN, "seqc"), mlir, "-o", so], check=True)
    compile_s = time.perf_counter() - t0
    ct2_dir = os.path.join(WORK, "opus-mt-shapes-ct2")
    convert(folder, ct2_dir)
    import ctranslate2
    translator = ctranslate2.Translator(ct2_dir, device="cpu", inter_threads=1,
                                        intra_threads=a.threads)
    if a.batch:
        batch_line(a, so, folder, translator, compile_s)
        return
    vocab = Vocabulary(OPUS_MT["vocab_size"]).tokens
    random.seed(0)
    for length in map(int, a.sources.split(",")):
        source = [random.randrange(2, OPUS_MT["vocab_size"] - 1) for _ in range(length)]
        seqc = min((seqc_run(so, folder, source, a.target, a.threads, a.beams)
                    for _ in range(a.repeat)), key=lambda r: r[0])
        tokens = [vocab[i] for i in source] + ["</s>"]
        best = float("inf")
        for _ in range(a.repeat + 1):  # the first call warms up
            t = time.perf_counter()
            result = translator.translate_batch([tokens], beam_size=a.beams,
                                                max_decoding_length=a.target,
                                                min_decoding_length=a.target)
            best = min(best, time.perf_counter() - t)
        produced = len(result[0].hypotheses[0])
        print(json.dumps({
            "bench": "seq2seq", "model": "Marian, OPUS-MT en-de shapes, random",
            "threads": a.threads, "beams": a.beams, "source": length, "target": a.target,
            "ct2_target_tokens": produced,
            "seqc_target_tok_s": round(a.target / seqc[0], 1),
            "ct2_target_tok_s": round(produced / best, 1),
            "ratio_seqc_over_ct2": round((a.target / seqc[0]) / (produced / best), 2),
            "seqc_encode_ms": round(seqc[1] * 1e3, 2),
            # The decoder's weights a step reads (self-attention, cross q/o,
            # MLP, the LM head), f32, at the whole translation's rate.
            "seqc_decoder_weights_gb_s": round(decoder_bytes() * a.target / seqc[0] / 1e9, 1),
            "seqc_import_compile_s": round(compile_s, 1)}), flush=True)


if __name__ == "__main__":
    main()
