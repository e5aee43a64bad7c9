//===- Mamba.cpp - Mamba (S6)
//-----------------------------------------------===//
//
// Each block: x += out_proj(scan(silu(conv(in_x)), ...) · silu(z)) on
// rmsnorm(x), where in_proj gives [in_x, z], x_proj gives [dt, B, C], and
// dt_proj's bias is the discretisation bias before softplus.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

Value emitMambaMixer(ModelEmitter &e, Value x, StringRef prefix,
                     StringRef stateName, const MambaSizes &s) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t inner = s.inner, n = s.state, k = s.conv, r = s.dtRank;
  Value xz =
      e.linear(x, (prefix + ".in_proj").str(), 2 * inner, s.hidden, s.bias);
  Value xs = e.sliceLast(xz, 0, inner);
  Value z = e.sliceLast(xz, inner, inner);

  // The checkpoint's conv weight is [inner, 1, k].
  Value w3 = e.weight((prefix + ".conv1d.weight").str(), {inner, 1, k});
  Value w = tensor::CollapseShapeOp::create(
      b, loc, w3, SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value convBias =
      s.convBias ? e.weight((prefix + ".conv1d.bias").str(), {inner}) : Value();
  std::string convName = (stateName + ".conv_state").str();
  std::string ssmName = (stateName + ".ssm_state").str();
  Value convState = e.addState(convName, {1, inner, k - 1});
  auto conv = seq::CausalConv1dOp::create(
      b, loc, xs, w, convBias, convState,
      seq::ActivationKindAttr::get(b.getContext(), seq::ActivationKind::silu));
  e.setState(convName, conv.getFinalState());
  Value xc = conv.getOutput();

  Value dbc = e.linear(xc, (prefix + ".x_proj").str(), r + 2 * n, inner, false);
  Value dtLow = e.sliceLast(dbc, 0, r);
  Value bMat = e.sliceLast(dbc, r, n);
  Value cMat = e.sliceLast(dbc, r + n, n);
  if (s.innerNormEpsilon) {
    double eps = *s.innerNormEpsilon;
    dtLow = e.rmsnorm(dtLow, (prefix + ".dt_layernorm.weight").str(), r, eps);
    bMat = e.rmsnorm(bMat, (prefix + ".b_layernorm.weight").str(), n, eps);
    cMat = e.rmsnorm(cMat, (prefix + ".c_layernorm.weight").str(), n, eps);
  }
  Value dt = e.linear(dtLow, (prefix + ".dt_proj").str(), inner, r, true);
  Value aLog = e.weight((prefix + ".A_log").str(), {inner, n});
  Value a = arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, aLog));
  Value d = e.weight((prefix + ".D").str(), {inner});
  Value ssmState = e.addState(ssmName, {1, inner, n});
  auto scan = seq::SelectiveScanOp::create(b, loc, xc, dt, a, bMat, cMat, d, z,
                                           /*delta_bias=*/Value(), ssmState,
                                           /*delta_softplus=*/true);
  e.setState(ssmName, scan.getFinalState());
  return e.linear(scan.getOutput(), (prefix + ".out_proj").str(), s.hidden,
                  inner, s.bias);
}

void acceptMambaTrainingFields(HfConfig &c) {
  // Initialisation, training and kernel choices: the f32 forward is the same.
  c.irrelevant({"time_step_scale", "time_step_min", "time_step_max",
                "time_step_init_scheme", "time_step_floor", "residual_in_fp32",
                "use_mambapy", "use_associative_scan", "use_mamba_kernels"});
  // transformers 5 divides the loaded out_proj weights by
  // sqrt(num_hidden_layers) when this is set, even for trained checkpoints.
  c.requireBoolean("rescale_prenorm_residual", false,
                   "transformers rescales the loaded out_proj weights");
}

MambaSizes readMambaSizes(HfConfig &c, int64_t hidden) {
  MambaSizes s;
  s.hidden = hidden;
  s.state = c.size("state_size", 16, 1 << 16);
  s.conv = c.size("conv_kernel", 4, 1 << 10);
  // A stored intermediate_size wins over expand (transformers sets it after
  // deriving it).
  s.inner = c.size("intermediate_size", c.size("expand", 2, 1 << 10) * hidden,
                   1 << 24);
  // time_step_rank may be "auto": ceil(hidden / 16).
  if (c.isString("time_step_rank", "auto"))
    s.dtRank = (hidden + 15) / 16;
  else
    s.dtRank = c.size("time_step_rank", (hidden + 15) / 16, 1 << 24);
  s.bias = c.boolean("use_bias", false);
  s.convBias = c.boolean("use_conv_bias", true);
  return s;
}

Value buildMamba(ModelEmitter &e, HfConfig &c, StringRef, int64_t) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  double eps = c.nonNegative("layer_norm_epsilon", 1e-5);
  acceptMambaTrainingFields(c);
  // The string form of time_step_rank is read before integer() would
  // reject it.
  MambaSizes s = readMambaSizes(c, hidden);
  std::string act = c.string("hidden_act", "silu");
  if (act != "silu")
    c.fail("hidden_act", "'" + act + "' is not supported (silu is)");
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x = e.tokenEmbedding("backbone.embeddings.weight", vocab, hidden);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "backbone.layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".norm.weight", hidden, eps);
    x = e.endLayer(e.add(x, emitMambaMixer(e, h, p + ".mixer",
                                           "layers." + std::to_string(i), s)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "backbone.norm_f.weight", hidden, eps);
  std::string head = e.lmHead(c, "backbone.embeddings", /*tiedByDefault=*/true);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
