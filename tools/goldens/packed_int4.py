"""GPTQ and AWQ 4-bit checkpoints for the goldens, packed by the packages' own code.

make_hf_goldens.py uses this for its "packed" cases. The layers are quantized
round-to-nearest per group (GPTQ's Quantizer.find_params rule; the weights
need not be optimal, only laid out as real checkpoints lay them out), then:

  - GPTQ: AutoGPTQ 0.7.1's QuantLinear (qlinear_cuda_old.py) packs them with
    its own pack() (qweight [in/8, out], qzeros [groups, out/8] holding z - 1,
    scales [groups, out], g_idx [in]); the reference model runs that module's
    own forward (its CPU path dequantizes (q - z) * s and multiplies).
  - AWQ: AutoAWQ 0.2.9's WQLinear_GEMM.from_linear packs them (qweight
    [in, out/8] and qzeros in its 0,2,4,6,1,3,5,7 nibble order, f16 scales);
    the reference model's nn.Linear holds dequantize_gemm(...)'s weights
    (packing_utils.py, AutoAWQ's own unpacking), computed in float32.

The two packages' runtimes need CUDA extensions, so only these pure-PyTorch
files are taken: each is downloaded once with `pip download --no-deps` (the
wheel or sdist at the pinned version) into ~/.cache/seqc-goldens and loaded
by path, AutoAWQ's with stand-ins for the two helpers it imports
(try_import: the CUDA extension is absent; get_best_device: "cpu").
"""

import glob
import importlib.util
import os
import subprocess
import sys
import tarfile
import types
import zipfile

SOURCES = {
    "auto-gptq": ("0.7.1", ("auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py",
                            "auto_gptq/nn_modules/qlinear/qlinear_cuda.py")),
    "autoawq": ("0.2.9", ("awq/utils/packing_utils.py", "awq/modules/linear/gemm.py")),
}
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "seqc-goldens")


def _member(package, path):
    """The text of `path` inside the pinned distribution of `package`."""
    version = SOURCES[package][0]
    folder = os.path.join(CACHE, f"{package}-{version}")
    os.makedirs(folder, exist_ok=True)
    stem = package.replace("-", "_")
    found = glob.glob(os.path.join(folder, f"{stem}-{version}*"))
    if not found:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--python-version", "3.11", "--only-binary=:all:"
                               if package == "auto-gptq" else "--no-binary=:all:",
                               "-d", folder, f"{package}=={version}"])
        found = glob.glob(os.path.join(folder, f"{stem}-{version}*"))
    archive = found[0]
    if archive.endswith(".whl"):
        with zipfile.ZipFile(archive) as z:
            return z.read(path).decode()
    with tarfile.open(archive) as t:
        return t.extractfile(f"{stem}-{version}/{path}").read().decode()


def _load(name, text):
    module = types.ModuleType(name)
    module.__file__ = name.replace(".", "/") + ".py"
    sys.modules[name] = module
    exec(compile(text, module.__file__, "exec"), module.__dict__)
    return module


def gptq_quant_linear(act_order=False):
    """AutoGPTQ's QuantLinear: "cuda-old" (groups of consecutive inputs), or
    "cuda" whose pack() and forward follow g_idx (act-order). Both write the
    same checkpoint layout."""
    name = "auto_gptq_qlinear_cuda" if act_order else "auto_gptq_qlinear_cuda_old"
    if name not in sys.modules:
        _load(name, _member("auto-gptq", SOURCES["auto-gptq"][1][int(act_order)]))
    return sys.modules[name].QuantLinear


def awq_modules():
    """AutoAWQ's (WQLinear_GEMM, dequantize_gemm)."""
    if "awq.modules.linear.gemm" not in sys.modules:
        packing, gemm = SOURCES["autoawq"][1]
        for name in ("awq", "awq.utils", "awq.modules", "awq.modules.linear"):
            sys.modules[name] = types.ModuleType(name)
        helpers = types.ModuleType("awq.utils.module")
        helpers.try_import = lambda name: (None, f"{name}: not loaded for the goldens")
        sys.modules["awq.utils.module"] = helpers
        utils = types.ModuleType("awq.utils.utils")
        utils.get_best_device = lambda: "cpu"
        sys.modules["awq.utils.utils"] = utils
        _load("awq.utils.packing_utils", _member("autoawq", packing))
        _load("awq.modules.linear.gemm", _member("autoawq", gemm))
    gemm = sys.modules["awq.modules.linear.gemm"]
    return gemm.WQLinear_GEMM, sys.modules["awq.utils.packing_utils"].dequantize_gemm


def round_to_nearest(weight, group, sym):
    """Per-group scales and zero points [out, groups] (GPTQ's find_params with
    maxq = 15), the scales rounded to f16 so that the f16 checkpoint holds
    them exactly."""
    import torch

    out, inputs = weight.shape
    w = weight.detach().float().reshape(out, inputs // group, group)
    xmin = torch.clamp(w.amin(dim=-1), max=0.0)
    xmax = torch.clamp(w.amax(dim=-1), min=0.0)
    if sym:
        xmax = torch.maximum(xmin.abs(), xmax)
        xmin = torch.where(xmin < 0, -xmax, xmin)
    both_zero = (xmin == 0) & (xmax == 0)
    xmin = torch.where(both_zero, torch.full_like(xmin, -1.0), xmin)
    xmax = torch.where(both_zero, torch.full_like(xmax, 1.0), xmax)
    scale = ((xmax - xmin) / 15).half().float()
    if sym:
        zero = torch.full_like(scale, 8.0)
    else:
        zero = torch.round(-xmin / scale).clamp(0, 15)
    return scale, zero


def clamped(linear, scale, zero, group):
    """A copy of `linear` whose weights lie in each group's range
    [(0 - z) * s, (15 - z) * s]: the packers round without clamping, so a
    value past the range would spill into its neighbour's bits."""
    import copy

    import torch

    low = ((0 - zero) * scale).repeat_interleave(group, dim=1)
    high = ((15 - zero) * scale).repeat_interleave(group, dim=1)
    c = copy.deepcopy(linear)
    with torch.no_grad():
        c.weight.copy_(torch.minimum(torch.maximum(c.weight, low), high))
    return c


def pack_gptq(linear, group, sym, order=None):
    """`linear` (nn.Linear) as AutoGPTQ's QuantLinear, packed by its pack().
    With `order` (a permutation of the inputs, as act-order's Hessian sort
    gives), input order[j] falls in group j // group: g_idx[order[j]]."""
    import copy

    import torch

    QuantLinear = gptq_quant_linear(act_order=order is not None)
    inputs = linear.in_features
    order = torch.arange(inputs) if order is None else order
    # The groups' ranges over their members, and the weights clamped into them.
    grouped = copy.deepcopy(linear)
    with torch.no_grad():
        grouped.weight.copy_(linear.weight[:, order])
    scale, zero = round_to_nearest(grouped.weight, group, sym)
    grouped = clamped(grouped, scale, zero, group)
    source = copy.deepcopy(linear)
    with torch.no_grad():
        source.weight[:, order] = grouped.weight
    g_idx = torch.empty(inputs, dtype=torch.int32)
    g_idx[order] = torch.arange(inputs, dtype=torch.int32) // group
    q = QuantLinear(4, group, inputs, linear.out_features, linear.bias is not None,
                    weight_dtype=torch.float32)
    q.pack(source, scale, zero, g_idx)
    q.eval()
    return q


def gptq_tensors(q):
    """What a GPTQ checkpoint stores for QuantLinear `q` (scales in f16)."""
    import torch

    tensors = {"qweight": q.qweight, "qzeros": q.qzeros, "scales": q.scales.to(torch.float16),
               "g_idx": q.g_idx}
    if q.bias is not None:
        tensors["bias"] = q.bias
    return tensors


def pack_awq(linear, group):
    """AutoAWQ's GEMM tensors of `linear` and its dequantized weight [out, in]."""
    import torch

    WQLinear_GEMM, dequantize_gemm = awq_modules()
    scale, zero = round_to_nearest(linear.weight, group, sym=False)
    # from_linear takes [groups, out].
    q = WQLinear_GEMM.from_linear(clamped(linear, scale, zero, group), 4, group,
                                  scales=scale.t().contiguous(), zeros=zero.t().contiguous())
    tensors = {"qweight": q.qweight, "qzeros": q.qzeros, "scales": q.scales}
    if linear.bias is not None:
        tensors["bias"] = linear.bias.detach().clone()
    weight = dequantize_gemm(q.qweight, q.qzeros, q.scales.float(), 4, group).t().contiguous()
    return tensors, weight
