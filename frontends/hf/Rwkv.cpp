//===- Rwkv.cpp - RWKV-4: time mixing (WKV) and channel mixing ------------===//
//
// Each block, on LayerNorms (a pre_ln on the embeddings before block 0):
// time mixing — key, value and receptance from the token and the previous
// one blended per channel (token shift), WKV over k and v, output(sigmoid(r)
// · wkv) — then channel mixing: sigmoid(receptance(x_r)) · value(relu(key(
// x_k))²). Both shifts keep the previous token's normalised input as a
// state, WKV its (a, d, m) rows. In eval mode transformers divides block
// b's attention.output and feed_forward.value weights by 2^(b //
// rescale_every) and halves the residual stream after every rescale_every-th
// block; seqc does the same to the projections' results (a power of two:
// exact), so the numbers are transformers' eval-mode numbers.
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

/// Each position's previous token of `x` [1, S, C]: the state `name` [1, 1,
/// C] (the previous call's last token, zero at session start) followed by
/// x[:, :S-1]. The state becomes x's last token (unchanged by an empty call).
Value tokenShift(ModelEmitter &e, Value x, const std::string &name,
                 int64_t width) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  Value previous = e.addState(name, {1, 1, width});
  Value length = e.length();
  Value extended = arith::AddIOp::create(
      b, loc, length, arith::ConstantIndexOp::create(b, loc, 1));
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  OpFoldResult c = b.getIndexAttr(width);
  SmallVector<OpFoldResult> unit(3, one);
  // xs = concat(previous, x) along time: [1, S + 1, C].
  Value xs = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{one, extended, c}, b.getF32Type());
  xs = tensor::InsertSliceOp::create(b, loc, previous, xs,
                                     ArrayRef<OpFoldResult>{zero, zero, zero},
                                     ArrayRef<OpFoldResult>{one, one, c}, unit);
  xs = tensor::InsertSliceOp::create(
      b, loc, x, xs, ArrayRef<OpFoldResult>{zero, one, zero},
      ArrayRef<OpFoldResult>{one, length, c}, unit);
  Value shifted = tensor::ExtractSliceOp::create(
      b, loc, e.f32({1, ShapedType::kDynamic, width}), xs,
      ArrayRef<OpFoldResult>{zero, zero, zero},
      ArrayRef<OpFoldResult>{one, length, c}, unit);
  Value last =
      tensor::ExtractSliceOp::create(b, loc, e.f32({1, 1, width}), xs,
                                     ArrayRef<OpFoldResult>{zero, length, zero},
                                     ArrayRef<OpFoldResult>{one, one, c}, unit);
  e.setState(name, last);
  return shifted;
}

/// x · mix + shifted · (1 − mix), with `name` the time_mix parameter [1, 1,
/// C] (transformers' expression, in its order).
Value timeMix(ModelEmitter &e, Value x, Value shifted, const std::string &name,
              int64_t width) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  MLIRContext *ctx = b.getContext();
  Value mix = tensor::CollapseShapeOp::create(
      b, loc, e.weight(name, {1, 1, width}),
      SmallVector<ReassociationIndices>{{0, 1, 2}});
  auto type = cast<RankedTensorType>(x.getType());
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       type.getElementType());
  AffineMap full = b.getMultiDimIdentityMap(3);
  AffineMap channel = AffineMap::get(3, 0, {getAffineDimExpr(2, ctx)}, ctx);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{x, shifted, mix}, ValueRange{init},
             SmallVector<AffineMap>{full, full, channel, full},
             SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange a) {
               Value one =
                   arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0));
               Value mixed = arith::AddFOp::create(
                   nb, l, arith::MulFOp::create(nb, l, a[0], a[2]),
                   arith::MulFOp::create(
                       nb, l, a[1], arith::SubFOp::create(nb, l, one, a[2])));
               linalg::YieldOp::create(nb, l, ValueRange{mixed});
             })
      .getResult(0);
}

/// −exp(time_decay) [C]: WKV's per-step log decay.
Value logDecay(ModelEmitter &e, Value timeDecay) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  auto type = cast<RankedTensorType>(timeDecay.getType());
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(1);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{timeDecay}, ValueRange{init},
             SmallVector<AffineMap>{id, id},
             SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
             [](OpBuilder &nb, Location l, ValueRange a) {
               Value w = arith::NegFOp::create(
                   nb, l, math::ExpOp::create(nb, l, a[0]));
               linalg::YieldOp::create(nb, l, ValueRange{w});
             })
      .getResult(0);
}

struct RwkvSizes {
  int64_t hidden = 0, attention = 0, inter = 0;
};

/// RwkvSelfAttention on `x` (ln1's output); `scale` is the eval-mode
/// rescaling of its output projection.
Value emitTimeMixing(ModelEmitter &e, Value x, const std::string &p,
                     const std::string &s, const RwkvSizes &z, double scale) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t h = z.hidden, a = z.attention;
  Value shifted = tokenShift(e, x, s + ".attention_shift", h);
  Value k = e.linear(timeMix(e, x, shifted, p + ".time_mix_key", h), p + ".key",
                     a, h, false);
  Value v = e.linear(timeMix(e, x, shifted, p + ".time_mix_value", h),
                     p + ".value", a, h, false);
  Value r = e.activation(
      seq::ActivationKind::sigmoid,
      e.linear(timeMix(e, x, shifted, p + ".time_mix_receptance", h),
               p + ".receptance", a, h, false));
  std::string stateName = s + ".wkv_state";
  Value state = e.addState(stateName, {1, 3, a});
  auto wkv =
      seq::WkvOp::create(b, loc, logDecay(e, e.weight(p + ".time_decay", {a})),
                         e.weight(p + ".time_first", {a}), k, v, state);
  e.setState(stateName, wkv.getFinalState());
  Value gated = arith::MulFOp::create(b, loc, r, wkv.getOutput());
  return e.scale(e.linear(gated, p + ".output", h, a, false), scale);
}

/// RwkvFeedForward on `x` (ln2's output).
Value emitChannelMixing(ModelEmitter &e, Value x, const std::string &p,
                        const std::string &s, const RwkvSizes &z,
                        double scale) {
  int64_t h = z.hidden;
  Value shifted = tokenShift(e, x, s + ".ffn_shift", h);
  Value k = e.linear(timeMix(e, x, shifted, p + ".time_mix_key", h), p + ".key",
                     z.inter, h, false);
  // relu(k)² as a relu-gated GLU whose gate is its input: relu(k) · k.
  k = e.glu(seq::ActivationKind::relu, k, k);
  Value v = e.scale(e.linear(k, p + ".value", h, z.inter, false), scale);
  Value r = e.activation(
      seq::ActivationKind::sigmoid,
      e.linear(timeMix(e, x, shifted, p + ".time_mix_receptance", h),
               p + ".receptance", h, h, false));
  return arith::MulFOp::create(e.builder(), e.loc(), r, v);
}

} // namespace

Value buildRwkv(ModelEmitter &e, HfConfig &c, StringRef, int64_t) {
  RwkvSizes z;
  z.hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  // RwkvConfig.__post_init__ resolves a null attention_hidden_size to
  // hidden_size and a null intermediate_size to 4 · hidden_size.
  z.attention = c.size("attention_hidden_size", z.hidden, 1 << 24);
  z.inter = c.size("intermediate_size", 4 * z.hidden, 1 << 24);
  double eps = c.nonNegative("layer_norm_epsilon", 1e-5);
  int64_t rescaleEvery = c.integer("rescale_every", 6);
  // context_length bounds only the CUDA kernel's sequence (the recurrence
  // itself has no limit); max_position_embeddings is its alias.
  c.irrelevant({"context_length", "max_position_embeddings"});
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x = e.tokenEmbedding("rwkv.embeddings.weight", vocab, z.hidden);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "rwkv.blocks." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    // Block i's output projections are divided by 2^(i / rescale_every).
    double scale = rescaleEvery > 0
                       ? std::ldexp(1.0, -static_cast<int>(std::min<int64_t>(
                                             i / rescaleEvery, 1000)))
                       : 1.0;
    e.beginLayer();
    if (i == 0)
      x = e.layernorm(x, p + ".pre_ln", z.hidden, eps);
    Value h = e.layernorm(x, p + ".ln1", z.hidden, eps);
    x = e.add(x, emitTimeMixing(e, h, p + ".attention", s, z, scale));
    h = e.layernorm(x, p + ".ln2", z.hidden, eps);
    x = e.endLayer(
        e.add(x, emitChannelMixing(e, h, p + ".feed_forward", s, z, scale)));
    if (rescaleEvery > 0 && (i + 1) % rescaleEvery == 0)
      x = e.scale(x, 0.5);
  }
  if (!e.error().empty())
    return nullptr;
  // ln_out is nn.LayerNorm(hidden_size): its own epsilon of 1e-5, whatever
  // layer_norm_epsilon says.
  x = e.layernorm(x, "rwkv.ln_out", z.hidden, 1e-5);
  std::string head = e.lmHead(c, "rwkv.embeddings", /*tiedByDefault=*/false,
                              /*headPrefix=*/"head");
  return e.linear(x, head, vocab, z.hidden, false);
}

} // namespace seqc::hf
