#!/usr/bin/env python3
"""Writes a hybrid (attention + Mamba) language model in the seq dialect.

    bench/models/make_hybrid.py --layers attn,mamba -o model.mlir

The same structure as examples/hybrid-tiny.mlir (RMSNorm, RoPE + GQA
attention over a KV cache, Mamba mixer with causal conv and selective scan,
SwiGLU MLPs, untied LM head), at any size, for benchmarks. Weights follow
Hugging Face names; tools/random-weights.py fills them.
"""

import argparse


def tensor(*dims, dtype="f32"):
    return "tensor<" + "x".join(str(d) for d in dims) + "x" + dtype + ">"


class Writer:
    def __init__(self, a):
        self.a = a
        self.lines = []

    def emit(self, text=""):
        self.lines.append(text)

    def weight(self, name, *dims):
        var = "%w" + str(len(self.lines))
        self.emit(f'  {var} = seq.weight "{name}" : {tensor(*dims)}')
        return var

    def attention(self, i):
        a = self.a
        d, h, kv, hd, cap = a.hidden, a.heads, a.kv_heads, a.head_dim, a.max_positions
        X = tensor(1, "?", d)
        C = tensor(1, cap, kv, hd)
        p = f"model.layers.{i}"
        self.emit(f"func.func private @attention_{i}(%x: {X}, %pos: index, %kc: {C}, %vc: {C}) -> ({X}, {C}, {C}) {{")
        self.emit("  %c1 = arith.constant 1 : index")
        self.emit(f"  %s = tensor.dim %x, %c1 : {X}")
        n = self.weight(f"{p}.input_layernorm.weight", d)
        self.emit(f"  %h = seq.rmsnorm %x, {n} {{epsilon = 1.0e-6 : f32}} : {X}, {tensor(d)}")
        for name, heads in (("q", h), ("k", kv), ("v", kv)):
            w = self.weight(f"{p}.self_attn.{name}_proj.weight", heads * hd, d)
            self.emit(f"  %{name}2 = seq.linear %h, {w} : {X}, {tensor(heads * hd, d)} -> {tensor(1, '?', heads * hd)}")
            self.emit(f"  %{name} = tensor.expand_shape %{name}2 [[0], [1], [2, 3]] output_shape [1, %s, {heads}, {hd}] : {tensor(1, '?', heads * hd)} into {tensor(1, '?', heads, hd)}")
        self.emit("  %positions = tensor.generate %s {")
        self.emit("  ^bb0(%i: index):")
        self.emit("    %p = arith.addi %i, %pos : index")
        self.emit("    %p64 = arith.index_cast %p : index to i64")
        self.emit("    tensor.yield %p64 : i64")
        self.emit("  } : tensor<?xi64>")
        self.emit(f"  %qr = seq.rope %q, %positions {{theta = 10000.0 : f64}} : {tensor(1, '?', h, hd)}, tensor<?xi64>")
        self.emit(f"  %kr = seq.rope %k, %positions {{theta = 10000.0 : f64}} : {tensor(1, '?', kv, hd)}, tensor<?xi64>")
        self.emit(f"  %kc2 = tensor.insert_slice %kr into %kc[0, %pos, 0, 0] [1, %s, {kv}, {hd}] [1, 1, 1, 1] : {tensor(1, '?', kv, hd)} into {C}")
        self.emit(f"  %vc2 = tensor.insert_slice %v into %vc[0, %pos, 0, 0] [1, %s, {kv}, {hd}] [1, 1, 1, 1] : {tensor(1, '?', kv, hd)} into {C}")
        self.emit("  %n = arith.addi %pos, %s : index")
        self.emit(f"  %o = seq.attention %qr, %kc2, %vc2 kv_length(%n) {{causal}} : {tensor(1, '?', h, hd)}, {C}, {C} -> {tensor(1, '?', h, hd)}")
        self.emit(f"  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : {tensor(1, '?', h, hd)} into {tensor(1, '?', h * hd)}")
        w = self.weight(f"{p}.self_attn.o_proj.weight", d, h * hd)
        self.emit(f"  %proj = seq.linear %o2, {w} : {tensor(1, '?', h * hd)}, {tensor(d, h * hd)} -> {X}")
        self.emit(f"  %y = arith.addf %x, %proj : {X}")
        self.emit(f"  return %y, %kc2, %vc2 : {X}, {C}, {C}")
        self.emit("}")
        return [("k_cache", C), ("v_cache", C)]

    def mamba(self, i):
        a = self.a
        d, e, n, k, r = a.hidden, a.mamba_inner, a.state, a.conv, a.dt_rank
        X, E = tensor(1, "?", d), tensor(1, "?", e)
        CS, SS = tensor(1, e, k - 1), tensor(1, e, n)
        p = f"model.layers.{i}"
        self.emit(f"func.func private @mamba_{i}(%x: {X}, %conv: {CS}, %ssm: {SS}) -> ({X}, {CS}, {SS}) {{")
        self.emit("  %c1 = arith.constant 1 : index")
        self.emit(f"  %s = tensor.dim %x, %c1 : {X}")
        w = self.weight(f"{p}.input_layernorm.weight", d)
        self.emit(f"  %h = seq.rmsnorm %x, {w} {{epsilon = 1.0e-6 : f32}} : {X}, {tensor(d)}")
        w = self.weight(f"{p}.mamba.in_proj.weight", 2 * e, d)
        self.emit(f"  %xz = seq.linear %h, {w} : {X}, {tensor(2 * e, d)} -> {tensor(1, '?', 2 * e)}")
        self.emit(f"  %xs = tensor.extract_slice %xz[0, 0, 0] [1, %s, {e}] [1, 1, 1] : {tensor(1, '?', 2 * e)} to {E}")
        self.emit(f"  %z = tensor.extract_slice %xz[0, 0, {e}] [1, %s, {e}] [1, 1, 1] : {tensor(1, '?', 2 * e)} to {E}")
        w = self.weight(f"{p}.mamba.conv1d.weight", e, 1, k)
        self.emit(f"  %wc = tensor.collapse_shape {w} [[0], [1, 2]] : {tensor(e, 1, k)} into {tensor(e, k)}")
        b = self.weight(f"{p}.mamba.conv1d.bias", e)
        self.emit(f"  %xc, %conv2 = seq.causal_conv1d %xs, %wc, {b} state(%conv) activation silu : ({E}, {tensor(e, k)}, {tensor(e)}, {CS}) -> ({E}, {CS})")
        w = self.weight(f"{p}.mamba.x_proj.weight", r + 2 * n, e)
        self.emit(f"  %dbc = seq.linear %xc, {w} : {E}, {tensor(r + 2 * n, e)} -> {tensor(1, '?', r + 2 * n)}")
        self.emit(f"  %dtl = tensor.extract_slice %dbc[0, 0, 0] [1, %s, {r}] [1, 1, 1] : {tensor(1, '?', r + 2 * n)} to {tensor(1, '?', r)}")
        self.emit(f"  %b = tensor.extract_slice %dbc[0, 0, {r}] [1, %s, {n}] [1, 1, 1] : {tensor(1, '?', r + 2 * n)} to {tensor(1, '?', n)}")
        self.emit(f"  %c = tensor.extract_slice %dbc[0, 0, {r + n}] [1, %s, {n}] [1, 1, 1] : {tensor(1, '?', r + 2 * n)} to {tensor(1, '?', n)}")
        w = self.weight(f"{p}.mamba.dt_proj.weight", e, r)
        bb = self.weight(f"{p}.mamba.dt_proj.bias", e)
        self.emit(f"  %dt = seq.linear %dtl, {w}, {bb} : {tensor(1, '?', r)}, {tensor(e, r)}, {tensor(e)} -> {E}")
        w = self.weight(f"{p}.mamba.A_log", e, n)
        self.emit(f"  %ae = math.exp {w} : {tensor(e, n)}")
        self.emit(f"  %a = arith.negf %ae : {tensor(e, n)}")
        dd = self.weight(f"{p}.mamba.D", e)
        self.emit(f"  %y, %ssm2 = seq.selective_scan %xc, %dt, %a, %b, %c D({dd}) z(%z) initial_state(%ssm) {{delta_softplus}} : ({E}, {E}, {tensor(e, n)}, {tensor(1, '?', n)}, {tensor(1, '?', n)}, {tensor(e)}, {E}, {SS}) -> ({E}, {SS})")
        w = self.weight(f"{p}.mamba.out_proj.weight", d, e)
        self.emit(f"  %proj = seq.linear %y, {w} : {E}, {tensor(d, e)} -> {X}")
        self.emit(f"  %r = arith.addf %x, %proj : {X}")
        self.emit(f"  return %r, %conv2, %ssm2 : {X}, {CS}, {SS}")
        self.emit("}")
        return [("conv_state", CS), ("ssm_state", SS)]

    def mlp(self, i):
        a = self.a
        d, f = a.hidden, a.ffn
        X, F = tensor(1, "?", d), tensor(1, "?", f)
        p = f"model.layers.{i}"
        self.emit(f"func.func private @mlp_{i}(%x: {X}) -> {X} {{")
        n = self.weight(f"{p}.pre_ff_layernorm.weight", d)
        self.emit(f"  %h = seq.rmsnorm %x, {n} {{epsilon = 1.0e-6 : f32}} : {X}, {tensor(d)}")
        g = self.weight(f"{p}.feed_forward.gate_proj.weight", f, d)
        u = self.weight(f"{p}.feed_forward.up_proj.weight", f, d)
        dn = self.weight(f"{p}.feed_forward.down_proj.weight", d, f)
        self.emit(f"  %g = seq.linear %h, {g} : {X}, {tensor(f, d)} -> {F}")
        self.emit(f"  %u = seq.linear %h, {u} : {X}, {tensor(f, d)} -> {F}")
        self.emit(f"  %a = seq.glu silu %g, %u : {F}")
        self.emit(f"  %o = seq.linear %a, {dn} : {F}, {tensor(d, f)} -> {X}")
        self.emit(f"  %r = arith.addf %x, %o : {X}")
        self.emit(f"  return %r : {X}")
        self.emit("}")

    def model(self):
        a = self.a
        kinds = a.layers.split(",")
        states = []  # (name, type, kind, layer)
        for i, kind in enumerate(kinds):
            if kind == "attn":
                for name, t in self.attention(i):
                    states.append((f"layers.{i}.{name}", t))
            elif kind == "mamba":
                for name, t in self.mamba(i):
                    states.append((f"layers.{i}.{name}", t))
            else:
                raise SystemExit(f"make_hybrid: unknown layer kind {kind!r}")
            self.mlp(i)
        X = tensor(1, "?", a.hidden)
        L = tensor(1, "?", a.vocab)
        args = ", ".join(f'%s{j}: {t} {{seq.state = "{n}"}}' for j, (n, t) in enumerate(states))
        results = ", ".join(f'{t} {{seq.state = "{n}"}}' for n, t in states)
        for entry, ids in (("prefill", tensor(1, "?", dtype="i64")), ("decode", tensor(1, 1, dtype="i64"))):
            out = L if entry == "prefill" else tensor(1, 1, a.vocab)
            self.emit(f"func.func @{entry}(%ids: {ids}, %pos: index, {args}) -> ({out}, {results}) {{")
            if entry == "decode":
                self.emit(f"  %ids2 = tensor.cast %ids : {ids} to {tensor(1, '?', dtype='i64')}")
            src = "%ids2" if entry == "decode" else "%ids"
            e = self.weight("model.embed_tokens.weight", a.vocab, a.hidden)
            self.emit(f"  %x0 = seq.embedding {e}[{src}] : {tensor(a.vocab, a.hidden)}, {tensor(1, '?', dtype='i64')} -> {X}")
            x, j = "%x0", 0
            new_states = []
            for i, kind in enumerate(kinds):
                if kind == "attn":
                    t = states[j][1]
                    self.emit(f"  %a{i}, %k{i}, %v{i} = func.call @attention_{i}({x}, %pos, %s{j}, %s{j + 1}) : ({X}, index, {t}, {t}) -> ({X}, {t}, {t})")
                    new_states += [f"%k{i}", f"%v{i}"]
                else:
                    cs, ss = states[j][1], states[j + 1][1]
                    self.emit(f"  %a{i}, %k{i}, %v{i} = func.call @mamba_{i}({x}, %s{j}, %s{j + 1}) : ({X}, {cs}, {ss}) -> ({X}, {cs}, {ss})")
                    new_states += [f"%k{i}", f"%v{i}"]
                j += 2
                self.emit(f"  %m{i} = func.call @mlp_{i}(%a{i}) : ({X}) -> {X}")
                x = f"%m{i}"
            nf = self.weight("model.final_layernorm.weight", a.hidden)
            self.emit(f"  %xf = seq.rmsnorm {x}, {nf} {{epsilon = 1.0e-6 : f32}} : {X}, {tensor(a.hidden)}")
            hd = self.weight("lm_head.weight", a.vocab, a.hidden)
            self.emit(f"  %logits = seq.linear %xf, {hd} : {X}, {tensor(a.vocab, a.hidden)} -> {L}")
            res = "%logits"
            if entry == "decode":
                self.emit(f"  %logits1 = tensor.cast %logits : {L} to {out}")
                res = "%logits1"
            types = ", ".join([out] + [t for _, t in states])
            self.emit(f"  return {', '.join([res] + new_states)} : {types}")
            self.emit("}")
        body = "\n".join(self.lines)
        return (f"// Generated by bench/models/make_hybrid.py: layers {a.layers}, hidden {a.hidden}.\n"
                f"module attributes {{seq.max_positions = {a.max_positions} : i64}} {{\n{body}\n}}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", default="attn,mamba", help="comma-separated attn|mamba")
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--ffn", type=int, default=1536)
    p.add_argument("--mamba-inner", type=int, default=1024)
    p.add_argument("--state", type=int, default=16)
    p.add_argument("--conv", type=int, default=4)
    p.add_argument("--dt-rank", type=int, default=32)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--max-positions", type=int, default=512)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    with open(a.output, "w") as f:
        f.write(Writer(a).model())


if __name__ == "__main__":
    main()
