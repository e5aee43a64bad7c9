//===- AttentionOps.td - softmax attention -----------------*- tablegen -*-===//
//
// One op for every softmax-attention variant: the mask algebra is a set of
// attributes the sparsity pass can read, so masked work can be skipped.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_ATTENTIONOPS_TD
#define SEQC_DIALECT_SEQ_ATTENTIONOPS_TD

include "dialects/seq/IR/SeqBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_AttentionOp : Seq_Op<"attention", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor]> {
  let summary = "softmax attention with grouped KV heads and a mask algebra";
  let description = [{
    `result = softmax(scale · q·kᵀ + bias, masked) · v` per batch and query
    head. Shapes: `query` `[B, Sq, Hq, Dk]`, `key` `[B, Skv, Hkv, Dk]`,
    `value` `[B, Skv, Hkv, Dv]`, result `[B, Sq, Hq, Dv]`. `Hkv` must divide
    `Hq`; query head `h` reads KV head `h / (Hq / Hkv)` (GQA; `Hkv = 1` is
    MQA). `scale` defaults to `1/sqrt(Dk)`.

    **Positions.** Keys sit at positions `0 .. kv_length-1`, where
    `kv_length` is the optional `kv_length` operand (a KV cache of capacity
    `Skv` holding `kv_length` valid entries: the decode form) or `Skv`.
    Keys at or beyond `kv_length` are never visible. Queries are the last
    `Sq` positions: query `i` sits at `kv_length - Sq + i`.

    **Ring caches.** With `ring`, key/value slot `j` of a cache of `Skv`
    slots holds the latest position `p < kv_length` with `p ≡ j (mod Skv)`:
    `p = kv_length - 1 - ((kv_length - 1 - j) mod Skv)`, and slots
    `j ≥ kv_length` hold nothing yet. `kv_length` may then exceed `Skv`. A
    sliding-window layer keeps `Skv ≥ w + Sq - 1` slots, so memory is
    independent of the conversation's length.

    **Narrow KV caches.** Under an f32 query, key and value may both be bf16
    or both f16 (a cache kept at half the memory and decode traffic): they
    are widened exactly as they are read; scores, softmax, the output and
    `bias` stay f32.

    **8-bit KV caches.** With `scales(%ks, %vs)`, key and value are i8 in
    symmetric blocks along their head dim: key element `[b, j, h, d]` is
    `f32(key[b, j, h, d]) · f32(ks[b, j, h, d / block])` with
    `block = Dk / (ks dim 3)`, and likewise value with `vs` and `Dv`. Blocks
    of 32 with f16 scales are ggml's q8_0 cache; one block per head vector
    is a scale per (position, head). The query is f32.

    **Mask algebra.** Key `j` is visible to query `i` (absolute positions) iff
    ```
    (!causal || j <= i) &&
    (global(i, j) || (window(i, j) && dilated(i, j) && block(i, j))) &&
    mask_mod(b, h, i, j)
    ```
    where each term is true unless its attribute is present:
    * `causal`;
    * `sliding_window = w`: `i - j < w` when causal, `|i - j| < w` otherwise
      (Mistral, Longformer);
    * `dilation_rate = r, dilation_segment = s` (LongNet): `i` and `j` lie in
      the same segment of `s` positions and `(i - j) mod r = 0`;
    * `block_size = n, block_layout = dense<...> : tensor<RxCxi1>` (Sparse
      Transformers, BigBird): `layout[i / n][j / n]`;
    * `global_tokens = g` (Longformer): `global(i, j)` holds when `i < g` or
      `j < g`, letting those tokens bypass window, dilation and block terms
      (never causality);
    * `mask_mod` region: `(b, h, i, j : index) -> i1`, any index-only mask
      (documents, prefixes).
    **Scores.** Each visible score is
    `score_mod(scale · q·k, b, h, i, j) + bias[b, h, iq, j]`: the optional
    `score_mod` region `(score, b, h, i, j) -> score` (soft-capping, ALiBi,
    relative bias; `i`, `j` absolute positions) applies before the optional
    additive `bias` (Gemma 2 caps scores before adding its mask). `bias` is
    `[B, Hq, Sq, Skv]`, indexed by the query's row `iq` in this call and the
    key's position, with any dimension allowed to be 1 (broadcast), e.g. a
    `[B, 1, 1, Skv]` padding mask. A query with no visible key yields zeros.

    ```mlir
    // Causal GQA prefill: 8 query heads share 2 KV heads.
    %o = seq.attention %q, %k, %v {causal}
        : tensor<1x?x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>
        -> tensor<1x?x8x64xf32>
    // Decode against a ring of 1024 slots for a window of 1024 (positions
    // beyond 1024 overwrite the oldest slots).
    %r = seq.attention %q1, %kr, %vr kv_length(%n) {causal, ring, sliding_window = 1024 : i64}
        : tensor<1x1x8x64xf32>, tensor<1x1024x2x64xf32>, tensor<1x1024x2x64xf32>
        -> tensor<1x1x8x64xf32>
    // Decode against a KV cache of 4096 slots, a sliding window of 1024.
    %d = seq.attention %q1, %kc, %vc kv_length(%n) {causal, sliding_window = 1024 : i64}
        : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32>
        -> tensor<1x1x8x64xf32>
    // Decode against an 8-bit cache, blocks of 32 with f16 scales.
    %e = seq.attention %q1, %k8, %v8 kv_length(%n) scales(%ks, %vs) {causal}
        : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xi8>, tensor<1x4096x2x64xi8>
          scales tensor<1x4096x2x2xf16>, tensor<1x4096x2x2xf16>
        -> tensor<1x1x8x64xf32>
    // Tanh soft-capping of scores (Gemma 2).
    %c = seq.attention %q, %k, %v {causal}
        : tensor<1x?x8x64xf32>, tensor<1x?x8x64xf32>, tensor<1x?x8x64xf32>
        -> tensor<1x?x8x64xf32>
        score_mod {
        ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
          %cap = arith.constant 50.0 : f32
          %x = arith.divf %s, %cap : f32
          %t = math.tanh %x : f32
          %r = arith.mulf %t, %cap : f32
          seq.yield %r : f32
        }
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$query,
                       Seq_CacheTensorOfRank<[4]>:$key,
                       Seq_CacheTensorOfRank<[4]>:$value,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$bias,
                       Optional<Index>:$kv_length,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$key_scales,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$value_scales,
                       OptionalAttr<F32Attr>:$scale,
                       UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$sliding_window,
                       OptionalAttr<I64Attr>:$dilation_rate,
                       OptionalAttr<I64Attr>:$dilation_segment,
                       OptionalAttr<I64Attr>:$global_tokens,
                       OptionalAttr<I64Attr>:$block_size,
                       OptionalAttr<SignlessIntElementsAttr<1>>:$block_layout,
                       UnitAttr:$ring);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$result);
  let regions = (region MaxSizedRegion<1>:$mask_mod,
                        MaxSizedRegion<1>:$score_mod);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` `(` $bias^ `)`)?
    (`kv_length` `(` $kv_length^ `)`)?
    (`scales` `(` $key_scales^ `,` $value_scales `)`)? attr-dict
    `:` type($query) `,` type($key) `,` type($value) (`,` type($bias)^)?
    (`scales` type($key_scales)^ `,` type($value_scales))?
    `->` type($result)
    (`mask_mod` $mask_mod^)? (`score_mod` $score_mod^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: the `scale` attribute or 1/sqrt(Dk).
    double getEffectiveScale();
  }];
}

def Seq_YieldOp : Seq_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["AttentionOp", "LayerOp"]>]> {
  let summary = "returns values from a seq.attention modifier region or a "
                "seq.layer";
  let description = [{
    Terminates the `mask_mod` (one `i1`) and `score_mod` (one score) regions
    of `seq.attention`, and the body of `seq.layer` (its results).

    ```mlir
    seq.yield %visible : i1
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // SEQC_DIALECT_SEQ_ATTENTIONOPS_TD
