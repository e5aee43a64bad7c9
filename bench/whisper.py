#!/usr/bin/env python3
"""Speech to text: seqc against CTranslate2 (faster-whisper's engine), greedy.

A WhisperForConditionalGeneration with whisper-tiny's shapes (4 + 4
layers, d_model 384, 6 heads, FFN 1536, 80 mel bins, 1500 source
positions, vocabulary 51865; random weights) is saved by transformers,
imported and compiled by seqc, and converted by CTranslate2's own converter
(float32). Both take the same 30 s of log-mel features (seqc's front end on
synthetic audio) and decode greedily from Whisper's 4-token prompt to
exactly --target new tokens (CTranslate2 with the EOS suppressed, seqc with
--max-new: no early end). One JSON line: the encoder's time on the 30 s
window, the decoder's target tokens/s, and the whole transcription's time;
best of --repeat, same thread count.

  python3 bench/whisper.py [--threads 2] [--target 64]

Needs ctranslate2, torch and transformers (pip); run after the README set-up.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
WORK = os.path.join(ROOT, "build", "bench-whisper")
BIN = os.path.join(ROOT, "build", "bin")

from measure import peak  # noqa: E402

TINY = dict(vocab_size=51865, num_mel_bins=80, d_model=384, encoder_layers=4,
            decoder_layers=4, encoder_attention_heads=6, decoder_attention_heads=6,
            encoder_ffn_dim=1536, decoder_ffn_dim=1536, max_source_positions=1500,
            max_target_positions=448, pad_token_id=50257, bos_token_id=50257,
            eos_token_id=50257, decoder_start_token_id=50258)
PROMPT = [50258, 50259, 50359, 50363]  # start, <|en|>, transcribe, no timestamps


def make_model(folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    import torch
    import transformers
    sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
    from make_hf_goldens import randomize_weights
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration._from_config(
        transformers.WhisperConfig(**TINY), dtype=torch.float32)
    randomize_weights(model, 1)
    model.save_pretrained(folder, safe_serialization=True)


class Vocabulary:
    """What CTranslate2's converter reads of a tokenizer: token strings in id
    order, no language tokens."""

    SPECIAL = {50257: "<|endoftext|>", 50258: "<|startoftranscript|>", 50259: "<|en|>",
               50358: "<|translate|>", 50359: "<|transcribe|>", 50360: "<|startoflm|>",
               50361: "<|startofprev|>", 50362: "<|nocaptions|>", 50363: "<|notimestamps|>"}

    def __init__(self, size):
        # CTranslate2 finds the prompt's special tokens by name.
        self.tokens = [self.SPECIAL.get(i, f"t{i}") for i in range(size)]
        self.additional_special_tokens = []
        self.unk_token = "t0"

    def get_vocab(self):
        return {t: i for i, t in enumerate(self.tokens)}


def convert(folder, out):
    if os.path.exists(os.path.join(out, "model.bin")):
        return
    import ctranslate2.converters.transformers as ct2
    vocab = Vocabulary(TINY["vocab_size"])
    ct2.TransformersConverter.load_tokenizer = lambda self, *a, **k: vocab
    ct2.TransformersConverter(folder).convert(out, force=True)


def features(path):
    """30 s of log-mel features of a synthetic voice-like signal, from
    seqc's own front end (seq-run is not needed: the C API through ctypes
    would do the same; the golden script's recipe, longer)."""
    rate = 16000
    t = np.arange(rate * 20) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(h * phase) / h for h in range(1, 12))
    audio = (0.2 * voice * np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)).astype(np.float32)
    import ctypes
    lib = ctypes.CDLL(os.path.join(ROOT, "build", "lib", "libseqrt.so"))
    out = np.zeros((80, 3000), dtype=np.float32)
    status = lib.seq_whisper_log_mel(
        audio.ctypes.data_as(ctypes.c_void_p), ctypes.c_size_t(audio.size),
        ctypes.c_size_t(80), ctypes.c_size_t(3000), out.ctypes.data_as(ctypes.c_void_p))
    assert status == 0, status
    np.save(path, out)
    return out


def seqc_run(so, folder, feats, target, threads):
    """(encode seconds, decode seconds for `target` tokens, total)."""
    out = subprocess.run([os.path.join(BIN, "seq-run"), so, "--weights", folder,
                          "--features", feats, "--prompt-ids", ",".join(map(str, PROMPT)),
                          "--max-new", str(target), "--threads", str(threads), "--stats"],
                         check=True, capture_output=True, text=True).stdout
    ms = {k: float(re.search(k + r": \d+ tokens in ([\d.]+) ms", out).group(1)) / 1e3
          for k in ("encode", "prefill", "decode")}
    return ms["encode"], ms["prefill"] + ms["decode"], sum(ms.values())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--target", type=int, default=64)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    print(json.dumps(peak(a.threads)), flush=True)
    folder = os.path.join(WORK, "whisper-tiny-shapes")
    make_model(folder)
    mlir, so = os.path.join(WORK, "whisper.mlir"), os.path.join(WORK, "whisper.so")
    t0 = time.perf_counter()
    subprocess.run([os.path.join(BIN, "seqc"), "import", "hf", folder, "-o", mlir], check=True)
    subprocess.run([os.path.join(BIN, "seqc"), mlir, "-o", so], check=True)
    compile_s = time.perf_counter() - t0
    feats_path = os.path.join(WORK, "features.npy")
    feats = features(feats_path)
    ct2_dir = os.path.join(WORK, "whisper-tiny-shapes-ct2")
    convert(folder, ct2_dir)
    import ctranslate2
    model = ctranslate2.models.Whisper(ct2_dir, device="cpu", inter_threads=1,
                                       intra_threads=a.threads)
    seqc = min((seqc_run(so, folder, feats_path, a.target, a.threads)
                for _ in range(a.repeat)), key=lambda r: r[2])
    view = ctranslate2.StorageView.from_array(feats[None])
    encode_best = total_best = float("inf")
    for _ in range(a.repeat + 1):  # the first call warms up
        t = time.perf_counter()
        model.encode(view)
        encode_best = min(encode_best, time.perf_counter() - t)
        t = time.perf_counter()
        result = model.generate(view, [PROMPT], beam_size=1,
                                # CTranslate2 4.8.5's Whisper produces
                                # max_length / 2 tokens here (measured).
                                max_length=2 * a.target,
                                suppress_tokens=[TINY["eos_token_id"]], suppress_blank=False)
        total_best = min(total_best, time.perf_counter() - t)
    produced = len(result[0].sequences_ids[0])
    ct2_decode = total_best - encode_best
    print(json.dumps({
        "bench": "whisper", "model": "Whisper, whisper-tiny shapes, random",
        "threads": a.threads, "target": a.target, "ct2_target_tokens": produced,
        "seqc_encode_ms": round(seqc[0] * 1e3, 1), "ct2_encode_ms": round(encode_best * 1e3, 1),
        "encode_ratio_ct2_over_seqc": round(encode_best / seqc[0], 2),
        "seqc_decode_tok_s": round(a.target / seqc[1], 1),
        "ct2_decode_tok_s": round(produced / ct2_decode, 1),
        "decode_ratio_seqc_over_ct2": round((a.target / seqc[1]) / (produced / ct2_decode), 2),
        "seqc_total_ms": round(seqc[2] * 1e3, 1), "ct2_total_ms": round(total_best * 1e3, 1),
        "total_ratio_ct2_over_seqc": round(total_best / seqc[2], 2),
        "seqc_import_compile_s": round(compile_s, 1)}), flush=True)


if __name__ == "__main__":
    main()
