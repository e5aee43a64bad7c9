//===- Jamba.cpp - Jamba: attention + Mamba layers with MoE
//-----------------===//
//
// Layer i mixes with attention when i % attn_layer_period ==
// attn_layer_offset (no positional embedding, GQA, causal) and with a Mamba
// mixer otherwise (dt, B and C RMS-normalised after x_proj). Its channel
// mixer is a top-k MoE when i % expert_layer_period == expert_layer_offset
// (softmax over all experts, top-k kept, not renormalised), else a SwiGLU MLP.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::hf {

Value buildJamba(ModelEmitter &e, HfConfig &c, StringRef,
                 int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t heads = c.size("num_attention_heads");
  int64_t kvHeads = c.size("num_key_value_heads", heads, 1 << 24);
  int64_t inter = c.size("intermediate_size");
  int64_t attnPeriod = c.size("attn_layer_period", 8, 4096);
  int64_t attnOffset = c.integer("attn_layer_offset", 4);
  int64_t expertPeriod = c.size("expert_layer_period", 2, 4096);
  int64_t expertOffset = c.integer("expert_layer_offset", 1);
  // JambaConfig maps num_local_experts to num_experts.
  int64_t experts = c.has("num_experts") || !c.has("num_local_experts")
                        ? c.size("num_experts", 16, 1 << 16)
                        : c.size("num_local_experts", 16, 1 << 16);
  int64_t topK = c.size("num_experts_per_tok", 2, 1 << 16);
  double eps = c.nonNegative("rms_norm_eps", 1e-6);
  std::string act = c.string("hidden_act", "silu");
  int64_t headDim = c.size("head_dim", heads > 0 ? hidden / heads : 0, 1 << 16);
  acceptMambaTrainingFields(c);
  // Auxiliary losses and outputs of training; no positions (no RoPE).
  c.irrelevant({"output_router_logits", "router_aux_loss_coef",
                "num_logits_to_keep", "max_position_embeddings"});
  if (c.has("sliding_window"))
    c.fail("sliding_window", "is not supported for Jamba (transformers 5 "
                             "ignores it, earlier versions applied it)");
  MambaSizes mamba;
  mamba.hidden = hidden;
  mamba.state = c.size("mamba_d_state", 16, 1 << 16);
  mamba.conv = c.size("mamba_d_conv", 4, 1 << 10);
  mamba.inner = c.size("mamba_expand", 2, 1 << 10) * hidden;
  if (c.isString("mamba_dt_rank", "auto") || !c.has("mamba_dt_rank"))
    mamba.dtRank = (hidden + 15) / 16;
  else
    mamba.dtRank = c.size("mamba_dt_rank");
  mamba.convBias = c.boolean("mamba_conv_bias", true);
  mamba.bias = c.boolean("mamba_proj_bias", false);
  mamba.innerNormEpsilon = eps;
  if (act != "silu")
    c.fail("hidden_act", "'" + act + "' is not supported (silu is)");
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  if (attnOffset < 0 || attnOffset >= attnPeriod)
    c.fail("attn_layer_offset", "must be in [0, attn_layer_period)");
  if (expertOffset < 0 || expertOffset >= expertPeriod)
    c.fail("expert_layer_offset", "must be in [0, expert_layer_period)");
  if (topK < 1 || topK > experts)
    c.fail("num_experts_per_tok", "must be in [1, num_experts]");
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    if (i % attnPeriod == attnOffset) {
      Value q = e.splitHeads(
          e.linear(h, p + ".self_attn.q_proj", heads * headDim, hidden, false),
          heads, headDim);
      Value k = e.splitHeads(e.linear(h, p + ".self_attn.k_proj",
                                      kvHeads * headDim, hidden, false),
                             kvHeads, headDim);
      Value v = e.splitHeads(e.linear(h, p + ".self_attn.v_proj",
                                      kvHeads * headDim, hidden, false),
                             kvHeads, headDim);
      ModelEmitter::KvCache cache =
          e.cacheKeysValues(s, k, v, maxPositions, /*ring=*/false);
      Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
      Value o = seq::AttentionOp::create(
          b, loc, q, cache.keys, cache.values, Value(), kvLength,
          cache.keyScales, cache.valueScales, nullptr, true, nullptr, nullptr,
          nullptr, nullptr, nullptr, nullptr);
      x = e.add(x, e.linear(e.mergeHeads(o), p + ".self_attn.o_proj", hidden,
                            heads * headDim, false));
    } else {
      x = e.add(x, emitMambaMixer(e, h, p + ".mamba", s, mamba));
    }

    h = e.rmsnorm(x, p + ".pre_ff_layernorm.weight", hidden, eps);
    std::string f = p + ".feed_forward";
    Value ff;
    if (experts > 1 && i % expertPeriod == expertOffset) {
      Value logits = e.router(h, f + ".router", experts, hidden);
      ExpertSizes sizes;
      sizes.hidden = hidden;
      sizes.inter = inter;
      sizes.experts = experts;
      sizes.topK = topK;
      ff = emitStackedExperts(e, h, logits, f, sizes);
      if (!ff)
        break;
    } else {
      Value g = e.linear(h, f + ".gate_proj", inter, hidden, false);
      Value u = e.linear(h, f + ".up_proj", inter, hidden, false);
      ff = e.linear(e.glu(seq::ActivationKind::silu, g, u), f + ".down_proj",
                    hidden, inter, false);
    }
    x = e.endLayer(e.add(x, ff));
  }
  x = e.rmsnorm(x, "model.final_layernorm.weight", hidden, eps);
  if (!e.error().empty())
    return nullptr;
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
