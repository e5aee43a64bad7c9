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

WEIGHT = re.compile(r'seq\.weight\s+"([^"]+)"\s*:\s*tensor<([0-9x]+)x(f32|f16|bf16)>')


def weights_of(path):
    found = {}
    with open(path, encoding="utf-8") as f:
        for name, dims, dtype in WEIGHT.findall(f.read()):
            if dtype != "f32":
                sys.exit(f"random-weights: {name}: only f32 weights are supported")
            found[name] = [int(d) for d in dims.split("x")]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .mlir file in the seq dialect")
    parser.add_argument("-o", "--output", required=True, help=".safetensors to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    header, blobs, offset = {}, [], 0
    for name, shape in sorted(weights_of(args.model).items()):
        data = struct.pack(f"<{math.prod(shape)}f", *values(name, shape, rng))
        header[name] = {"dtype": "F32", "shape": shape,
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
