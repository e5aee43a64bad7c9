//===- FalconH1.cpp - Falcon-H1: attention and Mamba2 in parallel ---------===//
//
// Every layer runs a Mamba2 mixer and a Llama-style attention side by side
// on the same normalised input and adds both to the residual, then a gated
// MLP. Falcon-H1's muP multipliers scale the embeddings, the mixer's input
// and each in_proj segment (z, x, B, C, dt), its output, the attention's
// input, keys and output, the MLP's gate and output, and the logits. The
// mixer's gate meets its output through an optional grouped RMSNorm
// (mamba_rms_norm), before or after it (mamba_norm_before_gate).
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// A list field of exactly `count` finite numbers (default all 1).
std::vector<double> multipliers(HfConfig &c, llvm::StringRef key,
                                size_t count) {
  std::vector<double> values(count, 1.0);
  if (!c.has(key)) {
    c.present(key);
    return values;
  }
  std::optional<std::vector<double>> given = c.numbers(key);
  if (!given || given->size() != count) {
    c.fail(key, "expected a list of " + std::to_string(count) + " numbers");
    return values;
  }
  for (double v : *given)
    if (!std::isfinite(v))
      c.fail(key, "must hold finite numbers");
  return *given;
}

double multiplier(HfConfig &c, llvm::StringRef key) {
  double v = c.number(key, 1.0);
  if (!std::isfinite(v))
    c.fail(key, "must be a finite number");
  return v;
}

} // namespace

Value buildFalconH1(ModelEmitter &e, HfConfig &c, StringRef,
                    int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 14336, 1 << 24);
  double eps = c.nonNegative("rms_norm_eps", 1e-5);
  seq::ActivationKind act = activationField(c, "hidden_act", "silu");
  bool mlpBias = c.boolean("mlp_bias", false);
  double embeddingMultiplier = multiplier(c, "embedding_multiplier");
  double lmHeadMultiplier = multiplier(c, "lm_head_multiplier");
  double attentionIn = multiplier(c, "attention_in_multiplier");
  double attentionOut = multiplier(c, "attention_out_multiplier");
  double ssmOut = multiplier(c, "ssm_out_multiplier");
  std::vector<double> mlp = multipliers(c, "mlp_multipliers", 2);
  std::vector<double> ssm = multipliers(c, "ssm_multipliers", 5);
  c.irrelevant({"num_logits_to_keep"});

  AttentionSizes attn = readAttentionSizes(c, hidden);
  attn.keyMultiplier = multiplier(c, "key_multiplier");
  if (attn.headDim % 2 != 0)
    c.fail("head_dim", "must be even for rotary embeddings");
  RopeScaling scaling = readRopeScaling(c, /*defaultTheta=*/10000.0);

  // mamba_d_ssm (when not null) is the mixer's width.
  std::optional<int64_t> ssmWidth;
  if (c.has("mamba_d_ssm"))
    ssmWidth = c.size("mamba_d_ssm");
  else
    c.present("mamba_d_ssm");
  Mamba2Sizes mamba = readBambaMixerSizes(c, hidden, eps, act, ssmWidth);
  mamba.outBias = c.boolean("projectors_bias", false);
  mamba.inMultiplier = multiplier(c, "ssm_in_multiplier");
  if (ssm.size() == 5)
    std::copy(ssm.begin(), ssm.end(), mamba.projMultipliers.begin());
  bool normBeforeGate = c.boolean("mamba_norm_before_gate", true);
  if (!c.boolean("mamba_rms_norm", false))
    mamba.gate = Mamba2Gate::noNorm;
  else
    mamba.gate =
        normBeforeGate ? Mamba2Gate::afterNorm : Mamba2Gate::beforeNorm;
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x =
      e.scale(e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden),
              embeddingMultiplier);
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    Value m = e.scale(emitMamba2Mixer(e, h, p + ".mamba", s, mamba), ssmOut);
    Value a =
        e.scale(emitRopeAttention(e, e.scale(h, attentionIn), p + ".self_attn",
                                  s, attn, positions, &scaling, maxPositions),
                attentionOut);
    x = e.add(x, e.add(m, a));
    h = e.rmsnorm(x, p + ".pre_ff_layernorm.weight", hidden, eps);
    std::string f = p + ".feed_forward";
    Value gate =
        e.scale(e.linear(h, f + ".gate_proj", inter, hidden, mlpBias), mlp[0]);
    Value up = e.linear(h, f + ".up_proj", inter, hidden, mlpBias);
    Value down = e.linear(e.glu(act, gate, up), f + ".down_proj", hidden, inter,
                          mlpBias);
    x = e.endLayer(e.add(x, e.scale(down, mlp[1])));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.final_layernorm.weight", hidden, eps);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  // (x · m) · Wᵀ: the head stays the last op (forward_last).
  if (lmHeadMultiplier != 1.0)
    x = e.scale(x, lmHeadMultiplier);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
