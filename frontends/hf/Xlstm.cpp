//===- Xlstm.cpp - xLSTM (xLSTM-7B's mLSTM blocks) ------------------------===//
//
// transformers' xLSTMForCausalLM is xLSTM-7B's architecture: pre-norm
// blocks of an mLSTM layer and a SwiGLU feed-forward. The mLSTM layer
// projects q, k, v and an output gate, soft-caps the per-head input and
// forget gate preactivations (cap · tanh(x / cap)), runs the matrix-memory
// recurrence (seq.mlstm), normalises each head's output (LayerNorm without
// affine, then a weight over all channels), gates it with sigmoid(o) and
// projects it back. Logits are soft-capped too. `weight_mode` "fused" packs
// q/k/v/o and the two gates (and the feed-forward's gate and up) in one
// projection each.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace seqc::hf {

namespace {

struct XlstmSizes {
  int64_t hidden = 0, heads = 0, qk = 0, v = 0, up = 0;
  bool bias = false, fused = false;
  double normEpsilon = 1e-6, epsilon = 1e-6;
  double gateCap = 15.0;
};

/// An elementwise generic over `x` with the [C] operands `channel` (their
/// map: the last dim).
Value elementwise(ModelEmitter &e, Value x, ValueRange channel,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       type.getElementType());
  AffineMap full = b.getMultiDimIdentityMap(rank);
  AffineMap last = AffineMap::get(
      rank, 0, {getAffineDimExpr(rank - 1, b.getContext())}, b.getContext());
  SmallVector<Value> inputs = {x};
  inputs.append(channel.begin(), channel.end());
  SmallVector<AffineMap> maps = {full};
  maps.append(channel.size(), last);
  maps.push_back(full);
  return linalg::GenericOp::create(
             b, loc, type, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(nb, l, ValueRange{body(nb, l, a)});
             })
      .getResult(0);
}

/// cap · tanh(x / cap).
Value softCap(ModelEmitter &e, Value x, double c) {
  return elementwise(e, x, {}, [&](OpBuilder &b, Location l, ValueRange a) {
    Value capValue = arith::ConstantOp::create(b, l, b.getF32FloatAttr(c));
    Value t =
        math::TanhOp::create(b, l, arith::DivFOp::create(b, l, a[0], capValue));
    return arith::MulFOp::create(b, l, capValue, t).getResult();
  });
}

/// x + bias [C] (`<prefix>.bias`), when the checkpoint has biases.
Value addBias(ModelEmitter &e, Value x, const std::string &prefix,
              int64_t width, bool bias) {
  if (!bias)
    return x;
  Value b = e.weight(prefix + ".bias", {width});
  return elementwise(e, x, {b}, [](OpBuilder &nb, Location l, ValueRange a) {
    return arith::AddFOp::create(nb, l, a[0], a[1]).getResult();
  });
}

/// xLSTMRMSNorm: x · rsqrt(mean(x²) + eps) · weight (+ bias).
Value rmsNorm(ModelEmitter &e, Value x, const std::string &prefix,
              const XlstmSizes &z, bool bias) {
  Value y = e.rmsnorm(x, prefix + ".weight", z.hidden, z.normEpsilon);
  return addBias(e, y, prefix, z.hidden, bias);
}

/// xLSTMMultiHeadLayerNorm on `h` [1, S, heads, dv]: each head's vector
/// normalised (no affine), then · weight [heads · dv] (+ bias).
Value multiHeadNorm(ModelEmitter &e, Value h, const std::string &prefix,
                    const XlstmSizes &z) {
  OpBuilder &b = e.builder();
  int64_t dv = z.v / z.heads;
  auto onesType = RankedTensorType::get({dv}, b.getF32Type());
  Value ones = arith::ConstantOp::create(
      b, e.loc(), DenseElementsAttr::get(onesType, b.getF32FloatAttr(1.0)));
  Value normed = seq::LayerNormOp::create(b, e.loc(), h, ones, Value(),
                                          b.getF32FloatAttr(z.normEpsilon));
  Value merged = e.mergeHeads(normed);
  Value w = e.weight(prefix + ".weight", {z.v});
  merged =
      elementwise(e, merged, {w}, [](OpBuilder &nb, Location l, ValueRange a) {
        return arith::MulFOp::create(nb, l, a[0], a[1]).getResult();
      });
  return addBias(e, merged, prefix, z.v, z.bias);
}

/// xLSTMLayer on `x` (norm_mlstm's output); its states are `<s>.memory`,
/// `.normalizer` and `.stabilizer`.
Value emitMlstmLayer(ModelEmitter &e, Value x, const std::string &p,
                     const std::string &s, const XlstmSizes &z) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t h = z.hidden, n = z.heads;
  Value q, k, v, o, ig, fg;
  if (z.fused) {
    Value qkvo = e.linear(x, p + ".qkv_opreact", 2 * z.qk + 2 * z.v, h, z.bias);
    q = e.sliceLast(qkvo, 0, z.qk);
    k = e.sliceLast(qkvo, z.qk, z.qk);
    v = e.sliceLast(qkvo, 2 * z.qk, z.v);
    o = e.sliceLast(qkvo, 2 * z.qk + z.v, z.v);
    Value gates = softCap(e, e.linear(x, p + ".ifgate_preact", 2 * n, h, true),
                          z.gateCap);
    ig = e.sliceLast(gates, 0, n);
    fg = e.sliceLast(gates, n, n);
  } else {
    q = e.linear(x, p + ".q", z.qk, h, z.bias);
    k = e.linear(x, p + ".k", z.qk, h, z.bias);
    v = e.linear(x, p + ".v", z.v, h, z.bias);
    o = e.linear(x, p + ".ogate_preact", z.v, h, z.bias);
    ig = softCap(e, e.linear(x, p + ".igate_preact", n, h, true), z.gateCap);
    fg = softCap(e, e.linear(x, p + ".fgate_preact", n, h, true), z.gateCap);
  }
  int64_t dqk = z.qk / n, dv = z.v / n;
  std::string memory = s + ".memory", normalizer = s + ".normalizer",
              stabilizer = s + ".stabilizer";
  Value c0 = e.addState(memory, {1, n, dqk, dv});
  Value n0 = e.addState(normalizer, {1, n, dqk});
  Value m0 = e.addState(stabilizer, {1, n});
  auto cell = seq::MlstmOp::create(
      b, loc, e.splitHeads(q, n, dqk), e.splitHeads(k, n, dqk),
      e.splitHeads(v, n, dv), ig, fg, c0, n0, m0,
      b.getF32FloatAttr(static_cast<float>(1.0 / std::sqrt(double(dqk)))),
      b.getF32FloatAttr(static_cast<float>(z.epsilon)),
      /*chunk_size=*/nullptr);
  e.setState(memory, cell.getFinalMemory());
  e.setState(normalizer, cell.getFinalNormalizer());
  e.setState(stabilizer, cell.getFinalStabilizer());
  Value normed = multiHeadNorm(e, cell.getOutput(), p + ".multihead_norm", z);
  Value gated = arith::MulFOp::create(
      b, loc, e.activation(seq::ActivationKind::sigmoid, o), normed);
  return e.linear(gated, p + ".out_proj", h, z.v, z.bias);
}

/// xLSTMFeedForward: proj_down(silu(gate(x)) · up(x)).
Value emitFeedForward(ModelEmitter &e, Value x, const std::string &p,
                      const XlstmSizes &z) {
  Value gate, up;
  if (z.fused) {
    Value both = e.linear(x, p + ".proj_up_gate_z", 2 * z.up, z.hidden, z.bias);
    gate = e.sliceLast(both, 0, z.up);
    up = e.sliceLast(both, z.up, z.up);
  } else {
    gate = e.linear(x, p + ".proj_up_gate", z.up, z.hidden, z.bias);
    up = e.linear(x, p + ".proj_up", z.up, z.hidden, z.bias);
  }
  return e.linear(e.glu(seq::ActivationKind::silu, gate, up), p + ".proj_down",
                  z.hidden, z.up, z.bias);
}

/// A soft cap (default `fallback`): a positive number; transformers'
/// config takes no null.
double capField(HfConfig &c, StringRef key, double fallback) {
  if (c.present(key) && !c.has(key))
    c.fail(key, "must be a positive number, not null");
  double cap = c.number(key, fallback);
  if (!(cap > 0) || !std::isfinite(cap))
    c.fail(key, "must be a positive number");
  return cap;
}

} // namespace

Value buildXlstm(ModelEmitter &e, HfConfig &c, StringRef, int64_t) {
  XlstmSizes z;
  // __post_init__ fills hidden_size and embedding_dim from each other; the
  // embedding table is embedding_dim wide and the blocks hidden_size.
  z.hidden =
      c.has("hidden_size") ? c.size("hidden_size") : c.size("embedding_dim");
  if (c.has("embedding_dim") && c.size("embedding_dim") != z.hidden)
    c.fail("embedding_dim", "must equal hidden_size (the embeddings feed the "
                            "blocks)");
  // The blocks are num_blocks, itself num_hidden_layers when null.
  int64_t layers = c.has("num_blocks") ? c.size("num_blocks", 1, 4096)
                                       : c.size("num_hidden_layers", 4096);
  c.irrelevant({"num_hidden_layers"});
  int64_t vocab = c.size("vocab_size");
  z.heads = c.size("num_heads", 8, 1 << 16);
  z.bias = c.boolean("use_bias", false);
  z.normEpsilon = c.nonNegative("norm_eps", 1e-6);
  z.epsilon = c.nonNegative("eps", 1e-6);
  double qkFactor = c.number("qk_dim_factor", 0.5);
  double vFactor = c.number("v_dim_factor", 1.0);
  double ffnFactor = c.number("ffn_proj_factor", 2.667);
  int64_t ffnMultiple = c.size("ffn_round_up_to_multiple_of", 64, 1 << 20);
  z.gateCap = capField(c, "gate_soft_cap", 15.0);
  double logitCap = capField(c, "output_logit_soft_cap", 30.0);
  std::string mode = c.string("weight_mode", "single");
  if (mode != "single" && mode != "fused")
    c.fail("weight_mode", "'" + mode +
                              "' is not an xLSTM weight mode "
                              "(single, fused)");
  z.fused = mode == "fused";
  std::string stateType = c.string("inference_state_dtype", "float32");
  if (stateType != "float32")
    c.fail("inference_state_dtype",
           "'" + stateType +
               "' is not supported (seqc keeps the mLSTM state "
               "in float32)");
  // Kernel choices compute the same function (the chunkwise kernels equal
  // the step-by-step one; max_inference_chunksize splits the sequence and
  // carries the state); autocast_kernel_dtype is not read by transformers'
  // own kernels; norm_reduction_force_float32 upcasts what is f32 already.
  // transformers applies out_norm whatever add_out_norm says, and never
  // ties xLSTM's head to its embeddings.
  c.irrelevant({"chunkwise_kernel", "sequence_kernel", "step_kernel", "mode",
                "chunk_size", "return_last_states", "autocast_kernel_dtype",
                "max_inference_chunksize", "norm_reduction_force_float32",
                "add_out_norm", "tie_word_embeddings"});
  if (!(qkFactor > 0) || !(vFactor > 0) || !(ffnFactor > 0) ||
      !std::isfinite(qkFactor * vFactor * ffnFactor))
    c.fail(!(qkFactor > 0)  ? "qk_dim_factor"
           : !(vFactor > 0) ? "v_dim_factor"
                            : "ffn_proj_factor",
           "must be a positive number");
  if (!c.error().empty())
    return nullptr;
  // int(hidden_size · factor), as xLSTMLayer sizes q/k and v.
  z.qk = static_cast<int64_t>(double(z.hidden) * qkFactor);
  z.v = static_cast<int64_t>(double(z.hidden) * vFactor);
  // round_up_to_next_multiple_of(hidden_size · ffn_proj_factor, multiple):
  // Python's float floor division.
  double upRaw = double(z.hidden) * ffnFactor;
  z.up = static_cast<int64_t>(
      std::floor((upRaw + double(ffnMultiple) - 1) / double(ffnMultiple)) *
      double(ffnMultiple));
  if (z.qk < 1 || z.qk % z.heads != 0)
    c.fail("qk_dim_factor", "gives a query/key width of " +
                                std::to_string(z.qk) +
                                ", not a positive multiple of num_heads");
  else if (z.v < 1 || z.v % z.heads != 0)
    c.fail("v_dim_factor", "gives a value width of " + std::to_string(z.v) +
                               ", not a positive multiple of num_heads");
  else if (z.up < 1 || z.up > (1 << 24))
    c.fail("ffn_proj_factor",
           "gives a feed-forward width of " + std::to_string(z.up));
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x = e.tokenEmbedding("backbone.embeddings.weight", vocab, z.hidden);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "backbone.blocks." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = rmsNorm(e, x, p + ".norm_mlstm", z, z.bias);
    x = e.add(x, emitMlstmLayer(e, h, p + ".mlstm_layer", s, z));
    h = rmsNorm(e, x, p + ".norm_ffn", z, z.bias);
    x = e.endLayer(e.add(x, emitFeedForward(e, h, p + ".ffn", z)));
  }
  if (!e.error().empty())
    return nullptr;
  // out_norm is xLSTMRMSNorm(hidden_size, eps=norm_eps): no bias.
  x = rmsNorm(e, x, "backbone.out_norm", z, /*bias=*/false);
  e.setLogitsSoftCap(logitCap);
  return e.linear(x, "lm_head", vocab, z.hidden, false);
}

} // namespace seqc::hf
