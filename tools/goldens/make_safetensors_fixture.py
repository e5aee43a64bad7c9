#!/usr/bin/env python3
"""Writes the safetensors interoperability fixture for the runtime's reader.

The reference implementation (the PyPI `safetensors` package, Rust inside)
writes test/unit/runtime/Inputs/fixture.safetensors; a JSON sidecar,
fixture.expected.json, records what the C++ reader must find: dtype, shape,
the raw little-endian element bits, and for float dtypes the bits of each
element widened to float32 (computed here independently of the C++ code).
SafeTensorsTest checks every value.

Generated with (pin these when regenerating, the fixture is committed):
    pip install safetensors==0.8.0 numpy==2.4.6
    python3 tools/goldens/make_safetensors_fixture.py

numpy has no bfloat16, so the BF16 tensor is passed to the serializer as raw
uint16 bits with the dtype name "bfloat16".
"""

import json
import os
import sys

try:
    import numpy as np
    import safetensors
except ImportError:  # pragma: no cover - a setup hint, not a code path
    sys.exit("needs: pip install safetensors==0.8.0 numpy==2.4.6")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "test", "unit", "runtime", "Inputs")


def bf16_bits(values):
    """float32 -> bfloat16 bits, round to nearest even (NaN kept quiet)."""
    u = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(values, dtype=np.float32))
    rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded


def main():
    f32 = np.array(
        [[1.5, -0.0, 3.4028234663852886e38], [1e-45, -2.5, 0.1]], dtype=np.float32
    )
    f16 = np.array(
        [1.0, -2.0, 65504.0, 2.0**-24, -np.inf, np.nan], dtype=np.float16
    )
    bf16 = bf16_bits(np.array([1.0, -0.0078125, 3.14159265, 1e30], dtype=np.float32))
    bf16 = bf16.reshape(2, 2)
    i64 = np.array([-1, 0, 2**40 + 7, 2**63 - 1], dtype=np.int64)
    i32_scalar = np.array(7, dtype=np.int32)  # shape []
    mask = np.array([True, False, True], dtype=np.bool_)
    empty = np.zeros((0, 3), dtype=np.float32)

    # name -> (array whose bytes are written, safetensors dtype, numpy dtype
    # name for the serializer)
    tensors = {
        "layer.weight": (f32, "F32", "float32"),
        "layer.bias_f16": (f16, "F16", "float16"),
        "layer.scale_bf16": (bf16, "BF16", "bfloat16"),
        "token_ids": (i64, "I64", "int64"),
        "step": (i32_scalar, "I32", "int32"),
        "mask": (mask, "BOOL", "bool"),
        "empty": (empty, "F32", "float32"),
    }
    metadata = {"format": "np", "producer": "make_safetensors_fixture.py"}

    specs = {}
    keep_alive = []
    for name, (array, _, np_name) in tensors.items():
        # Not np.ascontiguousarray: it turns the 0-d scalar into shape [1].
        array = array.copy(order="C")
        keep_alive.append(array)
        specs[name] = safetensors.TensorSpec(
            dtype=np_name,
            shape=list(array.shape),
            data_ptr=array.ctypes.data,
            data_len=array.nbytes,
        )
    path = os.path.join(OUT_DIR, "fixture.safetensors")
    safetensors.serialize_file(specs, path, metadata=metadata)

    expected = {
        "generator": "tools/goldens/make_safetensors_fixture.py",
        "safetensors_version": safetensors.__version__,
        "numpy_version": np.__version__,
        "metadata": metadata,
        "tensors": {},
    }
    for name, (array, dtype, _) in tensors.items():
        flat = array.reshape(-1)
        entry = {"dtype": dtype, "shape": list(array.shape)}
        if dtype == "F32":
            entry["raw"] = [int(x) for x in flat.view(np.uint32)]
            entry["f32_bits"] = entry["raw"]
        elif dtype == "F16":
            entry["raw"] = [int(x) for x in flat.view(np.uint16)]
            entry["f32_bits"] = [int(x) for x in flat.astype(np.float32).view(np.uint32)]
        elif dtype == "BF16":
            entry["raw"] = [int(x) for x in flat]
            entry["f32_bits"] = [int(x) << 16 for x in flat]
        elif dtype == "BOOL":
            entry["raw"] = [int(x) for x in flat.astype(np.uint8)]
        else:
            entry["raw"] = [int(x) for x in flat]
        expected["tensors"][name] = entry

    # Read the file back with the reference reader: the sidecar must agree.
    with safetensors.safe_open(path, framework="numpy") as f:
        assert f.metadata() == metadata
        assert sorted(f.keys()) == sorted(tensors)
        for name, (array, dtype, _) in tensors.items():
            view = f.get_slice(name)
            assert view.get_dtype() == dtype, (name, view.get_dtype())
            assert list(view.get_shape()) == list(array.shape), name
            if dtype != "BF16":  # numpy cannot hold bfloat16
                assert f.get_tensor(name).tobytes() == array.tobytes(), name

    with open(os.path.join(OUT_DIR, "fixture.expected.json"), "w") as out:
        json.dump(expected, out, indent=1, sort_keys=True)
        out.write("\n")
    os.chmod(path, 0o644)  # the Rust writer creates it 0600
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
