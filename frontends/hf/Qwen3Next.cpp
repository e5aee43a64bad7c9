//===- Qwen3Next.cpp - Qwen3-Next: gated DeltaNet, gated attention, MoE ---===//
//
// Pre-norm blocks ((1 + w) RMSNorms) whose mixer is, per layer_types,
// either gated attention (q_proj gives each head's query and an output
// gate; (1 + w) RMSNorm on q and k heads; RoPE on a fraction of each head;
// output · sigmoid(gate)) or a gated DeltaNet (in_proj_qkvz / in_proj_ba
// grouped by key head; a causal conv with silu over q, k, v; unit-norm q
// and k; β = sigmoid(b), g = -exp(A_log) · softplus(a + dt_bias); the
// gated delta rule; a gated RMSNorm by value head). The channel mixer is a
// softmax top-k MoE with a sigmoid-gated shared expert, or a SwiGLU MLP on
// mlp_only_layers and off the decoder_sparse_step grid.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

struct DeltaNetSizes {
  int64_t hidden = 0, keyHeads = 0, valueHeads = 0, keyDim = 0, valueDim = 0;
  int64_t conv = 4;
  double epsilon = 1e-6;
  int64_t keyWidth() const { return keyHeads * keyDim; }
  int64_t valueWidth() const { return valueHeads * valueDim; }
  /// Value heads per key head.
  int64_t group() const { return valueHeads / keyHeads; }
};

/// The slice [offset, offset + size) of the last dim of `x` [1, S, H, D].
Value headSlice(ModelEmitter &e, Value x, int64_t offset, int64_t size) {
  OpBuilder &b = e.builder();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t heads = type.getDimSize(2);
  auto one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  return tensor::ExtractSliceOp::create(
      b, e.loc(), e.f32({1, ShapedType::kDynamic, heads, size}), x,
      SmallVector<OpFoldResult>{zero, zero, zero, b.getIndexAttr(offset)},
      SmallVector<OpFoldResult>{one, e.length(), b.getIndexAttr(heads),
                                b.getIndexAttr(size)},
      SmallVector<OpFoldResult>(4, one));
}

/// [1, S, H, G·D] as [1, S, H·G, D]: each head's G consecutive sub-heads.
Value splitSubHeads(ModelEmitter &e, Value x, int64_t group, int64_t dim) {
  OpBuilder &b = e.builder();
  int64_t heads = cast<RankedTensorType>(x.getType()).getDimSize(2);
  Value five = tensor::ExpandShapeOp::create(
      b, e.loc(), e.f32({1, ShapedType::kDynamic, heads, group, dim}), x,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length(),
                                b.getIndexAttr(heads), b.getIndexAttr(group),
                                b.getIndexAttr(dim)});
  return tensor::CollapseShapeOp::create(
      b, e.loc(), five,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
}

/// [1, S, H, D] -> [1, S, H·r, D] with head h repeated r times in a row
/// (torch.repeat_interleave over heads).
Value repeatHeads(ModelEmitter &e, Value x, int64_t r) {
  if (r == 1)
    return x;
  OpBuilder &b = e.builder();
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t heads = type.getDimSize(2), dim = type.getDimSize(3);
  Value init = tensor::EmptyOp::create(
      b, e.loc(),
      SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length(),
                                b.getIndexAttr(heads), b.getIndexAttr(r),
                                b.getIndexAttr(dim)},
      b.getF32Type());
  AffineExpr d0, s, h, j, d;
  bindDims(ctx, d0, s, h, j, d);
  Value spread =
      linalg::GenericOp::create(
          b, e.loc(), init.getType(), ValueRange{x}, ValueRange{init},
          SmallVector<AffineMap>{AffineMap::get(5, 0, {d0, s, h, d}, ctx),
                                 AffineMap::getMultiDimIdentityMap(5, ctx)},
          SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(nb, l, a[0]);
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, e.loc(), spread,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
}

/// x / sqrt(Σ x² + 1e-6) over the last dim (transformers' l2norm) times
/// `factor`: an RMSNorm with epsilon 1e-6 / D and a constant weight
/// factor / sqrt(D).
Value unitNorm(ModelEmitter &e, Value x, double factor) {
  OpBuilder &b = e.builder();
  int64_t dim = cast<RankedTensorType>(x.getType()).getShape().back();
  auto wType = e.f32({dim});
  Value w = arith::ConstantOp::create(
      b, e.loc(), wType,
      DenseElementsAttr::get(
          wType, b.getF32FloatAttr(factor / std::sqrt(double(dim)))));
  return seq::RMSNormOp::create(b, e.loc(), x, w, /*gate=*/Value(),
                                b.getF32FloatAttr(1e-6 / double(dim)),
                                /*group_size=*/nullptr, b.getF32FloatAttr(0));
}

/// β = sigmoid(b) and g = -exp(A_log) · softplus(a + dt_bias), [1, S, H]
/// from b, a [1, S, H] and A_log, dt_bias [H]; softplus as torch's (x for
/// x > 20).
std::pair<Value, Value> gates(ModelEmitter &e, Value bIn, Value aIn, Value aLog,
                              Value dtBias) {
  OpBuilder &b = e.builder();
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(bIn.getType());
  auto empty = [&] {
    return tensor::EmptyOp::create(
        b, e.loc(), tensor::getMixedSizes(b, e.loc(), bIn), b.getF32Type());
  };
  AffineExpr d0, s, h;
  bindDims(ctx, d0, s, h);
  AffineMap full = AffineMap::get(3, 0, {d0, s, h}, ctx);
  AffineMap head = AffineMap::get(3, 0, {h}, ctx);
  auto op = linalg::GenericOp::create(
      b, e.loc(), TypeRange{type, type}, ValueRange{bIn, aIn, aLog, dtBias},
      ValueRange{empty(), empty()},
      SmallVector<AffineMap>{full, full, head, head, full, full},
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange a) {
        auto f = [&](double v) {
          return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v));
        };
        Value ex =
            math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[0]));
        Value beta = arith::DivFOp::create(
            nb, l, f(1.0), arith::AddFOp::create(nb, l, f(1.0), ex));
        Value x = arith::AddFOp::create(nb, l, a[1], a[3]);
        Value soft =
            math::Log1pOp::create(nb, l, math::ExpOp::create(nb, l, x));
        Value big =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, x, f(20.0));
        soft = arith::SelectOp::create(nb, l, big, x, soft);
        Value decay =
            arith::NegFOp::create(nb, l, math::ExpOp::create(nb, l, a[2]));
        Value g = arith::MulFOp::create(nb, l, decay, soft);
        linalg::YieldOp::create(nb, l, ValueRange{beta, g});
      });
  return {op.getResult(0), op.getResult(1)};
}

/// x · s with s [1, S, 1] broadcast over the last dim of x [1, S, n].
Value scaleRows(ModelEmitter &e, Value x, Value s) {
  OpBuilder &b = e.builder();
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, t, c;
  bindDims(ctx, d0, t, c);
  Value init = tensor::EmptyOp::create(
      b, e.loc(), tensor::getMixedSizes(b, e.loc(), x), b.getF32Type());
  return linalg::GenericOp::create(
             b, e.loc(), x.getType(), ValueRange{x, s}, ValueRange{init},
             SmallVector<AffineMap>{
                 AffineMap::get(3, 0, {d0, t, c}, ctx),
                 AffineMap::get(3, 0, {d0, t, b.getAffineConstantExpr(0)}, ctx),
                 AffineMap::get(3, 0, {d0, t, c}, ctx)},
             SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::MulFOp::create(nb, l, a[0], a[1])});
             })
      .getResult(0);
}

/// Qwen3NextGatedDeltaNet on `h` (normalised) with weights under `prefix`
/// and states `<stateName>.conv_state` / `.recurrent_state`.
Value emitGatedDeltaNet(ModelEmitter &e, Value h, const std::string &prefix,
                        const std::string &stateName, const DeltaNetSizes &s) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t g = s.group();
  int64_t perHead = 2 * s.keyDim + 2 * g * s.valueDim;
  // in_proj_qkvz: per key head [q, k, v (g heads), z (g heads)].
  Value qkvz = e.splitHeads(e.linear(h, prefix + ".in_proj_qkvz",
                                     s.keyHeads * perHead, s.hidden, false),
                            s.keyHeads, perHead);
  Value q = headSlice(e, qkvz, 0, s.keyDim);
  Value k = headSlice(e, qkvz, s.keyDim, s.keyDim);
  Value v = splitSubHeads(e, headSlice(e, qkvz, 2 * s.keyDim, g * s.valueDim),
                          g, s.valueDim);
  Value z = splitSubHeads(
      e, headSlice(e, qkvz, 2 * s.keyDim + g * s.valueDim, g * s.valueDim), g,
      s.valueDim);
  // in_proj_ba: per key head [b (g heads), a (g heads)].
  Value ba = e.splitHeads(
      e.linear(h, prefix + ".in_proj_ba", 2 * s.valueHeads, s.hidden, false),
      s.keyHeads, 2 * g);
  auto flatHeads = [&](Value x) {
    return tensor::CollapseShapeOp::create(
        b, loc, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  };
  Value bIn = flatHeads(headSlice(e, ba, 0, g));
  Value aIn = flatHeads(headSlice(e, ba, g, g));

  // The causal conv (silu, no bias) over [q, k, v] flattened.
  int64_t convDim = 2 * s.keyWidth() + s.valueWidth();
  Value mixed =
      e.concatLast({e.mergeHeads(q), e.mergeHeads(k), e.mergeHeads(v)});
  Value w3 = e.weight(prefix + ".conv1d.weight", {convDim, 1, s.conv});
  Value w = tensor::CollapseShapeOp::create(
      b, loc, w3, SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value convState =
      e.addState(stateName + ".conv_state", {1, convDim, s.conv - 1});
  auto conv = seq::CausalConv1dOp::create(
      b, loc, mixed, w, Value(), convState,
      seq::ActivationKindAttr::get(b.getContext(), seq::ActivationKind::silu));
  e.setState(stateName + ".conv_state", conv.getFinalState());
  Value c = conv.getOutput();
  q = e.splitHeads(e.sliceLast(c, 0, s.keyWidth()), s.keyHeads, s.keyDim);
  k = e.splitHeads(e.sliceLast(c, s.keyWidth(), s.keyWidth()), s.keyHeads,
                   s.keyDim);
  v = e.splitHeads(e.sliceLast(c, 2 * s.keyWidth(), s.valueWidth()),
                   s.valueHeads, s.valueDim);
  // Unit q and k (q then scaled by 1/sqrt(K) through the rule's scale),
  // shared by the g value heads of each key head.
  q = repeatHeads(e, unitNorm(e, q, 1.0), g);
  k = repeatHeads(e, unitNorm(e, k, 1.0), g);
  Value aLog = e.weight(prefix + ".A_log", {s.valueHeads});
  Value dtBias = e.weight(prefix + ".dt_bias", {s.valueHeads});
  auto [beta, decay] = gates(e, bIn, aIn, aLog, dtBias);
  Value state = e.addState(stateName + ".recurrent_state",
                           {1, s.valueHeads, s.keyDim, s.valueDim});
  auto rule = seq::DeltaRuleOp::create(
      b, loc, q, k, v, beta, decay, state,
      b.getF32FloatAttr(1.0 / std::sqrt(double(s.keyDim))), nullptr);
  e.setState(stateName + ".recurrent_state", rule.getFinalState());
  // Gated RMSNorm by value head: w · rmsnorm(o) · silu(z).
  Value o = e.rmsnorm(rule.getOutput(), prefix + ".norm.weight", s.valueDim,
                      s.epsilon);
  o = arith::MulFOp::create(b, loc, o,
                            e.activation(seq::ActivationKind::silu, z));
  return e.linear(e.mergeHeads(o), prefix + ".out_proj", s.hidden,
                  s.valueWidth(), false);
}

/// Qwen3NextAttention: q_proj gives each head's query and gate.
Value emitGatedAttention(ModelEmitter &e, Value h, const std::string &prefix,
                         const std::string &stateName, const AttentionSizes &a,
                         double epsilon, Value positions,
                         const RopeScaling &scaling, int64_t maxPositions) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  Value qg =
      e.splitHeads(e.linear(h, prefix + ".q_proj", 2 * a.heads * a.headDim,
                            a.hidden, a.qkvBias),
                   a.heads, 2 * a.headDim);
  Value q = headSlice(e, qg, 0, a.headDim);
  Value gate = e.mergeHeads(headSlice(e, qg, a.headDim, a.headDim));
  Value k = e.splitHeads(e.linear(h, prefix + ".k_proj", a.kvHeads * a.headDim,
                                  a.hidden, a.qkvBias),
                         a.kvHeads, a.headDim);
  Value v = e.splitHeads(e.linear(h, prefix + ".v_proj", a.kvHeads * a.headDim,
                                  a.hidden, a.qkvBias),
                         a.kvHeads, a.headDim);
  q = rope(e, e.rmsnorm(q, prefix + ".q_norm.weight", a.headDim, epsilon, 1.0),
           positions, scaling);
  k = rope(e, e.rmsnorm(k, prefix + ".k_norm.weight", a.headDim, epsilon, 1.0),
           positions, scaling);
  ModelEmitter::KvCache cache =
      e.cacheKeysValues(stateName, k, v, maxPositions, /*ring=*/false);
  Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
  Value o = seq::AttentionOp::create(
      b, loc, q, cache.keys, cache.values, Value(), kvLength, cache.keyScales,
      cache.valueScales, nullptr, true, nullptr, nullptr, nullptr, nullptr,
      nullptr, nullptr);
  Value gated =
      arith::MulFOp::create(b, loc, e.mergeHeads(o),
                            e.activation(seq::ActivationKind::sigmoid, gate));
  return e.linear(gated, prefix + ".o_proj", a.hidden, a.heads * a.headDim,
                  a.outBias);
}

/// Which layers use the gated DeltaNet (the rest attend): layer_types, or
/// when absent every full_attention_interval-th layer attends.
std::vector<bool> deltaNetLayers(HfConfig &c, int64_t layers) {
  std::vector<bool> linear(layers, false);
  if (c.has("layer_types")) {
    c.irrelevant({"full_attention_interval"});
    std::optional<std::vector<std::string>> types = c.strings("layer_types");
    if (!types) {
      c.fail("layer_types", "expected a list of strings");
      return linear;
    }
    if (static_cast<int64_t>(types->size()) != layers) {
      c.fail("layer_types", "has " + std::to_string(types->size()) +
                                " entries for " + std::to_string(layers) +
                                " layers");
      return linear;
    }
    for (int64_t i = 0; i < layers; ++i) {
      const std::string &t = (*types)[i];
      if (t != "linear_attention" && t != "full_attention")
        c.fail("layer_types", "'" + t +
                                  "' is not a Qwen3-Next layer type "
                                  "(linear_attention, full_attention)");
      linear[i] = t == "linear_attention";
    }
    return linear;
  }
  int64_t interval = c.size("full_attention_interval", 4, 1 << 24);
  for (int64_t i = 0; i < layers && interval > 0; ++i)
    linear[i] = (i + 1) % interval != 0;
  return linear;
}

} // namespace

Value buildQwen3Next(ModelEmitter &e, HfConfig &c, StringRef,
                     int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 5632, 1 << 24);
  double eps = c.nonNegative("rms_norm_eps", 1e-6);
  AttentionSizes a;
  a.hidden = hidden;
  a.heads = c.size("num_attention_heads", 16, 1 << 24);
  a.kvHeads = c.size("num_key_value_heads", 2, 1 << 24);
  a.headDim = c.size("head_dim", 256, 1 << 16);
  a.qkvBias = a.outBias = c.boolean("attention_bias", false);
  DeltaNetSizes d;
  d.hidden = hidden;
  d.conv = c.size("linear_conv_kernel_dim", 4, 1 << 10);
  d.keyDim = c.size("linear_key_head_dim", 128, 1 << 16);
  d.valueDim = c.size("linear_value_head_dim", 128, 1 << 16);
  d.keyHeads = c.size("linear_num_key_heads", 16, 1 << 16);
  d.valueHeads = c.size("linear_num_value_heads", 32, 1 << 16);
  d.epsilon = eps;
  // 0 experts: a dense MLP in every layer.
  int64_t experts = c.integer("num_experts", 512);
  if (experts < 0 || experts > (1 << 16))
    c.fail("num_experts", std::to_string(experts) + " is outside [0, 65536]");
  int64_t topK = c.size("num_experts_per_tok", 10, 1 << 16);
  int64_t sparseStep = c.size("decoder_sparse_step", 1, 1 << 24);
  int64_t moeInter = c.size("moe_intermediate_size", 512, 1 << 24);
  int64_t sharedInter = c.size("shared_expert_intermediate_size", 512, 1 << 24);
  bool normalize = c.boolean("norm_topk_prob", true);
  std::string act = c.string("hidden_act", "silu");
  RopeScaling scaling =
      readRopeScaling(c, /*defaultTheta=*/10000.0, /*partial=*/0.25);
  if (!c.error().empty()) // sizes out of range: nothing sized by them
    return nullptr;
  std::vector<bool> dense(layers, false);
  if (std::optional<std::vector<double>> only = c.numbers("mlp_only_layers")) {
    for (double i : *only)
      if (i >= 0 && i < double(layers) && i == std::floor(i))
        dense[static_cast<int64_t>(i)] = true;
  } else if (c.has("mlp_only_layers") && c.present("mlp_only_layers")) {
    c.fail("mlp_only_layers", "expected a list of layer indices");
  }
  // Training-only fields, and the multi-token-prediction head transformers
  // does not build (its mtp.* tensors are skipped at load).
  c.irrelevant({"attention_dropout", "output_router_logits",
                "router_aux_loss_coef", "mtp_num_hidden_layers",
                "mtp_use_dedicated_embeddings"});
  if (act != "silu")
    c.fail("hidden_act", "'" + act + "' is not supported (silu is)");
  if (a.kvHeads > 0 && a.heads % a.kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  if (d.keyHeads > 0 && d.valueHeads % d.keyHeads != 0)
    c.fail("linear_num_value_heads", "must be a multiple of "
                                     "linear_num_key_heads");
  if (d.conv < 1)
    c.fail("linear_conv_kernel_dim", "must be at least 1");
  if (experts > 0 && (topK < 1 || topK > experts))
    c.fail("num_experts_per_tok", "must be in [1, num_experts]");
  if (!c.error().empty())
    return nullptr;
  std::vector<bool> linear = deltaNetLayers(c, layers);
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden);
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps, 1.0);
    Value mixed = linear[i]
                      ? emitGatedDeltaNet(e, h, p + ".linear_attn", s, d)
                      : emitGatedAttention(e, h, p + ".self_attn", s, a, eps,
                                           positions, scaling, maxPositions);
    x = e.add(x, mixed);
    h = e.rmsnorm(x, p + ".post_attention_layernorm.weight", hidden, eps, 1.0);
    std::string m = p + ".mlp";
    Value ff;
    if (!dense[i] && experts > 0 && (i + 1) % sparseStep == 0) {
      Value logits = e.router(h, m + ".gate", experts, hidden);
      ExpertSizes sizes;
      sizes.hidden = hidden;
      sizes.inter = moeInter;
      sizes.experts = experts;
      sizes.topK = topK;
      sizes.normalize = normalize;
      ff = emitStackedExperts(e, h, logits, m, sizes);
      if (!ff)
        break;
      std::string se = m + ".shared_expert";
      Value shared = e.linear(
          e.glu(seq::ActivationKind::silu,
                e.linear(h, se + ".gate_proj", sharedInter, hidden, false),
                e.linear(h, se + ".up_proj", sharedInter, hidden, false)),
          se + ".down_proj", hidden, sharedInter, false);
      Value sharedGate = e.activation(
          seq::ActivationKind::sigmoid,
          e.linear(h, m + ".shared_expert_gate", 1, hidden, false));
      ff = e.add(ff, scaleRows(e, shared, sharedGate));
    } else {
      ff = e.linear(e.glu(seq::ActivationKind::silu,
                          e.linear(h, m + ".gate_proj", inter, hidden, false),
                          e.linear(h, m + ".up_proj", inter, hidden, false)),
                    m + ".down_proj", hidden, inter, false);
    }
    x = e.endLayer(e.add(x, ff));
  }
  x = e.rmsnorm(x, "model.norm.weight", hidden, eps, 1.0);
  if (!e.error().empty())
    return nullptr;
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
