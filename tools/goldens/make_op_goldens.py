#!/usr/bin/env python3
"""Golden cases for the seq-dialect C++ reference (test/e2e/reference/).

Computes every `seq` op on small random float32 inputs with fixed seeds using
plain PyTorch, written independently of the C++ reference from the op
descriptions in dialects/seq/IR/*.td, and writes one folder per case:

    test/e2e/reference/goldens/<op>_<case>/
        case.txt           text manifest (below)
        <name>.npy         one input operand (float32 '<f4' or int64 '<i8')
        expected_<name>.npy  one expected result (float32)

case.txt holds one entry per line, the first word saying what it is:

    op <op name>                       e.g. "op attention"
    attr <name> <value> [<value>...]   an attribute; unit attributes are "1";
                                       lists are space separated; floats are
                                       repr()s of the exact value used
    input <name>                       operand stored as <name>.npy
    output <name>                      result stored as expected_<name>.npy

The math is done in float64 on the float32 inputs (float32-valued attributes
are rounded to float32 first), then the results are rounded to float32: the
goldens are the exact answer to the float32 problem, up to the final rounding.
Named `mask_mod`/`score_mod` callbacks (see MASK_MODS / SCORE_MODS) are
re-implemented by the C++ test under the same names.

Regenerate (from the repository root):
    pip install torch==2.15.0 numpy==2.4.6      # versions these goldens used
    python3 tools/goldens/make_op_goldens.py [--out DIR]
"""

import argparse
import math
import os
import shutil
import zlib

import numpy as np
import torch
import torch.nn.functional as F

F64 = torch.float64
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(REPO, "test", "e2e", "reference", "goldens")

CASES = []  # (op, case, inputs, attrs, outputs)


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def randn(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def uniform(rng, lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def f32(x):
    """The float32 value an f32 attribute actually holds, as a Python float."""
    return float(np.float32(x))


def T(a):
    """float32 (or int) numpy array -> float64 torch tensor."""
    return None if a is None else torch.from_numpy(np.asarray(a)).to(F64)


def out(x):
    return x.detach().to(torch.float32).numpy().copy()


def add(op, case, inputs, attrs, outputs):
    CASES.append((op, case, {k: v for k, v in inputs.items() if v is not None},
                  attrs, outputs))


ACTS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softplus": F.softplus,  # beta=1, threshold=20
}


# ----------------------------------------------------------------------------
# embedding / linear / norms
# ----------------------------------------------------------------------------

def gen_embedding():
    for case, vocab, dim, ishape in [("basic", 11, 7, (2, 5)),
                                     ("rank1", 13, 12, (13,)),
                                     ("rank3", 5, 20, (2, 3, 1))]:
        rng = rng_for("embedding_" + case)
        table = randn(rng, vocab, dim)
        ids = rng.integers(0, vocab, ishape).astype(np.int64)
        ids.flat[0] = vocab - 1
        res = F.embedding(torch.from_numpy(ids), T(table))
        add("embedding", case, {"table": table, "indices": ids}, {},
            {"result": out(res)})


def gen_linear():
    for case, ishape, nout, bias in [("bias", (2, 7, 12), 20, True),
                                     ("nobias", (13, 5), 3, False),
                                     ("rank1", (12,), 7, True),
                                     # K % 16 == 0, N % 4 == 0: the vector
                                     # kernel, 14 rows = 3 tiles of 4 + 2.
                                     ("vec_bias", (2, 7, 48), 20, True),
                                     ("vec_one_row", (1, 1, 32), 12, False)]:
        rng = rng_for("linear_" + case)
        x = randn(rng, *ishape)
        w = randn(rng, nout, ishape[-1], scale=0.3)
        b = randn(rng, nout) if bias else None
        res = F.linear(T(x), T(w), T(b))
        add("linear", case, {"input": x, "weight": w, "bias": b}, {},
            {"result": out(res)})


def gen_rmsnorm():
    # (case, shape, gate, eps, group, offset)
    for case, shape, gate, eps, group, offset in [
            ("default_eps", (2, 7, 20), False, None, None, None),
            ("gemma_offset", (13, 12), False, 1e-5, None, 1.0),
            ("gated_grouped", (1, 13, 24), True, 1e-5, 8, None),
            ("gated", (2, 1, 12), True, None, None, None),
            ("grouped", (3, 20), False, 1e-6, 5, 0.5)]:
        rng = rng_for("rmsnorm_" + case)
        x = randn(rng, *shape, scale=2.0)
        w = randn(rng, shape[-1])
        z = randn(rng, *shape) if gate else None
        e = f32(1e-6 if eps is None else eps)
        off = f32(0.0 if offset is None else offset)
        xs = T(x)
        if z is not None:
            xs = xs * F.silu(T(z))
        c = shape[-1]
        gs = group or c
        grouped = xs.reshape(*shape[:-1], c // gs, gs)
        res = F.rms_norm(grouped, (gs,), eps=e).reshape(shape) * (off + T(w))
        attrs = {}
        if eps is not None:
            attrs["epsilon"] = e
        if group is not None:
            attrs["group_size"] = group
        if offset is not None:
            attrs["weight_offset"] = off
        add("rmsnorm", case, {"input": x, "weight": w, "gate": z}, attrs,
            {"result": out(res)})


def gen_layernorm():
    for case, shape, bias, eps in [("bias", (2, 7, 20), True, None),
                                   ("nobias_eps", (13, 12), False, 1e-12),
                                   ("rank1", (7,), True, 1e-3)]:
        rng = rng_for("layernorm_" + case)
        x = randn(rng, *shape, scale=3.0) + 1.5
        w = randn(rng, shape[-1])
        b = randn(rng, shape[-1]) if bias else None
        e = f32(1e-5 if eps is None else eps)
        res = F.layer_norm(T(x), (shape[-1],), T(w), T(b), eps=e)
        attrs = {} if eps is None else {"epsilon": e}
        add("layernorm", case, {"input": x, "weight": w, "bias": b}, attrs,
            {"result": out(res)})


# ----------------------------------------------------------------------------
# rope (Hugging Face style)
# ----------------------------------------------------------------------------

def hf_inv_freq(theta, dim, scaling, factor=None, low=None, high=None, orig=None):
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).to(F64) / dim))
    if scaling == "linear":
        inv_freq = inv_freq / factor
    elif scaling == "llama3":
        # transformers' _compute_llama3_parameters
        low_freq_wavelen = orig / low
        high_freq_wavelen = orig / high
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (orig / wavelen - low) / (high - low)
        smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        inv_freq = torch.where(is_medium, smoothed, inv_freq_llama)
    return inv_freq


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rotate_every_two(x):
    x1, x2 = x[..., ::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def gen_rope():
    # (case, B, S, H, D, pos_kind, rotary_dim, interleaved, theta, scaling)
    specs = [
        ("default", 2, 7, 3, 20, "seq", None, False, None, None),
        ("batch_pos_partial", 2, 13, 2, 20, "batch", 12, False, 500000.0, None),
        ("interleaved", 1, 7, 3, 12, "seq", None, True, None, None),
        ("interleaved_partial", 2, 1, 6, 20, "batch", 8, True, 1000.0, None),
        ("linear", 1, 13, 2, 12, "seq", None, False, None, ("linear", 4.0)),
        ("llama3", 2, 7, 2, 16, "batch", None, False, 10000.0,
         ("llama3", 8.0, 1.0, 4.0, 256)),
        ("llama3_partial_interleaved", 1, 13, 1, 20, "seq", 16, True, 10000.0,
         ("llama3", 4.0, 2.0, 8.0, 512)),
    ]
    for case, B, S, H, D, pos_kind, rd, inter, theta, scaling in specs:
        rng = rng_for("rope_" + case)
        x = randn(rng, B, S, H, D)
        if pos_kind == "seq":
            pos = (np.arange(S) + rng.integers(0, 50)).astype(np.int64)
            pos_b = np.broadcast_to(pos, (B, S))
        else:
            pos = rng.integers(0, 400, (B, S)).astype(np.int64)
            pos_b = pos
        th = 10000.0 if theta is None else theta
        rot = rd or D
        attrs = {}
        if theta is not None:
            attrs["theta"] = theta
        if rd is not None:
            attrs["rotary_dim"] = rd
        if inter:
            attrs["interleaved"] = 1
        kind = None
        kw = {}
        if scaling is not None:
            kind = scaling[0]
            attrs["scaling"] = kind
            attrs["scaling_factor"] = scaling[1]
            kw["factor"] = scaling[1]
            if kind == "llama3":
                attrs["low_freq_factor"] = scaling[2]
                attrs["high_freq_factor"] = scaling[3]
                attrs["original_max_positions"] = scaling[4]
                kw.update(low=scaling[2], high=scaling[3], orig=scaling[4])
        inv_freq = hf_inv_freq(th, rot, kind, **kw)
        freqs = torch.from_numpy(np.array(pos_b)).to(F64)[..., None] * inv_freq
        if inter:
            emb = freqs.repeat_interleave(2, dim=-1)
            rotate = rotate_every_two
        else:
            emb = torch.cat((freqs, freqs), dim=-1)
            rotate = rotate_half
        cos = emb.cos()[:, :, None, :]
        sin = emb.sin()[:, :, None, :]
        xt = T(x)
        x_rot, x_pass = xt[..., :rot], xt[..., rot:]
        res = torch.cat((x_rot * cos + rotate(x_rot) * sin, x_pass), dim=-1)
        add("rope", case, {"input": x, "positions": pos}, attrs,
            {"result": out(res)})


# ----------------------------------------------------------------------------
# activation / glu / softmax
# ----------------------------------------------------------------------------

SPECIAL = [-30.0, -20.5, -1e-3, 0.0, 1e-3, 19.5, 20.0, 20.5, 30.0]


def gen_activation():
    # Moderate values (a small max |result| keeps the test's tolerance tight)
    # and, separately, extremes around softplus' threshold and saturation.
    for kind, fn in ACTS.items():
        rng = rng_for("activation_" + kind)
        x = randn(rng, 3, 13, scale=1.5)
        add("activation", kind, {"input": x}, {"kind": kind},
            {"result": out(fn(T(x)))})
        x = np.array(SPECIAL, dtype=np.float32)
        add("activation", kind + "_extremes", {"input": x}, {"kind": kind},
            {"result": out(fn(T(x)))})


def gen_glu():
    for kind in ["silu", "gelu", "gelu_tanh", "relu", "sigmoid"]:
        rng = rng_for("glu_" + kind)
        gate = randn(rng, 2, 7, 20, scale=2.0)
        up = randn(rng, 2, 7, 20)
        add("glu", kind, {"gate": gate, "up": up}, {"kind": kind},
            {"result": out(ACTS[kind](T(gate)) * T(up))})


def gen_softmax():
    for case, shape, axis, scale in [("last", (2, 3, 13), None, 1.0),
                                     ("axis1", (2, 7, 5), 1, 1.0),
                                     ("axis0_neg", (7, 4), -2, 1.0),
                                     ("large", (3, 13), -1, 60.0),
                                     ("rank1", (1,), 0, 1.0)]:
        rng = rng_for("softmax_" + case)
        x = randn(rng, *shape, scale=scale)
        res = torch.softmax(T(x), dim=-1 if axis is None else axis)
        attrs = {} if axis is None else {"axis": axis}
        add("softmax", case, {"input": x}, attrs, {"result": out(res)})


# ----------------------------------------------------------------------------
# moe (Mixtral-style expert loop)
# ----------------------------------------------------------------------------

def gen_moe():
    # (case, token shape, E, D, F, top_k, routing, normalize, activation, ties)
    specs = [
        ("mixtral", (2, 7), 4, 12, 20, 2, None, True, None, False),
        ("no_normalize", (13,), 5, 12, 7, 2, "softmax_topk", False, None, False),
        ("topk_softmax_gelu", (1, 7), 5, 8, 12, 3, "topk_softmax", False, "gelu", False),
        ("ties", (2, 7), 6, 8, 12, 2, None, True, "relu", True),
        ("ties_topk_softmax", (13,), 6, 8, 5, 3, "topk_softmax", False, None, True),
        ("top1", (7,), 3, 12, 20, 1, None, False, "gelu_tanh", False),
    ]
    for case, tshape, E, D, Fd, k, routing, normalize, act, ties in specs:
        rng = rng_for("moe_" + case)
        x = randn(rng, *tshape, D)
        if ties:
            logits = rng.integers(0, 3, (*tshape, E)).astype(np.float32)
        else:
            logits = randn(rng, *tshape, E, scale=1.5)
        wg = randn(rng, E, Fd, D, scale=0.3)
        wu = randn(rng, E, Fd, D, scale=0.3)
        wd = randn(rng, E, D, Fd, scale=0.3)
        xt = T(x).reshape(-1, D)
        lg = T(logits).reshape(-1, E)
        if (routing or "softmax_topk") == "softmax_topk":
            probs = torch.softmax(lg, dim=-1)
            sel = torch.sort(probs, dim=-1, descending=True, stable=True).indices[:, :k]
            weights = probs.gather(-1, sel)
        else:
            sel = torch.sort(lg, dim=-1, descending=True, stable=True).indices[:, :k]
            weights = torch.softmax(lg.gather(-1, sel), dim=-1)
        if normalize:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        fn = ACTS[act or "silu"]
        res = torch.zeros_like(xt)
        for e in range(E):
            h = fn(F.linear(xt, T(wg[e]))) * F.linear(xt, T(wu[e]))
            y = F.linear(h, T(wd[e]))
            coef = (weights * (sel == e)).sum(dim=-1)
            res += coef[:, None] * y
        attrs = {"top_k": k}
        if routing is not None:
            attrs["routing"] = routing
        if normalize:
            attrs["normalize"] = 1
        if act is not None:
            attrs["activation"] = act
        add("moe", case, {"input": x, "router_logits": logits, "gate_weight": wg,
                          "up_weight": wu, "down_weight": wd}, attrs,
            {"result": out(res.reshape(*tshape, D))})


def gen_moe_sigmoid():
    # sigmoid_topk: (case, token shape, E, D, F, top_k, bias, normalize
    # epsilon or None, routed scale)
    specs = [
        ("sigmoid_bias_norm", (2, 7), 6, 12, 20, 2, True, 1e-6, None),
        ("sigmoid_scaled", (13,), 5, 8, 12, 3, False, None, 2.5),
        ("sigmoid_bias_norm_scaled", (1, 9), 8, 8, 6, 4, True, 0.0, 1.75),
    ]
    for case, tshape, E, D, Fd, k, hasBias, eps, scale in specs:
        rng = rng_for("moe_" + case)
        x = randn(rng, *tshape, D)
        logits = randn(rng, *tshape, E, scale=1.5)
        # Strong enough to overrule the sigmoids' order for some tokens.
        bias = randn(rng, E, scale=0.4) if hasBias else None
        wg = randn(rng, E, Fd, D, scale=0.3)
        wu = randn(rng, E, Fd, D, scale=0.3)
        wd = randn(rng, E, D, Fd, scale=0.3)
        xt = T(x).reshape(-1, D)
        scores = torch.sigmoid(T(logits).reshape(-1, E))
        choice = scores + (T(bias) if hasBias else 0.0)
        sel = torch.sort(choice, dim=-1, descending=True, stable=True).indices[:, :k]
        weights = scores.gather(-1, sel)
        if eps is not None:
            weights = weights / (weights.sum(dim=-1, keepdim=True) + f32(eps))
        if scale is not None:
            weights = weights * f32(scale)
        res = torch.zeros_like(xt)
        for e in range(E):
            h = F.silu(F.linear(xt, T(wg[e]))) * F.linear(xt, T(wu[e]))
            y = F.linear(h, T(wd[e]))
            coef = (weights * (sel == e)).sum(dim=-1)
            res += coef[:, None] * y
        attrs = {"top_k": k, "routing": "sigmoid_topk"}
        if eps is not None:
            attrs["normalize"] = 1
            if eps:
                attrs["normalize_epsilon"] = f32(eps)
        if scale is not None:
            attrs["routed_scale"] = f32(scale)
        add("moe", case, {"input": x, "router_logits": logits, "gate_weight": wg,
                          "up_weight": wu, "down_weight": wd, "selection_bias": bias},
            attrs, {"result": out(res.reshape(*tshape, D))})


def gen_moe_grouped():
    # Group-limited sigmoid_topk, as NemotronHTopkRouter (DeepSeek-V3) routes:
    # (case, token shape, E, D, F, top_k, groups, kept groups, normalize
    # epsilon or None, routed scale)
    specs = [
        ("sigmoid_grouped", (2, 9), 8, 8, 12, 2, 4, 2, 1e-20, 2.5),
        # top_k fills the one kept group.
        ("sigmoid_grouped_one", (11,), 6, 8, 8, 3, 2, 1, None, None),
    ]
    for case, tshape, E, D, Fd, k, G, kg, eps, scale in specs:
        rng = rng_for("moe_" + case)
        x = randn(rng, *tshape, D)
        logits = randn(rng, *tshape, E, scale=1.5)
        bias = randn(rng, E, scale=0.4)
        wg = randn(rng, E, Fd, D, scale=0.3)
        wu = randn(rng, E, Fd, D, scale=0.3)
        wd = randn(rng, E, D, Fd, scale=0.3)
        xt = T(x).reshape(-1, D)
        scores = torch.sigmoid(T(logits).reshape(-1, E))
        choice = scores + T(bias)
        group_scores = choice.view(-1, G, E // G).topk(2, dim=-1)[0].sum(dim=-1)
        group_idx = torch.topk(group_scores, k=kg, dim=-1)[1]
        group_mask = torch.zeros_like(group_scores).scatter_(1, group_idx, 1)
        score_mask = group_mask.unsqueeze(-1).expand(-1, G, E // G).reshape(-1, E)
        choice = choice.masked_fill(~score_mask.bool(), float("-inf"))
        sel = torch.sort(choice, dim=-1, descending=True, stable=True).indices[:, :k]
        weights = scores.gather(-1, sel)
        if eps is not None:
            weights = weights / (weights.sum(dim=-1, keepdim=True) + f32(eps))
        if scale is not None:
            weights = weights * f32(scale)
        res = torch.zeros_like(xt)
        for e in range(E):
            h = F.silu(F.linear(xt, T(wg[e]))) * F.linear(xt, T(wu[e]))
            y = F.linear(h, T(wd[e]))
            coef = (weights * (sel == e)).sum(dim=-1)
            res += coef[:, None] * y
        attrs = {"top_k": k, "routing": "sigmoid_topk", "expert_groups": G,
                 "kept_groups": kg}
        if eps is not None:
            attrs["normalize"] = 1
            attrs["normalize_epsilon"] = f32(eps)
        if scale is not None:
            attrs["routed_scale"] = f32(scale)
        add("moe", case, {"input": x, "router_logits": logits, "gate_weight": wg,
                          "up_weight": wu, "down_weight": wd, "selection_bias": bias},
            attrs, {"result": out(res.reshape(*tshape, D))})


# ----------------------------------------------------------------------------
# attention
# ----------------------------------------------------------------------------

# Index-only masks (b, h, i, j are broadcastable int64 tensors; i, j absolute).
MASK_MODS = {
    # Depends on every index, so a wrong b/h/i/j mapping shows.
    "bh_pattern": lambda b, h, i, j: (i * 7 + j * 3 + b * 5 + h) % 4 != 0,
    # Documents of 5 positions each.
    "document": lambda b, h, i, j: torch.div(i, 5, rounding_mode="floor")
    == torch.div(j, 5, rounding_mode="floor"),
}

# Score rewrites (s is float64 [B, Hq, Sq, Skv]).
SCORE_MODS = {
    "softcap_2": lambda s, b, h, i, j: 2.0 * torch.tanh(s / 2.0),
    "alibi_b": lambda s, b, h, i, j: s - torch.pow(2.0, -(h + 1).to(F64)) * (i - j).abs() + 0.25 * b,
}


def attention_mask(B, Hq, Sq, Skv, L, a):
    i = (L - Sq + torch.arange(Sq))[:, None]
    slot = torch.arange(Skv)[None, :]
    vis = slot < L
    j = slot
    if a.get("ring", 0) == 1:
        # Slot s of a ring holds the latest position p < L with p = s mod Skv.
        j = torch.where(slot < L, L - 1 - torch.remainder(L - 1 - slot, Skv), slot)
    causal = a.get("causal", 0) == 1
    if causal:
        vis = vis & (j <= i)
    window = torch.ones(Sq, Skv, dtype=torch.bool)
    if "sliding_window" in a:
        w = a["sliding_window"]
        window = (i - j < w) if causal else ((i - j).abs() < w)
    dil = torch.ones(Sq, Skv, dtype=torch.bool)
    if "dilation_rate" in a:
        r, s = a["dilation_rate"], a["dilation_segment"]
        dil = (torch.div(i, s, rounding_mode="floor") == torch.div(j, s, rounding_mode="floor")) \
            & ((i - j) % r == 0)
    blk = torch.ones(Sq, Skv, dtype=torch.bool)
    if "block_size" in a:
        n = a["block_size"]
        layout = torch.tensor(a["block_layout"], dtype=torch.bool)
        R = int(round(math.sqrt(layout.numel())))
        layout = layout.reshape(R, R)
        assert (i >= 0).all()
        blk = layout[(i // n).expand(Sq, Skv), (j // n).expand(Sq, Skv)]
    glob = torch.zeros(Sq, Skv, dtype=torch.bool)
    if "global_tokens" in a:
        g = a["global_tokens"]
        glob = (i < g) | (j < g)
    vis = vis & (glob | (window & dil & blk))
    vis = vis[None, None].expand(B, Hq, Sq, Skv).clone()
    if "mask_mod" in a:
        bb = torch.arange(B)[:, None, None, None]
        hh = torch.arange(Hq)[None, :, None, None]
        vis &= MASK_MODS[a["mask_mod"]](bb, hh, i[None, None], j[None, None])
    return vis, i, j


def attention_golden(q, k, v, bias, L, a):
    B, Sq, Hq, D = q.shape
    Skv, Hkv = k.shape[1], k.shape[2]
    L = Skv if L is None else L
    vis, i, j = attention_mask(B, Hq, Sq, Skv, L, a)
    qh = T(q).permute(0, 2, 1, 3)
    kh = T(k).permute(0, 2, 1, 3).repeat_interleave(Hq // Hkv, dim=1)
    vh = T(v).permute(0, 2, 1, 3).repeat_interleave(Hq // Hkv, dim=1)
    scale = a.get("scale", 1.0 / math.sqrt(D))
    add_term = torch.zeros(B, Hq, Sq, Skv, dtype=F64)
    if bias is not None:
        add_term = add_term + T(bias)
    if "score_mod" not in a:
        mask = torch.where(vis, add_term, torch.tensor(-math.inf, dtype=F64))
        o = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask, scale=scale)
    else:
        s = (qh @ kh.transpose(-1, -2)) * scale
        bb = torch.arange(B)[:, None, None, None]
        hh = torch.arange(Hq)[None, :, None, None]
        s = SCORE_MODS[a["score_mod"]](s, bb, hh, i[None, None], j[None, None])
        s = (s + add_term).masked_fill(~vis, -math.inf)
        o = torch.softmax(s, dim=-1) @ vh
    o = torch.where(vis.any(dim=-1, keepdim=True), o, torch.zeros((), dtype=F64))
    return o.permute(0, 2, 1, 3)


def gen_attention():
    # Each spec: case, B, Sq, Skv, Hq, Hkv, Dk, Dv, kv_length, attrs, bias shape
    # (dims of [B, Hq, Sq, Skv] or 1), bias kind.
    bl_zero_row = [1, 0, 0, 1,
                   0, 0, 0, 0,  # queries 4..7 see nothing: zero rows
                   1, 1, 1, 0,
                   1, 0, 1, 1]
    bl_lower = [1, 0, 0, 0,
                1, 1, 0, 0,
                0, 1, 1, 0,
                1, 0, 1, 1]
    bl_mixed = [1, 0, 1, 0,
                0, 1, 0, 1,
                1, 1, 1, 0,
                0, 1, 1, 1]
    specs = [
        ("gqa_noncausal", 2, 7, 7, 6, 2, 12, 12, None, {}, None),
        ("gqa_causal_dv", 2, 13, 13, 6, 2, 20, 12, None, {"causal": 1}, None),
        ("sliding_causal", 1, 13, 13, 3, 3, 12, 12, None,
         {"causal": 1, "sliding_window": 3}, None),
        ("sliding_noncausal", 2, 13, 13, 2, 1, 12, 20, None,
         {"sliding_window": 4}, None),
        ("decode_kvlen_window", 2, 1, 16, 6, 2, 20, 20, 11,
         {"causal": 1, "sliding_window": 5}, None),
        ("chunk_kvlen_mqa", 1, 5, 16, 4, 1, 12, 12, 13, {"causal": 1}, None),
        ("dilated_causal", 1, 13, 13, 2, 2, 12, 12, None,
         {"causal": 1, "dilation_rate": 2, "dilation_segment": 4}, None),
        ("dilated_noncausal", 1, 13, 13, 2, 1, 12, 12, None,
         {"dilation_rate": 3, "dilation_segment": 6}, None),
        ("longformer_global", 1, 13, 13, 3, 1, 12, 12, None,
         {"sliding_window": 3, "global_tokens": 2}, None),
        ("block_sparse_zero_rows", 2, 13, 13, 2, 2, 12, 12, None,
         {"block_size": 4, "block_layout": bl_zero_row}, None),
        ("block_sparse_causal_global", 1, 13, 13, 6, 2, 12, 12, None,
         {"causal": 1, "block_size": 4, "block_layout": bl_lower,
          "global_tokens": 1}, None),
        ("mask_mod_bh_kvlen", 2, 7, 16, 6, 2, 12, 12, 12,
         {"causal": 1, "mask_mod": "bh_pattern"}, None),
        ("mask_mod_document", 1, 13, 13, 3, 3, 20, 12, None,
         {"mask_mod": "document"}, None),
        ("score_mod_softcap", 1, 13, 13, 6, 2, 12, 12, None,
         {"causal": 1, "scale": f32(0.9), "score_mod": "softcap_2"}, None),
        ("score_mod_alibi_bias", 2, 7, 7, 6, 2, 12, 12, None,
         {"score_mod": "alibi_b"}, ("B", 1, 1, "Skv")),
        ("bias_padding", 2, 7, 7, 6, 2, 12, 12, None, {"causal": 1},
         ("B", 1, 1, "Skv", "pad")),
        ("bias_full_kvlen", 2, 7, 13, 6, 2, 12, 12, 10, {},
         ("B", "Hq", "Sq", "Skv")),
        ("bias_heads_keys", 1, 13, 13, 6, 2, 12, 12, None, {"causal": 1},
         (1, "Hq", 1, "Skv")),
        ("scale_mqa", 2, 7, 13, 6, 1, 20, 20, None, {"scale": f32(0.3)}, None),
        ("sq_gt_skv_window", 1, 7, 5, 2, 2, 12, 12, None,
         {"sliding_window": 3}, None),
        ("single_token", 1, 1, 1, 2, 1, 12, 12, None, {"causal": 1}, None),
        ("all_terms", 2, 7, 16, 6, 2, 12, 12, 15,
         {"causal": 1, "sliding_window": 6, "dilation_rate": 2,
          "dilation_segment": 8, "global_tokens": 2, "block_size": 4,
          "block_layout": bl_mixed, "mask_mod": "bh_pattern",
          "score_mod": "softcap_2", "scale": f32(0.5)},
         ("B", 1, "Sq", "Skv")),
    ]
    # Value dims that are multiples of 16 take the register-tiled vector
    # kernel: lengths spanning several query and key tiles (64 keys, about
    # 64 query rows), ragged last tiles, skipped and mask-free tiles.
    bl_5x5 = [1, 0, 0, 1, 0,
              0, 1, 0, 0, 0,
              1, 1, 1, 0, 0,
              0, 0, 0, 0, 0,  # block row 3 sees nothing
              1, 0, 0, 1, 1]
    specs += [
        ("vec_causal_gqa", 1, 150, 150, 8, 2, 24, 32, None, {"causal": 1}, None),
        ("vec_noncausal", 2, 77, 77, 2, 2, 16, 16, None, {}, None),
        ("vec_sliding_causal", 1, 200, 200, 2, 1, 16, 16, None,
         {"causal": 1, "sliding_window": 50}, None),
        ("vec_sliding_noncausal", 1, 140, 140, 2, 2, 12, 16, None,
         {"sliding_window": 30}, None),
        ("vec_dilated", 1, 130, 130, 2, 1, 16, 16, None,
         {"dilation_rate": 2, "dilation_segment": 40}, None),
        ("vec_longformer_global", 1, 150, 150, 2, 2, 16, 16, None,
         {"sliding_window": 20, "global_tokens": 3}, None),
        ("vec_block_sparse", 1, 130, 130, 2, 2, 16, 16, None,
         {"causal": 1, "block_size": 32, "block_layout": bl_5x5}, None),
        ("vec_decode_kvlen_window", 2, 1, 200, 8, 2, 16, 32, 170,
         {"causal": 1, "sliding_window": 100}, None),
        ("vec_chunk_kvlen", 1, 40, 256, 4, 2, 16, 16, 190, {"causal": 1}, None),
        ("vec_bias_softcap", 1, 90, 90, 2, 1, 16, 16, None,
         {"causal": 1, "score_mod": "softcap_2"}, ("B", 1, "Sq", "Skv")),
        ("vec_mask_mod_document", 1, 100, 100, 2, 2, 16, 16, None,
         {"mask_mod": "document"}, None),
        ("vec_dv128", 1, 70, 70, 2, 2, 128, 128, None, {"causal": 1}, None),
        ("vec_group3_dv48", 1, 50, 50, 6, 2, 16, 48, None, {"causal": 1}, None),
        # Two queries against 650 of 700 cached keys: split over the key
        # tiles in uneven shares, merged.
        ("vec_split_kv_mqa", 2, 2, 700, 4, 1, 16, 32, 650, {"causal": 1}, None),
        # Ring caches for sliding windows: slot s holds the latest position
        # = s (mod Skv); kv_length beyond the ring, or not yet filled.
        ("vec_ring_decode_window", 1, 1, 24, 4, 2, 16, 16, 61,
         {"causal": 1, "sliding_window": 20, "ring": 1}, None),
        ("vec_ring_chunk_window", 2, 5, 24, 4, 2, 16, 32, 100,
         {"causal": 1, "sliding_window": 20, "ring": 1}, None),
        ("vec_ring_not_full", 1, 4, 24, 2, 2, 16, 16, 10,
         {"causal": 1, "sliding_window": 20, "ring": 1}, None),
        ("ring_generic_dv12", 1, 3, 10, 2, 1, 12, 12, 23,
         {"causal": 1, "sliding_window": 8, "ring": 1}, None),
    ]
    # Shapes for the GPU kernels (--target=cuda; on the CPU they take the
    # vector kernel): one query position with head dims that are multiples
    # of 32 takes the split-KV decode kernels (splits of 256 keys: several
    # splits, some empty under the window), head dim 128 splits each query
    # row over two threads.
    specs += [
        ("gpu_decode_gqa_window", 1, 1, 600, 4, 2, 64, 64, 530,
         {"causal": 1, "sliding_window": 300}, None),
        ("gpu_decode_bias_softcap", 1, 1, 300, 2, 1, 32, 64, 290,
         {"causal": 1, "score_mod": "softcap_2"}, ("B", 1, "Sq", "Skv")),
        ("gpu_decode_ring", 1, 1, 64, 2, 2, 32, 32, 150,
         {"causal": 1, "sliding_window": 40, "ring": 1}, None),
        ("gpu_prefill_hd128_gqa", 1, 130, 130, 2, 1, 128, 128, None,
         {"causal": 1}, None),
    ]
    for case, B, Sq, Skv, Hq, Hkv, Dk, Dv, L, attrs, bias_spec in specs:
        rng = rng_for("attention_" + case)
        q = randn(rng, B, Sq, Hq, Dk)
        k = randn(rng, B, Skv, Hkv, Dk)
        v = randn(rng, B, Skv, Hkv, Dv)
        bias = None
        if bias_spec is not None:
            sizes = {"B": B, "Hq": Hq, "Sq": Sq, "Skv": Skv}
            shape = [sizes.get(d, d) if isinstance(d, str) else d for d in bias_spec[:4]]
            if len(bias_spec) > 4 and bias_spec[4] == "pad":
                bias = np.zeros(shape, dtype=np.float32)
                bias[0, 0, 0, 5:] = -np.inf  # batch 0 pads its last 2 keys
                bias[1, 0, 0, 3] = -np.inf   # batch 1 masks key 3
            else:
                bias = randn(rng, *shape)
        res = attention_golden(q, k, v, bias, L, attrs)
        assert torch.isfinite(res).all(), case
        if L is not None:
            attrs = dict(attrs, kv_length=L)
        add("attention", case, {"query": q, "key": k, "value": v, "bias": bias},
            attrs, {"result": out(res)})


# ----------------------------------------------------------------------------
# selective_scan (Mamba's selective_scan_ref, with an initial state)
# ----------------------------------------------------------------------------

def selective_scan_ref(u, delta, A, B, C, D=None, z=None, delta_bias=None,
                       delta_softplus=False, initial_state=None):
    """Mamba's selective_scan_ref (channel-major: u, delta, z (b d l);
    A (d n); B, C (b n l); D, delta_bias (d)), plus an initial state."""
    if delta_bias is not None:
        delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    x = A.new_zeros((batch, dim, dstate)) if initial_state is None else initial_state
    ys = []
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        y = torch.einsum("bdn,bn->bd", x, C[:, :, i])
        ys.append(y)
    y = torch.stack(ys, dim=2)
    out_ = y if D is None else y + u * D[:, None]
    if z is not None:
        out_ = out_ * F.silu(z)
    return out_, x


def gen_selective_scan():
    # (case, B, L, D, N, with D, z, delta_bias, initial_state, softplus)
    specs = [
        ("full", 2, 13, 12, 5, True, True, True, True, True),
        ("minimal", 1, 7, 20, 4, False, False, False, False, False),
        ("decode", 2, 1, 12, 5, True, True, False, True, True),
        ("bias_no_softplus", 1, 7, 12, 3, True, False, True, False, False),
        # D a multiple of 16: the vector kernel, time chunks of 64 (ragged
        # last chunk) over tiles of 2 and 8 blocks of 16 channels.
        ("vec_chunks_tile2", 1, 150, 128, 16, True, True, True, True, True),
        ("vec_tile8", 1, 70, 512, 8, True, False, False, False, True),
        ("vec_decode", 2, 1, 32, 16, True, True, False, True, True),
        # The two-pass parallel prefix over 3 time segments (ragged; one
        # holds a partial chunk), and more segments than steps.
        ("vec_segments3", 2, 150, 64, 16, True, True, True, True, True),
        ("vec_segments_gt_length", 1, 2, 32, 8, True, True, False, True, True),
    ]
    flags = {"vec_segments3": "--scan-segments=3",
             "vec_segments_gt_length": "--scan-segments=4"}
    for case, Bn, L, Dd, N, hasD, hasZ, hasBias, hasInit, sp in specs:
        rng = rng_for("selective_scan_" + case)
        u = randn(rng, Bn, L, Dd)
        if sp:
            delta = randn(rng, Bn, L, Dd, scale=0.5) - 1.0
        else:
            delta = uniform(rng, 0.01, 0.5, Bn, L, Dd)
        A = -np.exp(randn(rng, Dd, N, scale=0.5)).astype(np.float32)
        Bm = randn(rng, Bn, L, N)
        Cm = randn(rng, Bn, L, N)
        Dv = randn(rng, Dd) if hasD else None
        z = randn(rng, Bn, L, Dd) if hasZ else None
        db = (uniform(rng, 0.0, 0.3, Dd) if not sp else randn(rng, Dd, scale=0.3)) if hasBias else None
        h0 = randn(rng, Bn, Dd, N) if hasInit else None
        tr = lambda a: None if a is None else T(a).transpose(1, 2)
        y, h = selective_scan_ref(tr(u), tr(delta), T(A), tr(Bm), tr(Cm), T(Dv), tr(z),
                                  T(db), sp, T(h0))
        attrs = {"delta_softplus": 1} if sp else {}
        if case in flags:
            attrs["seqc_flags"] = flags[case]
        add("selective_scan", case,
            {"u": u, "delta": delta, "A": A, "B": Bm, "C": Cm, "D": Dv, "z": z,
             "delta_bias": db, "initial_state": h0}, attrs,
            {"output": out(y.transpose(1, 2)), "final_state": out(h)})


# ----------------------------------------------------------------------------
# ssd (Mamba2), per-step loop
# ----------------------------------------------------------------------------

def gen_ssd():
    # (case, B, L, H, P, G, N, D, z, dt_bias, init, softplus, dt_limit, chunk)
    specs = [
        ("full", 2, 13, 6, 4, 2, 5, True, True, True, True, True, (0.05, 0.8), 4),
        ("minimal", 1, 7, 3, 12, 1, 4, False, False, False, False, False, None, None),
        ("decode_groups3", 2, 1, 6, 4, 3, 5, True, False, True, True, True, None, None),
        ("limit_no_softplus", 1, 7, 2, 4, 2, 3, False, True, True, False, False,
         (0.1, 0.3), 64),
        # P and N multiples of 16: the register-tiled chunk products; chunk 32
        # does not divide L = 100.
        ("vec_chunks", 1, 100, 2, 16, 1, 32, True, True, True, True, True, None, 32),
    ]
    for case, Bn, L, H, P, G, N, hasD, hasZ, hasBias, hasInit, sp, lim, chunk in specs:
        rng = rng_for("ssd_" + case)
        x = randn(rng, Bn, L, H, P)
        dt = randn(rng, Bn, L, H) - 1.0 if sp else uniform(rng, 0.01, 0.5, Bn, L, H)
        A = -np.exp(randn(rng, H, scale=0.5)).astype(np.float32)
        Bm = randn(rng, Bn, L, G, N)
        Cm = randn(rng, Bn, L, G, N)
        Dv = randn(rng, H) if hasD else None
        z = randn(rng, Bn, L, H, P) if hasZ else None
        dtb = (randn(rng, H, scale=0.5) if sp else uniform(rng, 0.0, 0.2, H)) if hasBias else None
        s0 = randn(rng, Bn, H, P, N) if hasInit else None
        lim32 = None if lim is None else (f32(lim[0]), f32(lim[1]))

        step = T(dt)
        if dtb is not None:
            step = step + T(dtb)
        if sp:
            step = F.softplus(step)
        if lim32 is not None:
            step = step.clamp(min=lim32[0], max=lim32[1])
        Bh = T(Bm).repeat_interleave(H // G, dim=2)
        Ch = T(Cm).repeat_interleave(H // G, dim=2)
        xt = T(x)
        S = torch.zeros(Bn, H, P, N, dtype=F64) if s0 is None else T(s0)
        ys = []
        for t in range(L):
            dA = torch.exp(step[:, t] * T(A))  # [B, H]
            S = S * dA[:, :, None, None] + \
                step[:, t, :, None, None] * xt[:, t, :, :, None] * Bh[:, t, :, None, :]
            y = torch.einsum("bhpn,bhn->bhp", S, Ch[:, t])
            if Dv is not None:
                y = y + T(Dv)[None, :, None] * xt[:, t]
            if z is not None:
                y = y * F.silu(T(z)[:, t])
            ys.append(y)
        y = torch.stack(ys, dim=1)
        attrs = {}
        if sp:
            attrs["dt_softplus"] = 1
        if lim32 is not None:
            attrs["dt_limit"] = list(lim32)
        if chunk is not None:
            attrs["chunk_size"] = chunk
        add("ssd", case, {"x": x, "dt": dt, "A": A, "B": Bm, "C": Cm, "D": Dv,
                          "z": z, "dt_bias": dtb, "initial_state": s0}, attrs,
            {"output": out(y), "final_state": out(S)})


# ----------------------------------------------------------------------------
# linear_attention, per-step loop
# ----------------------------------------------------------------------------

def gen_linear_attention():
    # (case, B, L, H, K, V, decay kind, init, scale, chunk)
    specs = [
        ("plain", 2, 13, 3, 12, 20, None, False, 0.25, None),
        ("retnet_head_decay", 1, 13, 2, 12, 12, "head", True, None, 8),
        ("vec_retnet_chunks", 1, 70, 2, 16, 32, "head", True, None, 16),
        ("scalar_gate", 2, 7, 3, 12, 5, "scalar", True, 0.5, None),
        ("scalar_gate_chunks", 1, 19, 2, 8, 6, "scalar", True, None, 4),
        ("gla_channel_gate", 2, 7, 2, 12, 20, "channel", False, None, None),
        ("decode_gla", 2, 1, 3, 12, 12, "channel", True, 0.3, None),
        # GLA chunkwise: chunks of 16 (not dividing 50), V a multiple of 16
        # (register tiles) and not (5), strong gates.
        ("vec_gla_chunks", 1, 50, 2, 16, 32, "channel", True, 0.25, None),
        ("gla_chunks_odd", 2, 37, 2, 12, 5, "channel", True, None, 8),
    ]
    for case, Bn, L, H, K, V, decay, hasInit, scale, chunk in specs:
        rng = rng_for("linear_attention_" + case)
        q = randn(rng, Bn, L, H, K)
        k = randn(rng, Bn, L, H, K, scale=0.5)
        v = randn(rng, Bn, L, H, V)
        g = None
        if decay == "head":
            g = np.log(1.0 - np.exp2(-5.0 - np.arange(H))).astype(np.float32)
        elif decay == "scalar":
            g = F.logsigmoid(torch.from_numpy(randn(rng, Bn, L, H)) + 2.0).numpy()
        elif decay == "channel":
            g = F.logsigmoid(torch.from_numpy(randn(rng, Bn, L, H, K)) + 1.0).numpy()
        s0 = randn(rng, Bn, H, K, V) if hasInit else None
        sc = f32(1.0 if scale is None else scale)

        if g is None:
            gk = torch.zeros(Bn, L, H, K, dtype=F64)
        elif g.ndim == 1:
            gk = T(g)[None, None, :, None].expand(Bn, L, H, K)
        elif g.ndim == 3:
            gk = T(g)[..., None].expand(Bn, L, H, K)
        else:
            gk = T(g)
        qt, kt, vt = T(q), T(k), T(v)
        S = torch.zeros(Bn, H, K, V, dtype=F64) if s0 is None else T(s0)
        ys = []
        for t in range(L):
            S = S * torch.exp(gk[:, t])[..., None] + \
                torch.einsum("bhk,bhv->bhkv", kt[:, t], vt[:, t])
            ys.append(torch.einsum("bhkv,bhk->bhv", S, sc * qt[:, t]))
        y = torch.stack(ys, dim=1)
        attrs = {}
        if scale is not None:
            attrs["scale"] = sc
        if chunk is not None:
            attrs["chunk_size"] = chunk
        add("linear_attention", case,
            {"query": q, "key": k, "value": v, "log_decay": g, "initial_state": s0},
            attrs, {"output": out(y), "final_state": out(S)})


# ----------------------------------------------------------------------------
# delta_rule, per-step in the matrix form S_t = e^g (I - b k k^T) S + b k v^T
# ----------------------------------------------------------------------------

def gen_delta_rule():
    # (case, B, L, H, K, V, gated, init, scale, chunk); the default lowering
    # is chunkwise (WY), "_stepwise" cases pin the step-by-step one.
    specs = [
        ("plain", 2, 13, 3, 12, 20, False, False, 0.25, None),
        ("plain_stepwise", 2, 13, 3, 12, 20, False, False, 0.25, None),
        ("gated_init", 1, 19, 2, 16, 8, True, True, None, None),
        ("gated_init_stepwise", 1, 19, 2, 16, 8, True, True, None, None),
        ("decode", 2, 1, 3, 12, 12, True, True, 0.3, None),
        ("decode_stepwise", 2, 1, 3, 12, 12, True, True, 0.3, None),
        # Chunks of 16 not dividing 70, and of 8 with V=5.
        ("gated_chunks", 1, 70, 2, 32, 16, True, True, 0.125, 16),
        ("chunks_odd", 2, 37, 2, 12, 5, True, False, None, 8),
        ("plain_chunks", 1, 40, 1, 16, 16, False, True, None, 16),
    ]
    for case, Bn, L, H, K, V, gated, hasInit, scale, chunk in specs:
        rng = rng_for("delta_rule_" + case)
        q = randn(rng, Bn, L, H, K)
        # Unit keys and beta in (0, 1), as DeltaNet feeds them: the update
        # (I - b k k^T) is then a contraction.
        k = randn(rng, Bn, L, H, K)
        k = (k / np.linalg.norm(k, axis=-1, keepdims=True)).astype(np.float32)
        v = randn(rng, Bn, L, H, V)
        beta = torch.sigmoid(torch.from_numpy(randn(rng, Bn, L, H))).numpy()
        g = F.logsigmoid(torch.from_numpy(randn(rng, Bn, L, H)) + 2.0).numpy() \
            if gated else None
        s0 = randn(rng, Bn, H, K, V, scale=0.5) if hasInit else None
        sc = f32(1.0 if scale is None else scale)

        qt, kt, vt, bt = T(q), T(k), T(v), T(beta)
        gt = torch.zeros(Bn, L, H, dtype=F64) if g is None else T(g)
        S = torch.zeros(Bn, H, K, V, dtype=F64) if s0 is None else T(s0)
        eye = torch.eye(K, dtype=F64)
        ys = []
        for t in range(L):
            kk = kt[:, t]  # [B, H, K]
            b_ = bt[:, t][..., None, None]
            transition = torch.exp(gt[:, t])[..., None, None] * (
                eye - b_ * kk[..., :, None] * kk[..., None, :])
            S = transition @ S + b_ * kk[..., :, None] * vt[:, t][..., None, :]
            ys.append(torch.einsum("bhkv,bhk->bhv", S, sc * qt[:, t]))
        y = torch.stack(ys, dim=1)
        attrs = {}
        if scale is not None:
            attrs["scale"] = sc
        if chunk is not None:
            attrs["chunk_size"] = chunk
        if case.endswith("_stepwise"):
            attrs["lowering"] = "reference"
        add("delta_rule", case,
            {"query": q, "key": k, "value": v, "beta": beta, "log_decay": g,
             "initial_state": s0},
            attrs, {"output": out(y), "final_state": out(S)})


# ----------------------------------------------------------------------------
# mlstm (xLSTM), through transformers' own kernels in float64
# ----------------------------------------------------------------------------

def gen_mlstm():
    from transformers.models.xlstm import modeling_xlstm as X
    # (case, B, L, H, K, V, gate scale, initial state, scale, epsilon,
    # chunk); the default lowering is chunkwise, "_stepwise" cases pin the
    # step-by-step one (same inputs as the case they extend).
    specs = [
        ("basic", 2, 13, 3, 8, 12, 2.0, False, None, None, None),
        ("basic_stepwise", 2, 13, 3, 8, 12, 2.0, False, None, None, None),
        ("init", 1, 9, 2, 16, 8, 2.0, True, None, None, 4),
        ("init_stepwise", 1, 9, 2, 16, 8, 2.0, True, None, None, None),
        ("decode", 2, 1, 3, 8, 8, 2.0, True, None, None, None),
        ("decode_stepwise", 2, 1, 3, 8, 8, 2.0, True, None, None, None),
        # Input gates up to the soft cap's range: the stabiliser carries them.
        ("large_gates", 1, 20, 2, 8, 8, 8.0, False, None, None, 8),
        ("scale_epsilon", 1, 11, 2, 12, 6, 2.0, True, 0.3, 1e-2, 5),
        # Long enough for transformers' chunkwise kernel (chunks of 16),
        # checked here to agree with the step-by-step one.
        ("long", 1, 48, 2, 8, 8, 2.0, True, None, None, 16),
        ("long_stepwise", 1, 48, 2, 8, 8, 2.0, True, None, None, None),
    ]
    for case, Bn, L, H, K, V, gscale, hasInit, scale, eps, chunk in specs:
        rng = rng_for("mlstm_" + case.removesuffix("_stepwise"))
        q = randn(rng, Bn, L, H, K)
        k = randn(rng, Bn, L, H, K)
        v = randn(rng, Bn, L, H, V)
        ig = randn(rng, Bn, L, H, scale=gscale)
        fg = (randn(rng, Bn, L, H, scale=gscale) + 3.0).astype(np.float32)
        c0 = n0 = m0 = None
        if hasInit:
            c0 = randn(rng, Bn, H, K, V)
            n0 = randn(rng, Bn, H, K)
            m0 = randn(rng, Bn, H)
        sc = f32(K ** -0.5 if scale is None else scale)
        ep = f32(1e-6 if eps is None else eps)

        def bhl(x):  # [B, L, H, ...] -> transformers' [B, H, L, ...]
            return T(x).transpose(1, 2).contiguous()
        # transformers scales the query by K^-1/2 itself: hand it q * sc / K^-1/2.
        qt = bhl(q) * (sc / K ** -0.5)
        init = {}
        if hasInit:
            init = dict(c_initial=T(c0), n_initial=T(n0), m_initial=T(m0)[..., None])
        h, (C, n, m) = X.mlstm_recurrent_sequence_native(
            qt, bhl(k), bhl(v), bhl(ig), bhl(fg), return_last_states=True, eps=ep,
            dtype_state=F64, **init)
        if L % 16 == 0:
            hc, (Cc, nc, mc) = X.mlstm_chunkwise_native_autograd(
                qt, bhl(k), bhl(v), bhl(ig), bhl(fg), return_last_states=True, eps=ep,
                chunk_size=16, **init)
            assert torch.allclose(h, hc, atol=1e-9) and torch.allclose(C, Cc, atol=1e-9), case
        attrs = {}
        if scale is not None:
            attrs["scale"] = sc
        if eps is not None:
            attrs["epsilon"] = ep
        if chunk is not None:
            attrs["chunk_size"] = chunk
        if case.endswith("_stepwise"):
            attrs["lowering"] = "reference"
        add("mlstm", case,
            {"query": q, "key": k, "value": v, "igate": ig, "fgate": fg,
             "initial_memory": c0, "initial_normalizer": n0, "initial_stabilizer": m0},
            attrs,
            {"output": out(h.transpose(1, 2)), "final_memory": out(C),
             "final_normalizer": out(n), "final_stabilizer": out(m[..., 0])})


# ----------------------------------------------------------------------------
# wkv (RWKV-4), from its closed form: a softmax-like weighted mean of values
# ----------------------------------------------------------------------------

def wkv_closed_form(w, u, k, v, s0):
    """y_t = (A_t + e^(u+k_t) v_t) / (D_t + e^(u+k_t)) with the true sums
    A_t = e^(t w) a0 e^(m0) + sum_{i<t} e^((t-1-i) w + k_i) v_i (D_t: without
    v), each evaluated afresh in float64 with its largest exponent factored
    out; the final state is (A_L, D_L) / e^m with m the largest exponent."""
    B, L, C = k.shape
    y = np.zeros((B, L, C))
    state = np.zeros((B, 3, C))
    w, u, k, v = (np.asarray(x, dtype=np.float64) for x in (w, u, k, v))
    for b in range(B):
        for c in range(C):
            a0 = d0 = 0.0
            m0 = None
            if s0 is not None and s0[b, 1, c] != 0:
                a0, d0, m0 = (float(x) for x in s0[b, :, c])
            for t in range(L + 1):
                # (exponent, weight on v, weight on 1) of every term
                terms = [((t - 1 - i) * w[c] + k[b, i, c], v[b, i, c], 1.0)
                         for i in range(t)]
                if m0 is not None:
                    terms.append((m0 + t * w[c], a0, d0))
                if t < L:
                    terms.append((u[c] + k[b, t, c], v[b, t, c], 1.0))
                    top = max(e for e, _, _ in terms)
                    num = sum(np.exp(e - top) * x for e, x, _ in terms)
                    den = sum(np.exp(e - top) * z for e, _, z in terms)
                    y[b, t, c] = num / den
                else:  # the state after the last token
                    top = max(e for e, _, _ in terms) if terms else 0.0
                    state[b, 0, c] = sum(np.exp(e - top) * x for e, x, _ in terms)
                    state[b, 1, c] = sum(np.exp(e - top) * z for e, _, z in terms)
                    state[b, 2, c] = top
    return y.astype(np.float32), state.astype(np.float32)


def gen_wkv():
    # (case, B, L, C, key scale, key offset, initial state)
    specs = [
        ("basic", 2, 13, 12, 1.0, 0.0, None),
        # Keys far outside exp's float32 range: only the stabiliser keeps
        # the sums finite.
        ("large_keys", 1, 17, 8, 60.0, 0.0, None),
        ("init", 1, 9, 20, 1.0, 0.0, "random"),
        ("decode", 2, 1, 12, 1.0, 0.0, "random"),
        # A zero state is the empty one, even under keys whose exponentials
        # underflow (e^(k + u) = 0 against an exponent of 0).
        ("zero_state", 1, 5, 8, 1.0, -150.0, "zeros"),
        ("some_empty_rows", 2, 4, 10, 3.0, 0.0, "some_empty"),
    ]
    for case, Bn, L, C, kscale, koffset, init in specs:
        rng = rng_for("wkv_" + case)
        # RWKV's decay is -exp(time_decay), its bonus time_first.
        w = (-np.exp(randn(rng, C, scale=0.7))).astype(np.float32)
        u = randn(rng, C)
        k = (randn(rng, Bn, L, C, scale=kscale) + koffset).astype(np.float32)
        v = randn(rng, Bn, L, C)
        s0 = None
        if init == "zeros":
            s0 = np.zeros((Bn, 3, C), np.float32)
        elif init is not None:
            a0 = randn(rng, Bn, C)
            d0 = uniform(rng, 0.5, 3.0, Bn, C)
            m0 = randn(rng, Bn, C, scale=2.0)
            s0 = np.stack([a0, d0, m0], axis=1).astype(np.float32)
            if init == "some_empty":
                empty = rng.random((Bn, C)) < 0.4
                # An empty row's exponent is ignored, whatever it holds.
                s0[:, 0][empty] = 0.0
                s0[:, 1][empty] = 0.0
        y, state = wkv_closed_form(w, u, k, v, s0)
        add("wkv", case,
            {"log_decay": w, "bonus": u, "key": k, "value": v,
             "initial_state": s0},
            {}, {"output": y, "final_state": state})


# ----------------------------------------------------------------------------
# causal_conv1d (grouped F.conv1d)
# ----------------------------------------------------------------------------

def gen_causal_conv1d():
    # (case, B, L, C, K, bias, state, activation)
    specs = [
        ("bias_silu", 2, 13, 12, 4, True, False, "silu"),
        ("state_plain", 1, 7, 20, 4, False, True, None),
        ("decode", 2, 1, 12, 4, True, True, "silu"),
        ("one_tap", 2, 7, 5, 1, True, False, None),
        ("short_input_state", 1, 2, 12, 4, True, True, "gelu"),
        ("k3_tanh", 1, 13, 7, 3, False, False, "tanh"),
    ]
    for case, Bn, L, C, K, hasBias, hasState, act in specs:
        rng = rng_for("causal_conv1d_" + case)
        x = randn(rng, Bn, L, C)
        w = randn(rng, C, K, scale=0.5)
        b = randn(rng, C) if hasBias else None
        st = randn(rng, Bn, C, K - 1) if hasState else None
        xc = T(x).transpose(1, 2)  # [B, C, L]
        wc = T(w)[:, None, :]       # [C, 1, K]
        if st is None:
            y = F.conv1d(xc, wc, T(b), padding=K - 1, groups=C)[..., :L]
            xs = torch.cat((torch.zeros(Bn, C, K - 1, dtype=F64), xc), dim=-1)
        else:
            xs = torch.cat((T(st), xc), dim=-1)
            y = F.conv1d(xs, wc, T(b), groups=C)
        if act is not None:
            y = ACTS[act](y)
        final = xs[..., L:]
        attrs = {} if act is None else {"activation": act}
        add("causal_conv1d", case, {"input": x, "weight": w, "bias": b, "state": st},
            attrs, {"output": out(y.transpose(1, 2)), "final_state": out(final)})


# ----------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------

def fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return " ".join(fmt(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write(out_dir):
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    total = 0
    for op, case, inputs, attrs, outputs in CASES:
        d = os.path.join(out_dir, f"{op}_{case}")
        os.makedirs(d)
        lines = [f"op {op}"]
        for name, val in attrs.items():
            lines.append(f"attr {name} {fmt(val)}")
        for name, arr in inputs.items():
            arr = np.ascontiguousarray(arr)
            assert arr.dtype in (np.float32, np.int64), (op, case, name, arr.dtype)
            np.save(os.path.join(d, f"{name}.npy"), arr)
            lines.append(f"input {name}")
        for name, arr in outputs.items():
            assert arr.dtype == np.float32 and np.isfinite(arr).all(), (op, case, name)
            np.save(os.path.join(d, f"expected_{name}.npy"), np.ascontiguousarray(arr))
            lines.append(f"output {name}")
        with open(os.path.join(d, "case.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        total += sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="goldens folder (replaced)")
    args = parser.parse_args()
    torch.set_default_dtype(F64)
    for gen in [gen_embedding, gen_linear, gen_rmsnorm, gen_layernorm, gen_rope,
                gen_activation, gen_glu, gen_softmax, gen_moe, gen_moe_sigmoid, gen_moe_grouped, gen_attention,
                gen_selective_scan, gen_ssd, gen_linear_attention, gen_delta_rule,
                gen_mlstm, gen_wkv, gen_causal_conv1d]:
        gen()
    total = write(args.out)
    print(f"wrote {len(CASES)} cases, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
