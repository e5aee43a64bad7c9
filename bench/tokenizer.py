#!/usr/bin/env python3
"""Tokenizer throughput: libseqrt's seq_tokenizer_encode against the
`tokenizers` wheel, one thread each, on the tokenizer test corpus.

    python3 bench/tokenizer.py [--kinds gpt2,llama2,bert,...] [--repeat 5]

For each trained tokenizer of test/tokenizer (tools/goldens/
make_tokenizer_goldens.py) encodes every corpus text (special tokens added)
through ctypes and through the wheel's Tokenizer.encode (RAYON_NUM_THREADS=1,
text by text, as a server encodes requests, and encode_batch over the
whole corpus in one call), checks the ids agree, and prints one JSON line
per kind: MB/s of UTF-8 text for each side (best of
--repeat passes over the corpus, both sides warmed up first, so both caches
are filled) and the ratio (> 1: seqc faster). Run after the README set-up.
"""
import argparse
import ctypes
import json
import os
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = ctypes.CDLL(os.path.join(ROOT, "build", "lib", "libseqrt.so"))
LIB.seq_last_error.restype = ctypes.c_char_p


def main():
    from tokenizers import Tokenizer
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default="gpt2,llama3,qwen2,llama2,mistral,bert,bert_cased,unigram,t5")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    folder = os.path.join(ROOT, "test", "tokenizer")
    with open(os.path.join(folder, "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    encoded = [t.encode("utf-8") for t in texts]
    total = sum(len(e) for e in encoded)
    for kind in a.kinds.split(","):
        path = os.path.join(folder, kind)
        handle = ctypes.c_void_p()
        if LIB.seq_tokenizer_open(path.encode(), ctypes.byref(handle)):
            raise SystemExit(LIB.seq_last_error().decode())
        wheel = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
        buffer = (ctypes.c_int32 * 65536)()
        count = ctypes.c_size_t()

        def seqc_pass():
            out = []
            for e in encoded:
                if LIB.seq_tokenizer_encode(handle, e, ctypes.c_size_t(len(e)), 1, buffer,
                                            ctypes.c_size_t(65536), ctypes.byref(count)):
                    raise SystemExit(LIB.seq_last_error().decode())
                out.append(list(buffer[:count.value]))
            return out

        def wheel_pass():
            return [wheel.encode(t).ids for t in texts]

        def wheel_batch():  # one call for the corpus: no per-text Python cost
            return [e.ids for e in wheel.encode_batch(texts)]

        def best(run):
            run()
            times = []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
            return min(times)

        # The wheel pads where the file asks to (bert_cased); its attention
        # mask marks the text's ids, which seqc returns.
        unpadded = [[i for i, m in zip(e.ids, e.attention_mask) if m]
                    for e in (wheel.encode(t) for t in texts)]
        if seqc_pass() != unpadded:
            raise SystemExit(f"{kind}: ids differ from the wheel's")
        s, w, wb = best(seqc_pass), best(wheel_pass), best(wheel_batch)
        print(json.dumps({"bench": "tokenizer", "kind": kind, "texts": len(texts),
                          "mbytes": round(total / 1e6, 3),
                          "seqc_mb_per_s": round(total / s / 1e6, 2),
                          "wheel_mb_per_s": round(total / w / 1e6, 2),
                          "wheel_batch_mb_per_s": round(total / wb / 1e6, 2),
                          "ratio_seqc_over_wheel": round(w / s, 3),
                          "ratio_seqc_over_wheel_batch": round(wb / s, 3)}), flush=True)
        LIB.seq_tokenizer_close(handle)


if __name__ == "__main__":
    main()
