//===- ChannelMixerOps.td - weights, linear, norms, activations -*- tablegen -*-===//
//
// Everything in a model block that is not a sequence mixer: parameters,
// projections, normalisation, positional rotation, nonlinearities, routing.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_CHANNELMIXEROPS_TD
#define SEQC_DIALECT_SEQ_CHANNELMIXEROPS_TD

include "dialects/seq/IR/SeqBase.td"
include "dialects/seq/IR/SeqEnums.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_WeightOp : Seq_Op<"weight", [Pure]> {
  let summary = "a named model parameter, bound at load time";
  let description = [{
    References the parameter `name` of the model's weight table. The tensor's
    data is not part of the IR: the runtime binds it by name from the weights
    file (safetensors) when the model is loaded. The type is the parameter's
    exact shape and the element type the compiled code reads (f32, or
    bf16/f16 for projection weights kept narrow); the runtime converts
    stored f16/bf16/f32/f64 data to it, rounding to nearest even when it
    narrows. An i8 weight is the values of a block-quantized matrix, read
    with its scales by `seq.linear`/`seq.embedding` (`scales`); the runtime
    binds it only from i8 data. An i32 weight is an index table (the input
    order of an act-order GPTQ layer), bound only from i32 data.

    With `transposed`, the checkpoint stores the 2-D tensor transposed (e.g.
    GPT-2's `Conv1D` keeps `[in, out]`); the runtime transposes it once at
    load time, so the IR always sees PyTorch `nn.Linear` layout.

    With `stacked`, the checkpoint stores the slices of dim 0 as separate
    tensors (e.g. one per MoE expert): `name` holds `{}` once, and slice `i`
    is the parameter named with `{}` replaced by `i`. The runtime stacks them
    once at load time.

    With `panels`, the checkpoint stores a 2-D `[N, K]` matrix and the
    compiled code reads it as `[N/p, K, p]`: panels of `p` consecutive rows
    laid out k-major, `result[i, k, j] = stored[i·p + j, k]`, so that a
    projection's vector kernel streams each panel contiguously. The runtime
    repacks once at load time. `seq-pack-weights` chooses this layout for
    the CPU; `seq.linear` takes such a weight as it is. With `rows(N)` the
    stored matrix has N rows, fewer than the panels' `(N/p)·p`: the last
    panel is partial and the runtime fills its columns past N with zeros
    (a vocabulary of 58101 in panels of 64; `seq.linear` then computes
    those columns too, as zeros plus its bias).

    ```mlir
    %w = seq.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xf32>
    %p = seq.weight "model.layers.0.mlp.up_proj.weight" panels : tensor<2x64x64xf32>
    %h = seq.weight "lm_head.weight" panels rows(100) : tensor<2x64x64xf32>
    %c = seq.weight "transformer.h.0.attn.c_attn.weight" transposed : tensor<192x64xf32>
    %e = seq.weight "model.layers.1.feed_forward.experts.{}.up_proj.weight" stacked
        : tensor<8x128x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed, UnitAttr:$stacked,
                       UnitAttr:$panels, OptionalAttr<I64Attr>:$rows);
  let results = (outs StaticShapeTensorOf<[AnyFloat, I8, I32]>:$result);
  let assemblyFormat = [{
    $name (`transposed` $transposed^)? (`stacked` $stacked^)? (`panels` $panels^)?
    (`rows` `(` $rows^ `)`)? attr-dict `:` type($result)
  }];
  // Every weight but a partial panel's: no rows.
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::llvm::StringRef":$name,
                   CArg<"bool", "false">:$transposed,
                   CArg<"bool", "false">:$stacked,
                   CArg<"bool", "false">:$panels), [{
      build($_builder, $_state, result, name, transposed, stacked, panels,
            ::mlir::IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
}

def Seq_EmbeddingOp : Seq_Op<"embedding", [Pure, InferTypeOpAdaptor,
                                           AttrSizedOperandSegments]> {
  let summary = "row lookup of token ids in an embedding table";
  let description = [{
    `result[i..., :] = table[indices[i...], :]`. The table is `[vocab, dim]`;
    the result has the shape of `indices` followed by `dim`. Out-of-range ids
    are a runtime error, not undefined behaviour.

    With `scales`, the table is block-quantized like a `seq.linear` weight:
    an i8 table `[vocab, dim]` with `scales` `[vocab, dim / block]`, row
    element `d` being `f32(table[v, d]) · f32(scales[v, d / block])`; the
    result is f32. With `bits = 4` the table is `[vocab, dim / 2]`, two
    4-bit values per byte as for `seq.linear`. A 3-D table `[vocab/p, dim,
    p]` (and scales `[vocab/p, dim / block, p]`) is the same table in
    panels (`seq.weight panels`), as a tied LM head reads it. `offsets` as
    for `seq.linear`.

    ```mlir
    %h = seq.embedding %table[%ids]
        : tensor<32000x64xf32>, tensor<1x?xi64> -> tensor<1x?x64xf32>
    %g = seq.embedding %q[%ids] scales %s
        : tensor<32000x64xi8>, tensor<1x?xi64> scales tensor<32000x2xf16>
        -> tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Seq_WeightTensorOfRank<[2, 3]>:$table,
                       Seq_IntTensor:$indices,
                       Optional<Seq_FloatTensorOfRank<[2, 3]>>:$scales,
                       Optional<Seq_FloatTensorOfRank<[2, 3]>>:$offsets,
                       DefaultValuedAttr<I64Attr, "8">:$bits);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $indices `]` (`scales` $scales^)? (`offsets` $offsets^)?
    attr-dict `:` type($table) `,` type($indices) (`scales` type($scales)^)?
    (`offsets` type($offsets)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Seq_LinearOp : Seq_Op<"linear", [Pure, InferTypeOpAdaptor,
                                     AttrSizedOperandSegments]> {
  let summary = "affine projection of the last dimension, PyTorch weight layout";
  let description = [{
    `result = input · weightᵀ (+ bias)` over the last dimension, exactly
    `torch.nn.functional.linear`: `input` is `[..., in]`, `weight` is
    `[out, in]`, the optional `bias` is `[out]`, the result is `[..., out]`.
    A 3-D `weight` `[out/p, in, p]` is the same matrix in panels (see
    `seq.weight`): `weight[o/p, i, o mod p]` is element `[o, i]`.
    The weight may be stored in bf16 or f16 under an f32 (or f64) input:
    each element is widened exactly and the product computed in the
    input's type, so a bf16 checkpoint is read at half the bytes and gives
    the f32 model's numbers.

    With `scales`, the weight is block-quantized: i8 values `[out, in]` and
    float scales `[out, in / block]` (panels: `[out/p, in, p]` and
    `[out/p, in / block, p]`), element `[o, i]` being
    `f32(weight[o, i]) · f32(scales[o, i / block])` — symmetric 8-bit blocks
    of 32 with an f16 scale are ggml's Q8_0. The block size is
    `in / scales dim 1`; the input must be f32.

    With `bits = 4`, each i8 of the weight holds two 4-bit values: the
    weight is `[out, in / 2]` (panels `[out/p, in / 2, p]`), element
    `[o, i]` is the low nibble of byte `[o, i / 2]` for even `i`, the high
    nibble for odd `i`, read unsigned and offset by -8 (ggml's Q4_0 values,
    `(q - 8) · scale`).

    With `offsets` (the shape and type of `scales`), blocks are affine:
    element `[o, i]` is `f32(q) · scale + offset` with `q` the stored i8, or
    with `bits = 4` the unsigned nibble (no -8): ggml's Q4_1 (`offset` its
    `m`), and the `(q - zero) · scale` groups of GPTQ/AWQ checkpoints
    (`offset = -zero · scale`).

    ```mlir
    %q = seq.linear %x, %wq, %bq
        : tensor<1x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>
        -> tensor<1x?x128xf32>
    %u = seq.linear %x, %q8 scales %d
        : tensor<1x?x64xf32>, tensor<128x64xi8> scales tensor<128x2xf16>
        -> tensor<1x?x128xf32>
    ```
  }];
  let arguments = (ins Seq_NonScalarFloatTensor:$input,
                       Seq_WeightTensorOfRank<[2, 3]>:$weight,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$bias,
                       Optional<Seq_FloatTensorOfRank<[2, 3]>>:$scales,
                       Optional<Seq_FloatTensorOfRank<[2, 3]>>:$offsets,
                       DefaultValuedAttr<I64Attr, "8">:$bits);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`scales` $scales^)?
    (`offsets` $offsets^)? attr-dict `:` type($input) `,` type($weight)
    (`,` type($bias)^)? (`scales` type($scales)^)? (`offsets` type($offsets)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The output features of a weight of this type: dim 0, or dim 0 × dim 2
    /// for panels; dynamic when unknown.
    static int64_t outFeatures(::mlir::Type weightType);
    /// Elements per scale of a block-quantized weight, or 0 without scales.
    int64_t blockSize();
    /// Weight elements per stored element along dim 1: 2 for 4-bit values.
    int64_t valuesPerElement() { return getBits() == 4 ? 2 : 1; }
  }];
}

def Seq_RMSNormOp : Seq_Op<"rmsnorm",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "root-mean-square normalisation, optionally gated";
  let description = [{
    `result = x / sqrt(mean(x², last dim) + epsilon) · (weight_offset + weight)`
    with statistics in f32. With a `gate` operand, `x = input · silu(gate)`
    first (Mamba2's gated norm). With `group_size`, the mean is taken over
    consecutive groups of that many channels instead of the whole last
    dimension. `weight_offset = 1.0` gives Gemma's `(1 + w)` form.

    ```mlir
    %y = seq.rmsnorm %x, %w {epsilon = 1.0e-05 : f32}
        : tensor<1x?x64xf32>, tensor<64xf32>
    %g = seq.rmsnorm %x, %w gate %z {group_size = 32 : i64}
        : tensor<1x?x64xf32>, tensor<64xf32>, tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Seq_NonScalarFloatTensor:$input,
                       Seq_FloatTensorOfRank<[1]>:$weight,
                       Optional<Seq_FloatTensor>:$gate,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$epsilon,
                       OptionalAttr<I64Attr>:$group_size,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_offset);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`gate` $gate^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($gate)^)?
  }];
  let hasVerifier = 1;
}

def Seq_LayerNormOp : Seq_Op<"layernorm",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    `result = (x - mean) / sqrt(var + epsilon) · weight (+ bias)` over the
    last dimension (biased variance, statistics in f32), exactly
    `torch.nn.LayerNorm`.

    ```mlir
    %y = seq.layernorm %x, %w, %b {epsilon = 9.99999996E-13 : f32}
        : tensor<?x?x32xf32>, tensor<32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Seq_NonScalarFloatTensor:$input,
                       Seq_FloatTensorOfRank<[1]>:$weight,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
}

def Seq_RopeOp : Seq_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of multi-head queries or keys";
  let description = [{
    Rotates pairs of channels of `input` (`[batch, seq, heads, head_dim]`) by
    `position · inv_freq[i]`, where `inv_freq[i] = theta^(-2i / rotary_dim)`,
    rescaled as `scaling` says (`linear`: divided by `scaling_factor`;
    `llama3`: Llama 3.1's piecewise rule with `scaling_factor`,
    `low_freq_factor`, `high_freq_factor`, `original_max_positions`).
    With `frequency_factors` (one positive number per rotated pair, as
    llama.cpp's `rope_freqs` tensor holds them), each `inv_freq[i]` is then
    divided by `frequency_factors[i]`: Llama 3.1's scaling as GGUF files
    store it, already evaluated.
    `positions` is `[batch, seq]` or `[seq]` of integer positions.
    Only the first `rotary_dim` channels rotate (default: all); the rest pass
    through. Pairs are `(i, i + rotary_dim/2)` (GPT-NeoX/Llama "rotate half")
    unless `interleaved`, where they are `(2i, 2i+1)` (GPT-J).

    ```mlir
    %qr = seq.rope %q, %pos {theta = 5.0e+05 : f64}
        : tensor<1x?x4x16xf32>, tensor<?xi64>
    %kr = seq.rope %k, %pos scaling llama3 {scaling_factor = 8.0 : f64,
        low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64,
        original_max_positions = 8192 : i64}
        : tensor<1x?x2x16xf32>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$input,
                       Seq_IntTensorOfRank<[1, 2]>:$positions,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta,
                       OptionalAttr<I64Attr>:$rotary_dim,
                       UnitAttr:$interleaved,
                       DefaultValuedAttr<Seq_RopeScalingKind,
                         "::seqc::seq::RopeScalingKind::none">:$scaling,
                       OptionalAttr<F64Attr>:$scaling_factor,
                       OptionalAttr<F64Attr>:$low_freq_factor,
                       OptionalAttr<F64Attr>:$high_freq_factor,
                       OptionalAttr<I64Attr>:$original_max_positions,
                       OptionalAttr<DenseF64ArrayAttr>:$frequency_factors);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$result);
  let assemblyFormat = [{
    $input `,` $positions (`scaling` $scaling^)? attr-dict `:` type($input)
    `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Seq_ActivationOp : Seq_Op<"activation",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "pointwise activation function";
  let description = [{
    Applies `kind` elementwise (computed in f32 for narrower types).

    ```mlir
    %y = seq.activation gelu_tanh %x : tensor<1x?x128xf32>
    ```
  }];
  let arguments = (ins Seq_ActivationKind:$kind, Seq_FloatTensor:$input);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
}

def Seq_GluOp : Seq_Op<"glu",
    [Pure, AllTypesMatch<["gate", "up", "result"]>]> {
  let summary = "gated linear unit: activation(gate) · up";
  let description = [{
    The gating of SwiGLU (`kind = silu`), GeGLU (`gelu`, `gelu_tanh`) and
    ReGLU (`relu`) feed-forward blocks: `result = kind(gate) · up`.

    ```mlir
    %h = seq.glu silu %gate, %up : tensor<1x?x128xf32>
    ```
  }];
  let arguments = (ins Seq_ActivationKind:$kind, Seq_FloatTensor:$gate,
                       Seq_FloatTensor:$up);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = "$kind $gate `,` $up attr-dict `:` type($result)";
}

def Seq_SoftmaxOp : Seq_Op<"softmax",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "numerically stable softmax along one axis";
  let description = [{
    `result = exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`
    (negative values count from the last dimension).

    ```mlir
    %p = seq.softmax %s {axis = -1 : i64} : tensor<1x4x?x?xf32>
    ```
  }];
  let arguments = (ins Seq_NonScalarFloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Seq_MoeOp : Seq_Op<"moe", [Pure, AllTypesMatch<["input", "result"]>,
                                AttrSizedOperandSegments]> {
  let summary = "mixture of gated feed-forward experts with top-k routing";
  let description = [{
    For each token: `p = route(router_logits)` picks `top_k` experts `e` with
    weights `p_e` (`routing` orders softmax and top-k, or takes sigmoids;
    `normalize` rescales the kept weights to sum to one, dividing by their
    sum plus `normalize_epsilon`; every weight is then multiplied by
    `routed_scale`), then
    `result = Σ_e p_e · down_e(activation(gate_e(x)) · up_e(x))`.
    Under `sigmoid_topk`, `selection_bias` `[experts]` is added to the
    sigmoids to choose the experts (not to weigh them). With
    `expert_groups` G and `kept_groups` g < G (group-limited routing, as
    DeepSeek-V3 and Nemotron-H route, `sigmoid_topk` only), the experts
    form G consecutive groups, each scored by the sum of its two best
    choice scores (sigmoid + bias); a token draws its `top_k` experts from
    its g best groups only (equal scores: the lower index first).
    Expert weights are stacked on a leading expert dimension in PyTorch
    layout: `gate_weight`, `up_weight` are `[experts, ffn, dim]`,
    `down_weight` is `[experts, dim, ffn]`. They may be stored in bf16 or
    f16 (widened exactly as they are read).

    With `scales(%gs, %us, %ds)`, all three are block-quantized as
    `seq.linear` weights are, expert by expert: i8 values, float scales
    `[experts, out, in / block]`, optional `offsets(...)` of the scales'
    types (affine blocks), and `bits = 4` for two 4-bit values per byte
    along the last dim (`[experts, out, in / 2]`).

    ```mlir
    %y = seq.moe %x, %logits, %wg, %wu, %wd {top_k = 2 : i64}
        : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x128x64xf32>,
          tensor<4x128x64xf32>, tensor<4x64x128xf32>
    // Q8_0 experts: blocks of 32 along each weight's inputs.
    %q = seq.moe %x, %logits, %qg, %qu, %qd scales(%sg, %su, %sd)
        {top_k = 2 : i64}
        : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x128x64xi8>,
          tensor<4x128x64xi8>, tensor<4x64x128xi8>
          scales tensor<4x128x2xf16>, tensor<4x128x2xf16>, tensor<4x64x4xf16>
    ```
  }];
  let arguments = (ins Seq_NonScalarFloatTensor:$input,
                       Seq_NonScalarFloatTensor:$router_logits,
                       Seq_WeightTensorOfRank<[3]>:$gate_weight,
                       Seq_WeightTensorOfRank<[3]>:$up_weight,
                       Seq_WeightTensorOfRank<[3]>:$down_weight,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$gate_scales,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$up_scales,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$down_scales,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$gate_offsets,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$up_offsets,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$down_offsets,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$selection_bias,
                       I64Attr:$top_k,
                       DefaultValuedAttr<Seq_MoeRoutingKind,
                         "::seqc::seq::MoeRoutingKind::softmax_topk">:$routing,
                       UnitAttr:$normalize,
                       DefaultValuedAttr<Seq_ActivationKind,
                         "::seqc::seq::ActivationKind::silu">:$activation,
                       DefaultValuedAttr<I64Attr, "8">:$bits,
                       DefaultValuedAttr<F32Attr, "1.0f">:$routed_scale,
                       DefaultValuedAttr<F32Attr, "0.0f">:$normalize_epsilon,
                       DefaultValuedAttr<I64Attr, "1">:$expert_groups,
                       OptionalAttr<I64Attr>:$kept_groups);
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $router_logits `,` $gate_weight `,` $up_weight `,` $down_weight
    (`scales` `(` $gate_scales^ `,` $up_scales `,` $down_scales `)`)?
    (`offsets` `(` $gate_offsets^ `,` $up_offsets `,` $down_offsets `)`)?
    (`selection_bias` `(` $selection_bias^ `)`)?
    (`routing` $routing^)? (`activation` $activation^)? attr-dict `:` type($input) `,` type($router_logits) `,` type($gate_weight)
    `,` type($up_weight) `,` type($down_weight)
    (`scales` type($gate_scales)^ `,` type($up_scales) `,` type($down_scales))?
    (`offsets` type($gate_offsets)^ `,` type($up_offsets) `,` type($down_offsets))?
    (`selection_bias` type($selection_bias)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Weight elements per stored element along the last dim: 2 for 4-bit
    /// values.
    int64_t valuesPerElement() { return getBits() == 4 ? 2 : 1; }
    /// Whether routing is group-limited (kept_groups < expert_groups).
    bool groupLimited() {
      return getKeptGroups() && *getKeptGroups() < getExpertGroups();
    }
  }];
}

#endif // SEQC_DIALECT_SEQ_CHANNELMIXEROPS_TD
