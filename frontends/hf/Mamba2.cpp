//===- Mamba2.cpp - Mamba2 (state-space duality) --------------------------===//
//
// Each block: x += out_proj(gated_rmsnorm(ssd(x_h, dt, A, B, C, D), z)) on
// rmsnorm(x). in_proj gives [z, xBC, dt]; a causal conv (silu) runs over
// xBC = [x, B, C]; the gate is applied by the grouped RMSNorm, not the scan.
// The mixer is shared with the hybrids that use it (Bamba, ...).
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

std::optional<std::pair<double, double>> readTimeStepLimit(HfConfig &c,
                                                           StringRef key) {
  // [min, max]; (0, inf) means no clamp.
  std::optional<std::vector<double>> l = c.numbers(key);
  if (!l) {
    if (c.has(key))
      c.fail(key, "expected [min, max]");
    return std::nullopt;
  }
  if (l->size() != 2)
    c.fail(key, "expected [min, max]");
  else if (!((*l)[0] >= 0.0 && (*l)[0] <= (*l)[1]))
    c.fail(key, "expected 0 <= min <= max");
  else if ((*l)[0] > 0.0 || std::isfinite((*l)[1]))
    return std::make_pair((*l)[0], std::min((*l)[1], 3.0e38));
  return std::nullopt;
}

void checkMamba2Sizes(HfConfig &c, const Mamba2Sizes &s, StringRef headsKey,
                      StringRef groupsKey) {
  if (s.heads * s.headDim != s.inner)
    c.fail(headsKey, "heads * head dim (" +
                         std::to_string(s.heads * s.headDim) +
                         ") must equal the mixer's width expand * "
                         "hidden_size (" +
                         std::to_string(s.inner) + ")");
  if (s.groups <= 0 || s.heads % s.groups != 0)
    c.fail(groupsKey, "must divide the number of heads");
}

namespace {

/// `x` [1, S, n] with its last-dim segments [offset, offset + size) scaled
/// by their factors (segments of factor 1 copied).
Value scaleSegments(ModelEmitter &e, Value x,
                    ArrayRef<std::tuple<int64_t, int64_t, double>> segments) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  auto type = cast<RankedTensorType>(x.getType());
  Value out = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                      type.getElementType());
  for (auto [offset, size, factor] : segments) {
    Value part = e.sliceLast(x, offset, size);
    if (factor != 1.0)
      part = e.scale(part, factor);
    out = tensor::InsertSliceOp::create(
        b, loc, part, out,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                               b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), e.length(),
                               b.getIndexAttr(size)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1)});
  }
  return out;
}

} // namespace

Value emitMamba2Mixer(ModelEmitter &e, Value h, StringRef prefix,
                      StringRef stateName, const Mamba2Sizes &sz) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  std::string m = prefix.str(), s = stateName.str();
  int64_t inner = sz.inner, heads = sz.heads, headDim = sz.headDim;
  int64_t groups = sz.groups, state = sz.state;
  int64_t convDim = inner + 2 * groups * state;
  if (sz.inMultiplier != 1.0)
    h = e.scale(h, sz.inMultiplier);
  Value proj =
      e.linear(h, m + ".in_proj", inner + convDim + heads, sz.hidden, sz.bias);
  if (llvm::any_of(sz.projMultipliers, [](double f) { return f != 1.0; })) {
    const std::array<double, 5> &f = sz.projMultipliers;
    int64_t gs = groups * state;
    proj = scaleSegments(e, proj,
                         {{0, inner, f[0]},
                          {inner, inner, f[1]},
                          {2 * inner, gs, f[2]},
                          {2 * inner + gs, gs, f[3]},
                          {2 * inner + 2 * gs, heads, f[4]}});
  }
  Value z = e.sliceLast(proj, 0, inner);
  Value xbc = e.sliceLast(proj, inner, convDim);
  Value dt = e.sliceLast(proj, inner + convDim, heads);

  Value w3 = e.weight(m + ".conv1d.weight", {convDim, 1, sz.conv});
  Value w = tensor::CollapseShapeOp::create(
      b, loc, w3, SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value cb = sz.convBias ? e.weight(m + ".conv1d.bias", {convDim}) : Value();
  Value convState = e.addState(s + ".conv_state", {1, convDim, sz.conv - 1});
  auto conv = seq::CausalConv1dOp::create(
      b, loc, xbc, w, cb, convState,
      seq::ActivationKindAttr::get(b.getContext(), sz.activation));
  e.setState(s + ".conv_state", conv.getFinalState());
  Value xs =
      e.splitHeads(e.sliceLast(conv.getOutput(), 0, inner), heads, headDim);
  Value bm = e.splitHeads(e.sliceLast(conv.getOutput(), inner, groups * state),
                          groups, state);
  Value cm = e.splitHeads(
      e.sliceLast(conv.getOutput(), inner + groups * state, groups * state),
      groups, state);

  Value aLog = e.weight(m + ".A_log", {heads});
  Value a = arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, aLog));
  Value d = e.weight(m + ".D", {heads});
  Value dtBias = e.weight(m + ".dt_bias", {heads});
  Value ssmState = e.addState(s + ".ssm_state", {1, heads, headDim, state});
  DenseF32ArrayAttr limitAttr;
  if (sz.limit)
    limitAttr = b.getDenseF32ArrayAttr(
        {float(sz.limit->first), float(sz.limit->second)});
  auto ssd = seq::SSDOp::create(b, loc, xs, dt, a, bm, cm, d, /*z=*/Value(),
                                dtBias, ssmState, /*dt_softplus=*/true,
                                limitAttr, b.getI64IntegerAttr(sz.chunk));
  e.setState(s + ".ssm_state", ssd.getFinalState());
  Value y = e.mergeHeads(ssd.getOutput());
  if (sz.gate == Mamba2Gate::noNorm) {
    y = e.glu(seq::ActivationKind::silu, z, y);
  } else {
    // RMSNorm over n_groups groups, of y · silu(z) or of y alone.
    Value nw = e.weight(m + ".norm.weight", {inner});
    y = seq::RMSNormOp::create(
        b, loc, y, nw, sz.gate == Mamba2Gate::beforeNorm ? z : Value(),
        b.getF32FloatAttr(sz.normEpsilon), b.getI64IntegerAttr(inner / groups),
        b.getF32FloatAttr(0.0));
    if (sz.gate == Mamba2Gate::afterNorm)
      y = e.glu(seq::ActivationKind::silu, z, y);
  }
  return e.linear(y, m + ".out_proj", sz.hidden, inner, sz.outBias);
}

Value buildMamba2(ModelEmitter &e, HfConfig &c, StringRef, int64_t) {
  Mamba2Sizes sz;
  int64_t hidden = sz.hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  sz.heads = c.size("num_heads");
  sz.headDim = c.size("head_dim");
  sz.state = c.size("state_size", 128, 1 << 16);
  sz.groups = c.size("n_groups", 1, 1 << 16);
  sz.conv = c.size("conv_kernel", 4, 1 << 10);
  // The scan's chunk length: a schedule, not part of the math.
  sz.chunk = c.size("chunk_size", 256, 1 << 16);
  sz.inner = c.size("expand", 2, 1 << 10) * hidden;
  double eps = sz.normEpsilon = c.nonNegative("layer_norm_epsilon", 1e-5);
  acceptMambaTrainingFields(c);
  // Computed by transformers but unused (Mamba2 has no dt_proj).
  c.irrelevant({"time_step_rank"});
  if (c.has("intermediate_size") &&
      c.integer("intermediate_size", 0) != sz.inner)
    c.fail("intermediate_size", "differs from expand * hidden_size (" +
                                    std::to_string(sz.inner) +
                                    "), which transformers uses");
  sz.bias = sz.outBias = c.boolean("use_bias", false);
  sz.convBias = c.boolean("use_conv_bias", true);
  std::string act = c.string("hidden_act", "silu");
  if (act != "silu")
    c.fail("hidden_act", "'" + act + "' is not supported (silu is)");
  checkMamba2Sizes(c, sz, "num_heads", "n_groups");
  if (!c.boolean("rms_norm", true) || c.boolean("norm_before_gate", false))
    c.fail("norm_before_gate",
           "only the gated RMSNorm applied after the gate is supported");
  sz.limit = readTimeStepLimit(c, "time_step_limit");
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x = e.tokenEmbedding("backbone.embeddings.weight", vocab, hidden);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "backbone.layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".norm.weight", hidden, eps);
    x = e.endLayer(
        e.add(x, emitMamba2Mixer(e, h, p + ".mixer",
                                 "layers." + std::to_string(i), sz)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "backbone.norm_f.weight", hidden, eps);
  std::string head =
      e.lmHead(c, "backbone.embeddings", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
