#!/usr/bin/env python3
"""Writes random weights for every `seq.weight` of a seq-dialect model.

    tools/random-weights.py examples/hybrid-tiny.mlir -o weights.safetensors

Standard library only (no numpy), deterministic for a given --seed. Values
follow the usual initialisations so activations stay in a sane range:
norm weights near 1, Mamba's A_log = log(1..N), D = 1, everything else
uniform in +-1/sqrt(fan_in).
"""

import argparse
import json
import math
import random
import re
import struct
import sys

WEIGHT = re.compile(r'seq\.weight\s+"([^"]+)"\s*(transposed\s*|stacked\s*)?:\s*tensor<([0-9x]+)x(f32|f16|bf16)>')


def weights_of(path):
    found = {}
    with open(path, encoding="utf-8") as f:
        for name, layout, dims, dtype in WEIGHT.findall(f.read()):
            if dtype != "f32":
                sys.exit(f"random-weights: {name}: only f32 weights are supported")
            shape = [int(d) for d in dims.split("x")]
            if layout.startswith("transposed"):
                found[name] = shape[::-1]  # stored as the transpose
            elif layout.startswith("stacked"):
                for i in range(shape[0]):  # one tensor per slice of dim 0
                    found[name.replace("{}", str(i))] = shape[1:]
            else:
                found[name] = shape
    if not found:
        sys.exit(f"random-weights: no seq.weight in {path}")
    return found


def values(name, shape, rng):
    count = math.prod(shape)
    leaf = name.rsplit(".", 1)[-1]
    if "norm" in name and leaf == "weight":
        return [1.0 + rng.uniform(-0.1, 0.1) for _ in range(count)]
    if leaf == "A_log":
        rows, cols = shape[0], count // shape[0]
        return [math.log(1 + j) for _ in range(rows) for j in range(cols)]
    if leaf == "D":
        return [1.0] * count
    bound = 1.0 / math.sqrt(shape[-1] if len(shape) > 1 else 16)
    return [rng.uniform(-bound, bound) for _ in range(count)]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def to_bf16_bits(x):
    """Round-to-nearest-even f32 -> bf16 (as PyTorch does)."""
    b = f32_bits(x)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF


def round_to(values, dtype):
    """Values rounded to f16/bf16 precision, still as Python floats."""
    if dtype == "f16":
        return list(struct.unpack(f"<{len(values)}e", struct.pack(f"<{len(values)}e", *values)))
    if dtype == "bf16":
        return [struct.unpack("<f", struct.pack("<I", to_bf16_bits(v) << 16))[0] for v in values]
    return values


def encode(values, dtype):
    if dtype == "f32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "f16":
        return struct.pack(f"<{len(values)}e", *values)
    return struct.pack(f"<{len(values)}H", *(to_bf16_bits(v) for v in values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .mlir file in the seq dialect")
    parser.add_argument("-o", "--output", required=True, help=".safetensors to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32",
                        help="storage type of every tensor")
    parser.add_argument("--round-to", choices=["f16", "bf16"],
                        help="round values to this precision (stored as --dtype)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    header, blobs, offset = {}, [], 0
    for name, shape in sorted(weights_of(args.model).items()):
        vals = values(name, shape, rng)
        if args.round_to:
            vals = round_to(vals, args.round_to)
        data = encode(vals, args.dtype)
        header[name] = {"dtype": args.dtype.upper(), "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt", "generator": "seqc random-weights"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # keep the data section 8-byte aligned
    with open(args.output, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    print(f"random-weights: {len(blobs)} tensors, {offset} bytes -> {args.output}")


if __name__ == "__main__":
    main()
