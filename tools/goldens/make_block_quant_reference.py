#!/usr/bin/env python3
"""Q8_0, Q4_0 and Q4_1 blocks quantized by llama.cpp's own Python quantizer, for the
C++ test of seqc's quantizers (test/unit/BlockQuantizationTest.cpp).

    python3 tools/goldens/make_block_quant_reference.py

Needs gguf==0.19.0 and numpy (PyPI). Writes test/unit/goldens/q8_0_reference.txt,
q4_0_reference.txt and q4_1_reference.txt: one block per three lines,
    x <32 float32 bit patterns, hex>
    d <the f16 scale's bit pattern, hex> [<Q4_1: the f16 min m, hex>]
    q <32 values: Q8_0 signed 8-bit; Q4_0 the 4-bit q in 0..15 (value
       (q - 8) · d); Q4_1 q in 0..15 (value q · d + m); in element order>
Blocks: all zeros; one nonzero value; values on exact rounding ties of x/d;
negative maxima; tiny values (subnormal f16 scales); large values; and
random normal blocks at several scales.
"""
import os

import numpy as np
from gguf.constants import GGMLQuantizationType
from gguf.quants import quantize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "unit", "goldens", "{}_reference.txt")


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


def q4_blocks():
    """Q8_0's blocks, plus Q4_0's own edge cases: the largest magnitude
    negative or positive, repeated with both signs (the first wins), and
    values landing exactly on x / d + 8.5 = integer."""
    yield from blocks()
    pos = np.linspace(-0.5, 1.0, 32, dtype=np.float32)
    yield pos
    both = np.zeros(32, np.float32)
    both[3], both[9] = 0.75, -0.75
    yield both
    yield (np.arange(32, dtype=np.float32) - 16.0) / 2.0


def main():
    for name, kind, source in (("q8_0", GGMLQuantizationType.Q8_0, blocks),
                               ("q4_0", GGMLQuantizationType.Q4_0, q4_blocks),
                               ("q4_1", GGMLQuantizationType.Q4_1, q4_blocks)):
        lines = []
        for x in source():
            q = quantize(x.reshape(1, 32), kind).reshape(-1)
            d = int(q[:2].view(np.uint16)[0])
            m = None
            if kind == GGMLQuantizationType.Q8_0:
                qs = q[2:].view(np.int8)
            else:  # byte j: element j (low nibble), element j + 16 (high)
                if kind == GGMLQuantizationType.Q4_1:  # d, m, then the nibbles
                    m = int(q[2:4].view(np.uint16)[0])
                    q = np.concatenate([q[:2], q[4:]])
                packed = q[2:]
                qs = np.concatenate([packed & 15, packed >> 4])
            lines.append("x " + " ".join(f"{int(v):08x}" for v in x.view(np.uint32)))
            lines.append(f"d {d:04x}" + (f" {m:04x}" if m is not None else ""))
            lines.append("q " + " ".join(str(int(v)) for v in qs))
        out = OUT.format(name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"make_block_quant_reference: {len(lines) // 3} {name} blocks -> {out}")


if __name__ == "__main__":
    main()
