#!/usr/bin/env python3
"""Goldens for encoder-decoder models (test/Frontends/hf/seq2seq).

Each case is a tiny random-weight transformers model saved as a Hugging
Face folder, with references from transformers' cache-free full forward:

  source_ids.npy       the source sentence's ids [S]
  target_ids.npy       a decoder input: the decoder start token, then
                       random ids [T]
  teacher_logits.npy   the decoder's logits at every target position with
                       that input, teacher-forced [T, vocab]
  greedy_ids.npy       GREEDY_STEPS greedy tokens from the decoder start,
                       each from a full forward over the start and the
                       tokens so far (EOS not special: generation runs on)
  greedy_logits.npy    the logits each greedy token was chosen from
                       [GREEDY_STEPS, vocab]

The source is drawn again until every greedy step's top-1 margin is at
least MIN_MARGIN. (Random Marian models repeat one token greedily; the
logits of every greedy step are kept too, which a cache bug would change.)
Deterministic; needs torch and transformers.
  python3 tools/goldens/make_seq2seq_goldens.py [--only NAME]
"""
import argparse
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "goldens"))
OUT = os.path.join(ROOT, "test", "Frontends", "hf", "seq2seq")

GREEDY_STEPS = 12
MIN_MARGIN = 0.1

CASES = [
    # OPUS-MT's layout (scaled embeddings, swish, pad as decoder start),
    # tiny.
    dict(name="marian", config="MarianConfig", cls="MarianMTModel", seed=2001,
         source_len=9, target_len=10,
         kwargs=dict(vocab_size=128, decoder_vocab_size=128, d_model=64,
                     encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                     decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                     max_position_embeddings=64, scale_embedding=True,
                     activation_function="swish", pad_token_id=127,
                     decoder_start_token_id=127, eos_token_id=0, forced_eos_token_id=0)),
    # Marian with a vocabulary per stack (share_encoder_decoder_embeddings
    # off): encoder and decoder tables of their own, the head tied to the
    # decoder's; source ids reach past the target vocabulary.
    dict(name="marian_vocabs", config="MarianConfig", cls="MarianMTModel", seed=2007,
         source_len=9, target_len=10,
         kwargs=dict(vocab_size=128, decoder_vocab_size=96,
                     share_encoder_decoder_embeddings=False, d_model=64,
                     encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                     decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                     max_position_embeddings=64, scale_embedding=True,
                     activation_function="swish", pad_token_id=95,
                     decoder_start_token_id=95, eos_token_id=0, forced_eos_token_id=0)),
    # Whisper: the source is speech.wav (a synthetic 2.2 s, 16 kHz voice-like
    # signal) as WhisperFeatureExtractor's log-mel features of 3 s
    # [80, 300] (source_features.npy instead of source_ids.npy); two
    # convolutions and stored positions before pre-LN encoder layers; a
    # pre-LN decoder with learned positions, the head tied to its token table.
    dict(name="whisper", config="WhisperConfig", cls="WhisperForConditionalGeneration",
         seed=2008, features=True, target_len=10,
         kwargs=dict(vocab_size=128, num_mel_bins=80, d_model=64, encoder_layers=2,
                     decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                     encoder_ffn_dim=128, decoder_ffn_dim=128, max_source_positions=150,
                     max_target_positions=32, pad_token_id=0, bos_token_id=2,
                     eos_token_id=2, decoder_start_token_id=1, suppress_tokens=None,
                     begin_suppress_tokens=None)),
    # BART: learned positions at offset 2, layernorm_embedding, post-LN.
    dict(name="bart", config="BartConfig", cls="BartForConditionalGeneration", seed=2002,
         source_len=11, target_len=9,
         kwargs=dict(vocab_size=128, d_model=64, encoder_layers=2, decoder_layers=2,
                     encoder_attention_heads=4, decoder_attention_heads=4,
                     encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=64,
                     activation_function="gelu", pad_token_id=1, bos_token_id=0,
                     eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=2)),
    # mBART: as BART with pre-LN layers and a final LayerNorm per stack;
    # scaled embeddings as mbart-large has them.
    dict(name="mbart", config="MBartConfig", cls="MBartForConditionalGeneration", seed=2003,
         source_len=10, target_len=8,
         kwargs=dict(vocab_size=128, d_model=64, encoder_layers=2, decoder_layers=2,
                     encoder_attention_heads=4, decoder_attention_heads=4,
                     encoder_ffn_dim=128, decoder_ffn_dim=128, max_position_embeddings=64,
                     activation_function="gelu", scale_embedding=True, pad_token_id=1,
                     bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                     forced_eos_token_id=2)),
    # T5: relative position buckets (8 buckets up to distance 20: sources,
    # targets and greedy runs longer than that), ReLU MLP, outputs scaled by
    # d_model^-0.5 before the tied head.
    dict(name="t5", config="T5Config", cls="T5ForConditionalGeneration", seed=2004,
         source_len=27, target_len=24, greedy_steps=20,
         kwargs=dict(vocab_size=128, d_model=64, d_kv=16, d_ff=128, num_layers=2,
                     num_decoder_layers=3, num_heads=4, relative_attention_num_buckets=8,
                     relative_attention_max_distance=20, feed_forward_proj="relu",
                     decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)),
    # T5 v1.1 / Flan-T5: gated GELU (tanh), d_kv x heads != d_model, no
    # output scaling (tie_word_embeddings false in its config).
    dict(name="t5_v1_1", config="T5Config", cls="T5ForConditionalGeneration", seed=2005,
         source_len=25, target_len=22, greedy_steps=18,
         kwargs=dict(vocab_size=128, d_model=64, d_kv=8, d_ff=96, num_layers=2,
                     num_heads=6, relative_attention_num_buckets=8,
                     relative_attention_max_distance=20, feed_forward_proj="gated-gelu",
                     tie_word_embeddings=False, decoder_start_token_id=0, pad_token_id=0,
                     eos_token_id=1)),
    # mT5: T5 v1.1's model under its own class (never scales the output).
    dict(name="mt5", config="MT5Config", cls="MT5ForConditionalGeneration", seed=2006,
         source_len=23, target_len=20, greedy_steps=17,
         kwargs=dict(vocab_size=128, d_model=64, d_kv=16, d_ff=128, num_layers=2,
                     num_heads=4, relative_attention_num_buckets=8,
                     relative_attention_max_distance=20, feed_forward_proj="gated-gelu",
                     decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)),
]


def speech_features(dest, kwargs, rng):
    """Writes `dest`/speech.wav — 2.2 s of a voice-like signal (a gliding
    pitch with harmonics and formant-like amplitude, syllable envelopes,
    noise), 16 kHz mono int16 — and returns WhisperFeatureExtractor's
    features of it, [mels, 2 * max_source_positions]."""
    import wave
    import numpy as np
    import transformers
    rate, seconds = 16000, 2.2
    t = np.arange(int(rate * seconds)) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(h * phase) / h * (1 + 0.8 * np.sin(2 * np.pi * (0.9 + h / 5) * t))
                for h in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 0.5
    audio = 0.25 * voice * envelope + 0.01 * rng.standard_normal(t.size)
    pcm = np.clip(np.round(audio / np.abs(audio).max() * 0.8 * 32767), -32768, 32767).astype("<i2")
    with wave.open(os.path.join(dest, "speech.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    frames = 2 * kwargs["max_source_positions"]
    extractor = transformers.WhisperFeatureExtractor(
        feature_size=kwargs["num_mel_bins"], chunk_length=frames * 160 // rate)
    samples = pcm.astype(np.float32) / 32768.0
    features = extractor(samples, sampling_rate=rate, return_tensors="np").input_features[0]
    assert features.shape == (kwargs["num_mel_bins"], frames), features.shape
    return features.astype(np.float32)


def full_forward(model, source, target):
    import torch
    # Token ids, or (Whisper) a features array [mels, frames].
    inputs = (dict(input_ids=torch.tensor([source])) if isinstance(source, list)
              else dict(input_features=torch.tensor(source)[None]))
    with torch.no_grad():
        return model(**inputs, decoder_input_ids=torch.tensor([target]),
                     use_cache=False).logits[0].float()


def run_case(case):
    import numpy as np
    import torch
    import transformers
    from make_hf_goldens import randomize_weights

    torch.manual_seed(case["seed"])
    config = getattr(transformers, case["config"])(**case["kwargs"])
    model = getattr(transformers, case["cls"])._from_config(
        config, dtype=torch.float32, attn_implementation="eager")
    randomize_weights(model, case["seed"] + 7)
    gen = torch.Generator().manual_seed(case["seed"] + 11)
    with torch.no_grad():
        if hasattr(model, "final_logits_bias"):  # a buffer: drawn here
            model.final_logits_bias.copy_(
                torch.randn(model.final_logits_bias.shape, generator=gen) * 0.1)
    # The references come from the folder as saved and loaded again: what a
    # user's checkpoint gives (buffers such as Marian's sinusoidal positions
    # are rebuilt by the loader, whatever the random draw did to them).
    dest = os.path.join(OUT, case["name"])
    if os.path.exists(dest):
        shutil.rmtree(dest)
    model.save_pretrained(dest, safe_serialization=True)
    model = getattr(transformers, case["cls"]).from_pretrained(
        dest, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    vocab, start = case["kwargs"]["vocab_size"], case["kwargs"]["decoder_start_token_id"]
    rng = np.random.default_rng(case["seed"])
    if case.get("features"):
        source = speech_features(dest, case["kwargs"], rng)
    for attempt in range(50):
        if case.get("features"):
            pass  # one recording; the margin is what it is
        else:
            source = rng.integers(1, vocab - 1, case["source_len"]).tolist()
        greedy, margin, rows = [start], float("inf"), []
        for _ in range(case.get("greedy_steps", GREEDY_STEPS)):
            last = full_forward(model, source, greedy)[-1]
            rows.append(last)
            top = torch.topk(last, 2).values
            margin = min(margin, float(top[0] - top[1]))
            greedy.append(int(torch.argmax(last)))
        if margin >= MIN_MARGIN:
            break
        if case.get("features"):
            sys.exit(f"{case['name']}: greedy margin {margin} < {MIN_MARGIN} on the "
                     "recording; pick another seed")
    else:
        sys.exit(f"{case['name']}: no source with greedy margins >= {MIN_MARGIN}")
    target_vocab = (case["kwargs"].get("decoder_vocab_size", vocab)
                    if not case["kwargs"].get("share_encoder_decoder_embeddings", True)
                    else vocab)
    target = [start] + rng.integers(1, target_vocab - 1, case["target_len"] - 1).tolist()
    teacher = full_forward(model, source, target)
    if case.get("features"):
        np.save(os.path.join(dest, "source_features.npy"), source)
    else:
        np.save(os.path.join(dest, "source_ids.npy"), np.array(source, dtype=np.int64))
    np.save(os.path.join(dest, "target_ids.npy"), np.array(target, dtype=np.int64))
    np.save(os.path.join(dest, "teacher_logits.npy"), teacher.numpy().astype(np.float32))
    np.save(os.path.join(dest, "greedy_ids.npy"), np.array(greedy[1:], dtype=np.int64))
    np.save(os.path.join(dest, "greedy_logits.npy"), torch.stack(rows).numpy().astype(np.float32))
    with open(os.path.join(dest, "case.json"), "w") as f:
        json.dump({"architecture": case["cls"], "seed": case["seed"], "notes": [__doc__],
                   "min_top1_margin": margin, "source_tries": attempt + 1,
                   "made_with": {"torch": torch.__version__,
                                 "transformers": transformers.__version__}}, f, indent=1)
        f.write("\n")
    print(f"{case['name']}: margin {margin:.3f}, greedy {greedy[1:]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="one case name")
    args = parser.parse_args()
    for case in CASES:
        if not args.only or args.only == case["name"]:
            run_case(case)


if __name__ == "__main__":
    main()
