"""Reads the .npy files the goldens are saved in, with the standard library
only (lit's Python may have no numpy): little-endian f4 and i8 arrays."""
import array
import math
import struct


def read_npy(path):
    """(shape, flat values) of a little-endian f4 or i8 .npy."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode()
    shape = tuple(int(x) for x in header.split("(")[1].split(")")[0].split(",") if x.strip())
    kind = "f" if "'<f4'" in header else "q" if "'<i8'" in header else None
    assert kind, header
    values = array.array(kind)
    values.frombytes(data[10 + header_len:10 + header_len + math.prod(shape) * values.itemsize])
    return shape, values
