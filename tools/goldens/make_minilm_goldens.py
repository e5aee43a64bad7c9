#!/usr/bin/env python3
"""Reference sentence embeddings of the real all-MiniLM-L6-v2 model.

    python3 tools/fetch-models.py
    python3 tools/goldens/make_minilm_goldens.py

Encodes a handful of sentences with sentence-transformers (its own
tokenizer, mean pooling and normalisation) and writes the token ids and the
embeddings to test/Frontends/hf/minilm/, which the real-weights test compares
seqc's output with (cosine similarity). Made with sentence-transformers 6.2.0,
transformers 5.23.0, torch 2.15.0 (CPU).
"""

import json
import os

import numpy as np
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "build", "models", "all-MiniLM-L6-v2")
OUT = os.path.join(ROOT, "test", "Frontends", "hf", "minilm")

SENTENCES = [
    "A compiler turns a model into machine code.",
    "The cat sat on the mat.",
    "State-space models scan long sequences in linear time.",
    "Attention is all you need, unless the context is a million tokens long.",
    "seqc",
]


def main():
    model = SentenceTransformer(MODEL, device="cpu")
    embeddings = model.encode(SENTENCES, convert_to_numpy=True)
    ids = [model.tokenizer(s)["input_ids"] for s in SENTENCES]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "sentences.json"), "w") as f:
        json.dump({"sentences": SENTENCES, "input_ids": ids}, f, indent=1)
    np.save(os.path.join(OUT, "embeddings.npy"), embeddings.astype(np.float32))
    print(f"make_minilm_goldens: {len(SENTENCES)} sentences -> {OUT}")


if __name__ == "__main__":
    main()
