//===- RecurrenceOps.td - scans, recurrences, causal conv --*- tablegen -*-===//
//
// The recurrent sequence mixers. Each takes its initial state as an optional
// operand (zeros when absent) and returns the state after the last step, so
// prefill and decode are the same op: decode is the L = 1 case.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_RECURRENCEOPS_TD
#define SEQC_DIALECT_SEQ_RECURRENCEOPS_TD

include "dialects/seq/IR/SeqBase.td"
include "dialects/seq/IR/SeqEnums.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_SelectiveScanOp : Seq_Op<"selective_scan", [Pure,
    AttrSizedOperandSegments, InferTypeOpAdaptor]> {
  let summary = "Mamba (S6) selective scan with input-dependent discretisation";
  let description = [{
    The semantics of Mamba's `selective_scan_ref`, token-major. Per batch `b`,
    channel `d` and state index `n`, for `t = 0 .. L-1`:
    ```
    Δ      = softplus?(delta[b,t,d] + delta_bias[d])
    h[n]   = exp(Δ · A[d,n]) · h[n] + Δ · B[b,t,n] · u[b,t,d]
    y      = Σ_n h[n] · C[b,t,n] + D[d] · u[b,t,d]
    output[b,t,d] = y · silu(z[b,t,d])            (when z is given)
    ```
    with `softplus` applied when `delta_softplus` is set. Shapes: `u`,
    `delta`, `z`: `[B, L, D]`; `A`: `[D, N]`; `B`, `C`: `[B, L, N]`; `D`,
    `delta_bias`: `[D]`; `initial_state` and the `final_state` result:
    `[B, D, N]` (zeros when `initial_state` is absent).

    ```mlir
    %y, %h = seq.selective_scan %u, %dt, %A, %B, %C D(%D) z(%z)
        delta_bias(%dtb) {delta_softplus}
        : (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<128x16xf32>,
           tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<128xf32>,
           tensor<1x?x128xf32>, tensor<128xf32>)
        -> (tensor<1x?x128xf32>, tensor<1x128x16xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[3]>:$u,
                       Seq_FloatTensorOfRank<[3]>:$delta,
                       Seq_FloatTensorOfRank<[2]>:$A,
                       Seq_FloatTensorOfRank<[3]>:$B,
                       Seq_FloatTensorOfRank<[3]>:$C,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$D,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$z,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$delta_bias,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$initial_state,
                       UnitAttr:$delta_softplus);
  let results = (outs Seq_FloatTensorOfRank<[3]>:$output,
                      Seq_FloatTensorOfRank<[3]>:$final_state);
  let assemblyFormat = [{
    $u `,` $delta `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`delta_bias` `(` $delta_bias^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_SSDOp : Seq_Op<"ssd", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor]> {
  let summary = "Mamba2 state-space duality: scalar-decay SSM per head";
  let description = [{
    The Mamba2 recurrence, per batch `b`, head `h` (in group
    `g = h / (H / G)`), head channel `p`, state index `n`:
    ```
    Δ       = clamp(softplus?(dt[b,t,h] + dt_bias[h]), dt_limit)
    S[p,n]  = exp(Δ · A[h]) · S[p,n] + Δ · x[b,t,h,p] · B[b,t,g,n]
    y       = Σ_n S[p,n] · C[b,t,g,n] + D[h] · x[b,t,h,p]
    output[b,t,h,p] = y · silu(z[b,t,h,p])        (when z is given)
    ```
    Shapes: `x`, `z`: `[B, L, H, P]`; `dt`: `[B, L, H]`; `A`, `D`,
    `dt_bias`: `[H]`; `B`, `C`: `[B, L, G, N]` with `G` dividing `H`;
    `initial_state` and `final_state`: `[B, H, P, N]`. `dt_limit` is
    `[min, max]`. `chunk_size` is a schedule hint for the chunked
    (state-space-duality) algorithm; it never changes the result.

    ```mlir
    %y, %s = seq.ssd %x, %dt, %A, %B, %C D(%D) dt_bias(%dtb)
        {dt_softplus, chunk_size = 64 : i64}
        : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>,
           tensor<1x?x1x32xf32>, tensor<1x?x1x32xf32>, tensor<4xf32>,
           tensor<4xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$x,
                       Seq_FloatTensorOfRank<[3]>:$dt,
                       Seq_FloatTensorOfRank<[1]>:$A,
                       Seq_FloatTensorOfRank<[4]>:$B,
                       Seq_FloatTensorOfRank<[4]>:$C,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$D,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$z,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$dt_bias,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$initial_state,
                       UnitAttr:$dt_softplus,
                       OptionalAttr<DenseF32ArrayAttr>:$dt_limit,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$output,
                      Seq_FloatTensorOfRank<[4]>:$final_state);
  let assemblyFormat = [{
    $x `,` $dt `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`dt_bias` `(` $dt_bias^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_LinearAttentionOp : Seq_Op<"linear_attention", [Pure,
    AttrSizedOperandSegments, InferTypeOpAdaptor]> {
  let summary = "gated linear recurrence: linear attention, RetNet, GLA";
  let description = [{
    Per batch `b` and head `h`, with a matrix state `S` of `[K, V]`:
    ```
    S_t = diag(exp(log_decay_t)) · S_{t-1} + k_t ⊗ v_t
    y_t = S_tᵀ · (scale · q_t)
    ```
    Shapes: `query`, `key`: `[B, L, H, K]`; `value` and the result:
    `[B, L, H, V]`; `initial_state` and `final_state`: `[B, H, K, V]`.
    `log_decay` (natural log of the per-step decay, ≤ 0) may be:
    `[H]` (a constant per head: RetNet's `log γ`), `[B, L, H]` (a scalar gate
    per step), or `[B, L, H, K]` (a gate per key channel: GLA). Without it
    the state never decays (plain linear attention). `chunk_size` is a
    schedule hint for the chunkwise algorithm.

    ```mlir
    %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) {scale = 0.25 : f32}
        : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>,
           tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$query,
                       Seq_FloatTensorOfRank<[4]>:$key,
                       Seq_FloatTensorOfRank<[4]>:$value,
                       Optional<Seq_FloatTensorOfRank<[1, 3, 4]>>:$log_decay,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$initial_state,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scale,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$output,
                      Seq_FloatTensorOfRank<[4]>:$final_state);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`log_decay` `(` $log_decay^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_DeltaRuleOp : Seq_Op<"delta_rule", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor]> {
  let summary = "gated delta rule: DeltaNet, Gated DeltaNet (Qwen3-Next)";
  let description = [{
    Per batch `b` and head `h`, with a matrix state `S` of `[K, V]`, an
    update strength `β_t` and a decay `exp(log_decay_t)`:
    ```
    S   = exp(log_decay_t) · S_{t-1}
    u_t = β_t · (v_t − Sᵀ · k_t)          // what S mispredicts for k_t
    S_t = S + k_t ⊗ u_t
    y_t = S_tᵀ · (scale · q_t)
    ```
    which is `S_t = S_{t-1} · exp(g_t)(I − β_t k_t k_tᵀ) + β_t k_t v_tᵀ`
    read with the state as `[K, V]`. Shapes: `query`, `key`: `[B, L, H,
    K]`; `value` and the result: `[B, L, H, V]`; `beta` and `log_decay`
    (≤ 0; absent: no decay, plain DeltaNet): `[B, L, H]`; `initial_state`
    and `final_state`: `[B, H, K, V]`. Keys are used as given (DeltaNet
    normalises them first, outside the op). `chunk_size` is a schedule hint
    for the chunkwise (WY) algorithm.

    ```mlir
    %y, %s = seq.delta_rule %q, %k, %v, %beta log_decay(%g)
        {scale = 0.125 : f32}
        : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x32xf32>,
           tensor<1x?x4xf32>, tensor<1x?x4xf32>)
        -> (tensor<1x?x4x32xf32>, tensor<1x4x64x32xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$query,
                       Seq_FloatTensorOfRank<[4]>:$key,
                       Seq_FloatTensorOfRank<[4]>:$value,
                       Seq_FloatTensorOfRank<[3]>:$beta,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$log_decay,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$initial_state,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scale,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$output,
                      Seq_FloatTensorOfRank<[4]>:$final_state);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $beta (`log_decay` `(` $log_decay^ `)`)?
    (`initial_state` `(` $initial_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_MlstmOp : Seq_Op<"mlstm", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor]> {
  let summary = "xLSTM's mLSTM: a matrix memory with exponential gating";
  let description = [{
    Per batch `b` and head `h`, with a matrix memory `C` `[K, V]`, a
    normaliser `n` `[K]` and a stabiliser `m` (the exponent both are scaled
    by), from the gates' preactivations `i_t` and `f_t`:
    ```
    g   = logsigmoid(f_t)
    m'  = max(g + m, i_t)
    C   = e^(g + m − m')·C + e^(i_t − m')·k_t ⊗ v_t
    n   = e^(g + m − m')·n + e^(i_t − m')·k_t;   m = m'
    y_t = Cᵀ·(scale·q_t) / (max(|n·(scale·q_t)|, e^(−m)) + epsilon)
    ```
    exactly transformers' `mlstm_recurrent_step_native` (its chunkwise
    kernels compute the same function). Shapes: `query`, `key` `[B, L, H,
    K]`; `value` and the result `[B, L, H, V]`; `igate`, `fgate` `[B, L,
    H]`; the states `C` `[B, H, K, V]`, `n` `[B, H, K]`, `m` `[B, H]`, given
    together or not at all (zeros, transformers' start state). `scale`
    defaults to K^−1/2. `chunk_size` is a schedule hint for the chunkwise
    algorithm.

    ```mlir
    %y, %c, %n, %m = seq.mlstm %q, %k, %v, %i, %f {epsilon = 1.0e-06 : f32}
        : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>,
           tensor<1x?x4xf32>, tensor<1x?x4xf32>)
        -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>,
            tensor<1x4xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[4]>:$query,
                       Seq_FloatTensorOfRank<[4]>:$key,
                       Seq_FloatTensorOfRank<[4]>:$value,
                       Seq_FloatTensorOfRank<[3]>:$igate,
                       Seq_FloatTensorOfRank<[3]>:$fgate,
                       Optional<Seq_FloatTensorOfRank<[4]>>:$initial_memory,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$initial_normalizer,
                       Optional<Seq_FloatTensorOfRank<[2]>>:$initial_stabilizer,
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$epsilon,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs Seq_FloatTensorOfRank<[4]>:$output,
                      Seq_FloatTensorOfRank<[4]>:$final_memory,
                      Seq_FloatTensorOfRank<[3]>:$final_normalizer,
                      Seq_FloatTensorOfRank<[2]>:$final_stabilizer);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $igate `,` $fgate
    (`initial_state` `(` $initial_memory^ `,` $initial_normalizer `,`
     $initial_stabilizer `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_WkvOp : Seq_Op<"wkv", [Pure, InferTypeOpAdaptor]> {
  let summary = "RWKV-4's WKV recurrence, with its max-exponent stabiliser";
  let description = [{
    Per batch `b` and channel `c`, a state of a numerator `a`, a denominator
    `d` and the exponent `m` both are scaled by (`a·e^m`, `d·e^m` are the
    true sums), with `w = log_decay[c]` and `u = bonus[c]`:
    ```
    p   = max(m, u + k_t)                      // the output's exponent
    y_t = (e^(m−p)·a + e^(u+k_t−p)·v_t) / (e^(m−p)·d + e^(u+k_t−p))
    q   = max(m + w, k_t)                      // the new state's exponent
    a   = e^(m+w−q)·a + e^(k_t−q)·v_t
    d   = e^(m+w−q)·d + e^(k_t−q);  m = q
    ```
    that is, `y_t = Σ_i e^(k_i + (t−1−i)·w)·v_i + e^(u+k_t)·v_t`, divided by
    the same sum without `v`: attention over the past with a per-channel
    exponential decay `w` (≤ 0 in RWKV, where `w = −exp(time_decay)`) and a
    bonus `u` for the current token. Shapes: `key`, `value` and the result
    `[B, L, C]`; `log_decay`, `bonus` `[C]`; `initial_state` and
    `final_state` `[B, 3, C]`, rows `a`, `d`, `m`. A state row whose `d` is
    0 holds nothing (its `m` counts as −1e38), so a zero state, like an
    absent one, is the empty state.

    ```mlir
    %y, %s = seq.wkv %w, %u, %k, %v initial_state(%s0)
        : (tensor<768xf32>, tensor<768xf32>, tensor<1x?x768xf32>,
           tensor<1x?x768xf32>, tensor<1x3x768xf32>)
        -> (tensor<1x?x768xf32>, tensor<1x3x768xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[1]>:$log_decay,
                       Seq_FloatTensorOfRank<[1]>:$bonus,
                       Seq_FloatTensorOfRank<[3]>:$key,
                       Seq_FloatTensorOfRank<[3]>:$value,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$initial_state);
  let results = (outs Seq_FloatTensorOfRank<[3]>:$output,
                      Seq_FloatTensorOfRank<[3]>:$final_state);
  let assemblyFormat = [{
    $log_decay `,` $bonus `,` $key `,` $value
    (`initial_state` `(` $initial_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Seq_CausalConv1dOp : Seq_Op<"causal_conv1d", [Pure,
    AttrSizedOperandSegments, InferTypeOpAdaptor]> {
  let summary = "depthwise causal 1-D convolution over time, with state";
  let description = [{
    Per batch `b` and channel `c`, with `K` taps and the input extended on the
    left by the `K-1` previous inputs `state` (zeros when absent):
    ```
    xs = concat(state[b,c,:], input[b,:,c])            // length K-1+L
    output[b,t,c] = activation(bias[c] + Σ_j weight[c,j] · xs[t+j])
    final_state[b,c,:] = xs[L : L+K-1]                 // last K-1 inputs
    ```
    exactly `torch.nn.Conv1d(groups=C, padding=K-1)` truncated to `L`
    outputs. Shapes: `input` and the output `[B, L, C]`; `weight` `[C, K]`
    (a checkpoint's `[C, 1, K]` with the unit dimension dropped); `bias`
    `[C]`; `state` and `final_state` `[B, C, K-1]`.

    ```mlir
    %y, %s = seq.causal_conv1d %x, %w, %b activation silu
        : (tensor<1x?x128xf32>, tensor<128x4xf32>, tensor<128xf32>)
        -> (tensor<1x?x128xf32>, tensor<1x128x3xf32>)
    ```
  }];
  let arguments = (ins Seq_FloatTensorOfRank<[3]>:$input,
                       Seq_FloatTensorOfRank<[2]>:$weight,
                       Optional<Seq_FloatTensorOfRank<[1]>>:$bias,
                       Optional<Seq_FloatTensorOfRank<[3]>>:$state,
                       OptionalAttr<Seq_ActivationKind>:$activation);
  let results = (outs Seq_FloatTensorOfRank<[3]>:$output,
                      Seq_FloatTensorOfRank<[3]>:$final_state);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`state` `(` $state^ `)`)?
    (`activation` $activation^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // SEQC_DIALECT_SEQ_RECURRENCEOPS_TD
