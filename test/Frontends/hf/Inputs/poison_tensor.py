#!/usr/bin/env python3
"""Sets one element of an F32 tensor in a safetensors file, in place.

    poison_tensor.py FILE TENSOR INDEX VALUE     (VALUE: a float, inf, nan)

Standard library only.
"""
import json
import struct
import sys

path, name, index, value = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with open(path, "r+b") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    entry = header[name]
    if entry["dtype"] != "F32":
        sys.exit(f"poison_tensor: {name} is {entry['dtype']}, not F32")
    f.seek(8 + length + entry["data_offsets"][0] + 4 * index)
    f.write(struct.pack("<f", value))
