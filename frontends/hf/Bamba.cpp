//===- Bamba.cpp - Bamba: Mamba2 and attention layers ---------------------===//
//
// Pre-norm blocks whose mixer is Llama's attention on the layers
// attn_layer_indices names (RoPE on the first half of each head by
// default, biases per attention_bias) and a Mamba2 mixer on the others;
// every block then adds Llama's gated MLP. transformers' Bamba reuses
// Mamba2's mixer with the mamba_* sizes and rms_norm_eps for its gated norm.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

Mamba2Sizes readBambaMixerSizes(HfConfig &c, int64_t hidden, double eps,
                                seq::ActivationKind activation,
                                std::optional<int64_t> inner) {
  Mamba2Sizes mamba;
  mamba.hidden = hidden;
  mamba.heads = c.size("mamba_n_heads", 128, 1 << 16);
  mamba.state = c.size("mamba_d_state", 256, 1 << 16);
  mamba.groups = c.size("mamba_n_groups", 1, 1 << 16);
  mamba.conv = c.size("mamba_d_conv", 4, 1 << 10);
  mamba.chunk = c.size("mamba_chunk_size", 256, 1 << 16);
  int64_t expand = c.size("mamba_expand", 2, 1 << 10);
  mamba.inner = inner ? *inner : expand * hidden;
  mamba.headDim = c.isString("mamba_d_head", "auto") || !c.has("mamba_d_head")
                      ? mamba.inner / std::max<int64_t>(mamba.heads, 1)
                      : c.size("mamba_d_head");
  mamba.convBias = c.boolean("mamba_conv_bias", true);
  mamba.bias = mamba.outBias = c.boolean("mamba_proj_bias", false);
  mamba.normEpsilon = eps;
  mamba.activation = activation;
  mamba.limit = readTimeStepLimit(c, "time_step_limit");
  checkMamba2Sizes(c, mamba, "mamba_n_heads", "mamba_n_groups");
  return mamba;
}

Value buildBamba(ModelEmitter &e, HfConfig &c, StringRef,
                 int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 14336, 1 << 24);
  double eps = c.nonNegative("rms_norm_eps", 1e-5);
  seq::ActivationKind act = activationField(c, "hidden_act", "silu");
  bool mlpBias = c.boolean("mlp_bias", false);

  AttentionSizes attn = readAttentionSizes(c, hidden);
  // BambaConfig rotates half of each head unless rope_parameters says.
  RopeScaling scaling =
      readRopeScaling(c, /*defaultTheta=*/10000.0, /*partial=*/0.5);
  checkRotaryWidth(
      c, "attn_rotary_emb",
      static_cast<int64_t>(double(attn.headDim) * scaling.partial));

  Mamba2Sizes mamba = readBambaMixerSizes(c, hidden, eps, act);
  // Training outputs: the auxiliary z-loss and how many logits generate()
  // keeps.
  c.irrelevant({"z_loss_coefficient", "num_logits_to_keep"});
  if (!c.error().empty())
    return nullptr;
  std::vector<bool> attends(layers, false);
  if (std::optional<std::vector<double>> idxs = c.numbers("attn_layer_indices"))
    for (double i : *idxs)
      if (i >= 0 && i < double(layers) && i == std::floor(i))
        attends[static_cast<int64_t>(i)] = true;
  if (c.has("attn_layer_indices") && !c.numbers("attn_layer_indices"))
    c.fail("attn_layer_indices", "expected a list of layer indices");
  if (!c.error().empty())
    return nullptr;

  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden);
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    Value mixed = attends[i]
                      ? emitRopeAttention(e, h, p + ".self_attn", s, attn,
                                          positions, &scaling, maxPositions)
                      : emitMamba2Mixer(e, h, p + ".mamba", s, mamba);
    x = e.add(x, mixed);
    h = e.rmsnorm(x, p + ".pre_ff_layernorm.weight", hidden, eps);
    std::string f = p + ".feed_forward";
    Value gate = e.linear(h, f + ".gate_proj", inter, hidden, mlpBias);
    Value up = e.linear(h, f + ".up_proj", inter, hidden, mlpBias);
    x = e.endLayer(e.add(x, e.linear(e.glu(act, gate, up), f + ".down_proj",
                                     hidden, inter, mlpBias)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.final_layernorm.weight", hidden, eps);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
