"""ctypes access to libseqrt's generic call API, for benchmarks.

    model = Model("attention.so")
    model.run("run", [q, k, v], [out])      # numpy arrays, C-contiguous
"""
import ctypes
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_lib = ctypes.CDLL(os.path.join(ROOT, "build", "lib", "libseqrt.so"))

_DTYPES = {np.dtype(np.float32): 0, np.dtype(np.float16): 1, np.dtype(np.float64): 3,
           np.dtype(np.int64): 4, np.dtype(np.int32): 5, np.dtype(np.int8): 6}


class Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * 8)]


class Options(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("num_threads", ctypes.c_int32)]


_lib.seq_last_error.restype = ctypes.c_char_p


def _tensor(a):
    assert a.flags["C_CONTIGUOUS"], "arrays must be C-contiguous"
    t = Tensor(a.ctypes.data, _DTYPES[a.dtype], a.ndim)
    for i, d in enumerate(a.shape):
        t.shape[i] = d
    return t


class Model:
    def __init__(self, so, weights=None, threads=0):
        opts = Options()
        _lib.seq_model_options_init(ctypes.byref(opts))
        opts.num_threads = threads
        self.handle = ctypes.c_void_p()
        status = _lib.seq_model_open(so.encode(), weights.encode() if weights else None,
                                     ctypes.byref(opts), ctypes.byref(self.handle))
        if status:
            raise RuntimeError(_lib.seq_last_error().decode())

    def run(self, entry, inputs, outputs):
        ins = (Tensor * len(inputs))(*map(_tensor, inputs))
        outs = (Tensor * len(outputs))(*map(_tensor, outputs))
        status = _lib.seq_model_run(self.handle, entry.encode(), ins, len(inputs),
                                    outs, len(outputs))
        if status:
            raise RuntimeError(_lib.seq_last_error().decode())

    def __del__(self):
        if getattr(self, "handle", None):
            _lib.seq_model_close(self.handle)
