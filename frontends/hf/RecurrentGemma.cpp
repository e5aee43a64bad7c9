//===- RecurrentGemma.cpp - Griffin: RG-LRU and local attention -----------===//
//
// Gemma-style blocks (RMSNorm with (1 + w), embeddings scaled by
// sqrt(hidden) rounded to bf16, logits soft-capped by tanh) whose temporal
// mixer cycles through block_types: a recurrent block (gelu branch y,
// branch x through a causal conv and the RG-LRU, linear_out(x · y)) or
// local attention (a sliding window, RoPE on part of each head, o_proj with
// a bias). The RG-LRU h_t = a_t · h_{t-1} + sqrt(1 - a_t²) · (i_t · x_t),
// a_t = exp(-8 · r_t · softplus(Λ)), with block-diagonal input and
// recurrence gates i_t, r_t, runs on seq.selective_scan with one state per
// channel: Δ = r_t, A = -8 · softplus(Λ), B = C = 1 and u = the gated input
// divided by r_t (the scan multiplies it back).
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace seqc::hf {

namespace {

/// A tensor of `shape` (dim 1 = this call's tokens when dynamic) filled
/// with `value`.
Value filled(ModelEmitter &e, ArrayRef<int64_t> shape, double value) {
  OpBuilder &b = e.builder();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : shape)
    sizes.push_back(ShapedType::isDynamic(d) ? OpFoldResult(e.length())
                                             : OpFoldResult(b.getIndexAttr(d)));
  Value empty = tensor::EmptyOp::create(b, e.loc(), sizes, b.getF32Type());
  Value v = arith::ConstantOp::create(b, e.loc(), b.getF32FloatAttr(value));
  return linalg::FillOp::create(b, e.loc(), v, empty).getResult(0);
}

/// out[0, s, h, j] = Σ_i x[0, s, h, i] · w[h, i, j]: the RG-LRU's
/// block-diagonal gate products (x @ W, per head).
Value blockDiagonal(ModelEmitter &e, Value x, Value w) {
  OpBuilder &b = e.builder();
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Value init = filled(e, type.getShape(), 0.0);
  AffineExpr d0, s, h, j, i;
  bindDims(ctx, d0, s, h, j, i);
  SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {d0, s, h, i}, ctx),
                                 AffineMap::get(5, 0, {h, i, j}, ctx),
                                 AffineMap::get(5, 0, {d0, s, h, j}, ctx)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, e.loc(), type, ValueRange{x, w}, ValueRange{init}, maps,
             iterators,
             [](OpBuilder &nb, Location l, ValueRange a) {
               Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::AddFOp::create(nb, l, a[2], p)});
             })
      .getResult(0);
}

/// The RG-LRU's scan inputs from the conv output `x` [1, S, W], the gates'
/// products `gi`, `gr` [1, S, W] before their biases `bi`, `br` [W],
/// softplus(Λ) `sp` [W] and the positions [S]: (u, Δ) with Δ = r_t and
/// u = x · i_t · m_t / r_t, m_t = sqrt(1 - a_t²) (1 at position 0, where
/// transformers resets the state), a_t² = exp(2 · (-8 · r_t · sp)).
std::pair<Value, Value> lruInputs(ModelEmitter &e, Value x, Value gi, Value gr,
                                  Value bi, Value br, Value sp,
                                  Value positions) {
  OpBuilder &b = e.builder();
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  AffineExpr d0, s, w;
  bindDims(ctx, d0, s, w);
  AffineMap full = AffineMap::get(3, 0, {d0, s, w}, ctx);
  AffineMap channel = AffineMap::get(3, 0, {w}, ctx);
  AffineMap step = AffineMap::get(3, 0, {s}, ctx);
  Value u0 = filled(e, type.getShape(), 0.0);
  Value r0 = filled(e, type.getShape(), 0.0);
  auto op = linalg::GenericOp::create(
      b, e.loc(), TypeRange{type, type},
      ValueRange{x, gi, gr, bi, br, sp, positions}, ValueRange{u0, r0},
      SmallVector<AffineMap>{full, full, full, channel, channel, channel, step,
                             full, full},
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange a) {
        auto f = [&](double v) {
          return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v));
        };
        auto sigmoid = [&](Value v) {
          Value ex =
              math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, v));
          return arith::DivFOp::create(
              nb, l, f(1.0), arith::AddFOp::create(nb, l, f(1.0), ex));
        };
        Value ig = sigmoid(arith::AddFOp::create(nb, l, a[1], a[3]));
        Value rg = sigmoid(arith::AddFOp::create(nb, l, a[2], a[4]));
        Value logA = arith::MulFOp::create(
            nb, l, arith::MulFOp::create(nb, l, f(-8.0), rg), a[5]);
        Value aSquare = math::ExpOp::create(
            nb, l, arith::MulFOp::create(nb, l, f(2.0), logA));
        Value m = math::SqrtOp::create(
            nb, l, arith::SubFOp::create(nb, l, f(1.0), aSquare));
        Value first = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::eq, a[6],
            arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(0)));
        m = arith::SelectOp::create(nb, l, first, f(1.0), m);
        Value nx = arith::MulFOp::create(
            nb, l, arith::MulFOp::create(nb, l, a[0], ig), m);
        // rg == 0 makes a = 1 and nx = 0 (away from position 0): u = 0.
        Value positive =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, rg, f(0.0));
        Value u = arith::SelectOp::create(
            nb, l, positive, arith::DivFOp::create(nb, l, nx, rg), f(0.0));
        linalg::YieldOp::create(nb, l, ValueRange{u, rg});
      });
  return {op.getResult(0), op.getResult(1)};
}

/// `x` [n] as [n, 1].
Value column(ModelEmitter &e, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  return tensor::ExpandShapeOp::create(
      e.builder(), e.loc(),
      RankedTensorType::get({type.getDimSize(0), 1}, type.getElementType()), x,
      SmallVector<ReassociationIndices>{{0, 1}});
}

/// sqrt(hidden) rounded to bf16 (round to nearest even), as transformers'
/// bf16 `normalizer` buffer holds it.
double bf16Normalizer(int64_t hidden) {
  float v = static_cast<float>(std::sqrt(double(hidden)));
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  bits &= 0xffff0000u;
  std::memcpy(&v, &bits, 4);
  return v;
}

} // namespace

Value buildRecurrentGemma(ModelEmitter &e, HfConfig &c, StringRef,
                          int64_t maxPositions) {
  OpBuilder &b = e.builder();
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 3 * hidden, 1 << 24) / 2;
  int64_t heads = c.size("num_attention_heads", 10, 1 << 16);
  int64_t kvHeads = c.size("num_key_value_heads", heads, 1 << 16);
  int64_t lru = c.size("lru_width", hidden, 1 << 24);
  int64_t window = c.size("attention_window_size", 2048, INT32_MAX);
  int64_t convWidth = c.size("conv1d_width", 4, 1 << 10);
  double eps = c.nonNegative("rms_norm_eps", 1e-6);
  double cap = c.number("logits_soft_cap", 30.0);
  seq::ActivationKind act =
      activationField(c, "hidden_activation", "gelu_pytorch_tanh");
  bool attentionBias = c.boolean("attention_bias", false);
  // Derived by RecurrentGemmaConfig.__post_init__ (head_dim = hidden /
  // heads) or initialisation only.
  c.irrelevant(
      {"head_dim", "w_init_variance_scale", "final_w_init_variance_scale"});
  if (!(cap > 0) || !std::isfinite(cap))
    c.fail("logits_soft_cap", "must be a positive number");
  if (inter < 1)
    c.fail("intermediate_size", "gives an MLP of no width (it is halved)");
  if (kvHeads > heads || (kvHeads > 0 && heads % kvHeads != 0))
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  if (heads > 0 && lru % heads != 0)
    c.fail("lru_width", "must be a multiple of num_attention_heads (the "
                        "RG-LRU's gate blocks)");
  if (convWidth < 2)
    c.fail("conv1d_width", "must be at least 2");
  // Only the default kind: RecurrentGemmaRotaryEmbedding raises otherwise.
  RopeScaling scaling =
      readRopeScaling(c, /*defaultTheta=*/10000.0, /*partial=*/0.5);
  if (scaling.kind != seq::RopeScalingKind::none)
    c.fail("rope_parameters", "RecurrentGemma supports only rope_type "
                              "'default'");
  std::vector<bool> recurrent;
  if (std::optional<std::vector<std::string>> types =
          c.strings("block_types")) {
    if (types->empty())
      c.fail("block_types", "names no blocks");
    for (const std::string &t : *types) {
      if (t != "recurrent" && t != "attention")
        c.fail("block_types", "'" + t +
                                  "' is not a RecurrentGemma block type "
                                  "(recurrent, attention)");
      recurrent.push_back(t == "recurrent");
    }
  } else if (c.has("block_types")) {
    c.fail("block_types", "expected a list of strings");
  } else {
    recurrent = {true, true, false};
  }
  if (!c.error().empty())
    return nullptr;
  int64_t headDim = hidden / heads;
  int64_t blockWidth = lru / heads;
  int64_t ring = e.ringSlots(window, maxPositions);

  e.beginForward();
  Value x =
      e.scale(e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden),
              bf16Normalizer(hidden));
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    std::string t = p + ".temporal_block";
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".temporal_pre_norm.weight", hidden, eps,
                        /*weightOffset=*/1.0);
    Value mixed;
    if (recurrent[i % recurrent.size()]) {
      Value y = e.activation(act, e.linear(h, t + ".linear_y", lru, hidden,
                                           /*bias=*/true));
      Value xb = e.linear(h, t + ".linear_x", lru, hidden, /*bias=*/true);
      Value w3 = e.weight(t + ".conv_1d.weight", {lru, 1, convWidth});
      Value w = tensor::CollapseShapeOp::create(
          b, e.loc(), w3, SmallVector<ReassociationIndices>{{0}, {1, 2}});
      Value state = e.addState(s + ".conv_state", {1, lru, convWidth - 1});
      auto conv = seq::CausalConv1dOp::create(
          b, e.loc(), xb, w, e.weight(t + ".conv_1d.bias", {lru}), state,
          seq::ActivationKindAttr());
      e.setState(s + ".conv_state", conv.getFinalState());
      xb = conv.getOutput();

      std::string g = t + ".rg_lru";
      Value split = e.splitHeads(xb, heads, blockWidth);
      auto gate = [&](const char *name) {
        Value wg = e.weight(g + "." + name + "_gate_weight",
                            {heads, blockWidth, blockWidth});
        Value bg = tensor::CollapseShapeOp::create(
            b, e.loc(),
            e.weight(g + "." + name + "_gate_bias", {heads, blockWidth}),
            SmallVector<ReassociationIndices>{{0, 1}});
        return std::make_pair(e.mergeHeads(blockDiagonal(e, split, wg)), bg);
      };
      auto [gi, bi] = gate("input");
      auto [gr, br] = gate("recurrent");
      Value sp = e.activation(seq::ActivationKind::softplus,
                              e.weight(g + ".recurrent_param", {lru}));
      auto [u, delta] = lruInputs(e, xb, gi, gr, bi, br, sp, positions);
      Value a = column(e, e.scale(sp, -8.0));
      Value ones = filled(e, {1, ShapedType::kDynamic, 1}, 1.0);
      Value lruState = e.addState(s + ".lru_state", {1, lru, 1});
      auto scan = seq::SelectiveScanOp::create(
          b, e.loc(), u, delta, a, ones, ones, /*D=*/Value(), /*z=*/Value(),
          /*delta_bias=*/Value(), lruState, /*delta_softplus=*/false);
      e.setState(s + ".lru_state", scan.getFinalState());
      Value out = arith::MulFOp::create(b, e.loc(), scan.getOutput(), y);
      mixed = e.linear(out, t + ".linear_out", hidden, lru, /*bias=*/true);
    } else {
      Value q = e.splitHeads(
          e.linear(h, t + ".q_proj", heads * headDim, hidden, attentionBias),
          heads, headDim);
      Value k = e.splitHeads(
          e.linear(h, t + ".k_proj", kvHeads * headDim, hidden, attentionBias),
          kvHeads, headDim);
      Value v = e.splitHeads(
          e.linear(h, t + ".v_proj", kvHeads * headDim, hidden, attentionBias),
          kvHeads, headDim);
      q = rope(e, q, positions, scaling);
      k = rope(e, k, positions, scaling);
      ModelEmitter::KvCache cache = e.cacheKeysValues(
          s, k, v, ring ? ring : maxPositions, /*ring=*/ring > 0);
      Value kvLength =
          arith::AddIOp::create(b, e.loc(), e.position(), e.length());
      Value o = seq::AttentionOp::create(
          b, e.loc(), q, cache.keys, cache.values, Value(), kvLength,
          cache.keyScales, cache.valueScales, nullptr, true,
          b.getI64IntegerAttr(window), nullptr, nullptr, nullptr, nullptr,
          nullptr, /*ring=*/ring > 0);
      // o_proj always has a bias.
      mixed = e.linear(e.mergeHeads(o), t + ".o_proj", hidden, heads * headDim,
                       /*bias=*/true);
    }
    x = e.add(x, mixed);
    h = e.rmsnorm(x, p + ".channel_pre_norm.weight", hidden, eps, 1.0);
    std::string m = p + ".mlp_block";
    Value gateProj = e.linear(h, m + ".gate_proj", inter, hidden, true);
    Value up = e.linear(h, m + ".up_proj", inter, hidden, true);
    x = e.endLayer(e.add(x, e.linear(e.glu(act, gateProj, up), m + ".down_proj",
                                     hidden, inter, true)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.final_norm.weight", hidden, eps, 1.0);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/true);
  e.setLogitsSoftCap(cap);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
