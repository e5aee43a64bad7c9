#!/usr/bin/env python3
"""Q8_0 blocks quantized by llama.cpp's own Python quantizer, for the C++ test
of seqc's quantizer (test/unit/BlockQuantizationTest.cpp).

    python3 tools/goldens/make_q8_0_reference.py

Needs gguf==0.19.0 and numpy (PyPI). Writes test/unit/goldens/q8_0_reference.txt:
one block per three lines,
    x <32 float32 bit patterns, hex>
    d <the f16 scale's bit pattern, hex>
    q <32 signed 8-bit values>
Blocks: all zeros; one nonzero value; values on exact rounding ties of x/d;
negative maxima; tiny values (subnormal f16 scales); large values; and
random normal blocks at several scales.
"""
import os

import numpy as np
from gguf.constants import GGMLQuantizationType
from gguf.quants import quantize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "unit", "goldens", "q8_0_reference.txt")


def blocks():
    rng = np.random.default_rng(8)
    yield np.zeros(32, np.float32)
    one = np.zeros(32, np.float32)
    one[5] = -0.25
    yield one
    # max 127 gives d = 1: x = k + 0.5 are exact ties of round(x / d).
    ties = np.arange(-15.5, 16.5, 1.0, dtype=np.float32)
    ties[0] = 127.0
    yield ties
    yield -np.abs(rng.standard_normal(32).astype(np.float32))
    yield (rng.standard_normal(32) * 1e-7).astype(np.float32)
    yield (rng.standard_normal(32) * 3e4).astype(np.float32)
    for scale in (1e-3, 0.02, 1.0, 7.0):
        for _ in range(6):
            yield (rng.standard_normal(32) * scale).astype(np.float32)


def main():
    lines = []
    for x in blocks():
        q = quantize(x.reshape(1, 32), GGMLQuantizationType.Q8_0).reshape(34)
        d = int(q[:2].view(np.uint16)[0])
        qs = q[2:].view(np.int8)
        lines.append("x " + " ".join(f"{int(v):08x}" for v in x.view(np.uint32)))
        lines.append(f"d {d:04x}")
        lines.append("q " + " ".join(str(int(v)) for v in qs))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"make_q8_0_reference: {len(lines) // 3} blocks -> {OUT}")


if __name__ == "__main__":
    main()
