#!/usr/bin/env python3
"""Writes a model folder (config.json + model.safetensors) for importer tests.

    make_checkpoint.py DIR --config '{"architectures": [...], ...}' \
        --tensor model.embed_tokens.weight=32x16 ...

Standard library only; tensor values are small deterministic floats.
"""
import argparse
import json
import math
import os
import struct

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("--config", required=True)
parser.add_argument("--tensor", action="append", default=[], help="NAME=AxB")
args = parser.parse_args()

os.makedirs(args.dir, exist_ok=True)
with open(os.path.join(args.dir, "config.json"), "w") as f:
    f.write(args.config)
header, blobs, offset = {}, [], 0
for spec in args.tensor:
    name, dims = spec.split("=")
    shape = [int(d) for d in dims.split("x")]
    count = math.prod(shape)
    data = struct.pack(f"<{count}f", *((i % 7) * 0.01 for i in range(count)))
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
with open(os.path.join(args.dir, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
