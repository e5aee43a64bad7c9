//===- Lfm2.cpp - LFM2: gated short convolutions and attention ------------===//
//
// Pre-norm blocks whose mixer is, per layer_types, either grouped-query
// attention (RMSNorm on each query and key head before RoPE) or a gated
// short convolution: in_proj gives [B, C, x]; y = out_proj(C · conv(B · x))
// with a depthwise causal convolution of conv_L_cache taps and no
// activation, whose last taps are the decode state. Every block then adds
// a SwiGLU MLP (w2(silu(w1 h) · w3 h)) whose width LFM2 derives from
// intermediate_size. The final norm is `model.embedding_norm`. LFM2-MoE
// has the same layers with, after num_dense_layers dense ones, a sigmoid-
// routed MoE (experts chosen by sigmoid + expert_bias) as channel mixer.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// The MLP width Lfm2MLP computes from intermediate_size.
int64_t mlpWidth(HfConfig &c, int64_t intermediate) {
  bool adjust = c.boolean("block_auto_adjust_ff_dim", true);
  int64_t multiple = c.size("block_multiple_of", 256, 1 << 24);
  std::optional<double> multiplier;
  if (c.has("block_ffn_dim_multiplier")) {
    multiplier = c.number("block_ffn_dim_multiplier", 1.0);
    if (!(*multiplier > 0 && *multiplier < 1e6))
      c.fail("block_ffn_dim_multiplier", "must be a positive number");
  } else {
    c.present("block_ffn_dim_multiplier"); // null: no rounding
  }
  if (!adjust || !c.error().empty()) // a bad multiple divides nothing
    return intermediate;
  // Python's int(2 * n / 3): true division, then truncation.
  int64_t width = static_cast<int64_t>(2.0 * double(intermediate) / 3.0);
  if (multiplier) {
    width = static_cast<int64_t>(*multiplier * double(width));
    width = multiple * ((width + multiple - 1) / multiple);
  }
  if (width <= 0)
    c.fail("intermediate_size", "gives an MLP width of " +
                                    std::to_string(width) +
                                    " after LFM2's adjustment");
  return width;
}

/// Which layers attend (the rest convolve): layer_types, or when absent
/// full_attn_idxs (default: every layer), as Lfm2Config derives them.
std::vector<bool> attentionLayers(HfConfig &c, int64_t layers) {
  std::vector<bool> attends(layers, false);
  if (std::optional<std::vector<std::string>> types =
          c.strings("layer_types")) {
    // transformers ignores full_attn_idxs once layer_types is given.
    c.irrelevant({"full_attn_idxs"});
    if (static_cast<int64_t>(types->size()) != layers) {
      c.fail("layer_types", "has " + std::to_string(types->size()) +
                                " entries for " + std::to_string(layers) +
                                " layers");
      return attends;
    }
    for (int64_t i = 0; i < layers; ++i) {
      const std::string &t = (*types)[i];
      // transformers remaps the legacy name attention to full_attention.
      bool attention = t == "full_attention" || t == "attention";
      if (!attention && t != "conv")
        c.fail("layer_types",
               "'" + t + "' is not an LFM2 layer type (full_attention, conv)");
      attends[i] = attention;
    }
    return attends;
  }
  if (c.has("layer_types"))
    c.fail("layer_types", "expected a list of strings");
  std::optional<std::vector<double>> idxs = c.numbers("full_attn_idxs");
  if (!idxs) {
    if (c.has("full_attn_idxs"))
      c.fail("full_attn_idxs", "expected a list of layer indices");
    return std::vector<bool>(layers, true);
  }
  // Indices outside [0, layers) select nothing, as `i in full_attn_idxs`.
  for (double idx : *idxs)
    if (idx >= 0 && idx < double(layers) && idx == std::floor(idx))
      attends[static_cast<int64_t>(idx)] = true;
  return attends;
}

} // namespace

namespace {

/// What LFM2 and LFM2-MoE share.
struct Lfm2Sizes {
  int64_t hidden = 0, layers = 0, vocab = 0, heads = 0, kvHeads = 0;
  int64_t headDim = 0, kernel = 3;
  double eps = 1e-5;
  bool convBias = false;
  RopeScaling scaling;
};

/// The channel mixer of layer `i` on `h` (normalised), weights under
/// `prefix` (`model.layers.<i>.feed_forward`).
using Lfm2FeedForward =
    llvm::function_ref<Value(int64_t i, Value h, const std::string &prefix)>;

/// Embeddings, the layers (attention where `attends`, else the gated short
/// convolution; then `feedForward`), the final norm and the head.
Value emitLfm2(ModelEmitter &e, HfConfig &c, const Lfm2Sizes &z,
               const std::vector<bool> &attends, Lfm2FeedForward feedForward,
               int64_t maxPositions) {
  int64_t hidden = z.hidden, heads = z.heads, kvHeads = z.kvHeads,
          headDim = z.headDim, kernel = z.kernel;
  double eps = z.eps;
  bool bias = z.convBias;
  const RopeScaling &scaling = z.scaling;
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", z.vocab, hidden);
  Value positions = e.positions();
  for (int64_t i = 0; i < z.layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".operator_norm.weight", hidden, eps);
    Value mixed;
    if (attends[i]) {
      std::string a = p + ".self_attn";
      Value q = e.splitHeads(
          e.linear(h, a + ".q_proj", heads * headDim, hidden, false), heads,
          headDim);
      Value k = e.splitHeads(
          e.linear(h, a + ".k_proj", kvHeads * headDim, hidden, false), kvHeads,
          headDim);
      Value v = e.splitHeads(
          e.linear(h, a + ".v_proj", kvHeads * headDim, hidden, false), kvHeads,
          headDim);
      q = rope(e, e.rmsnorm(q, a + ".q_layernorm.weight", headDim, eps),
               positions, scaling);
      k = rope(e, e.rmsnorm(k, a + ".k_layernorm.weight", headDim, eps),
               positions, scaling);
      ModelEmitter::KvCache cache =
          e.cacheKeysValues(s, k, v, maxPositions, /*ring=*/false);
      Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
      Value o = seq::AttentionOp::create(
          b, loc, q, cache.keys, cache.values, Value(), kvLength,
          cache.keyScales, cache.valueScales, nullptr, true, nullptr, nullptr,
          nullptr, nullptr, nullptr, nullptr);
      mixed = e.linear(e.mergeHeads(o), a + ".out_proj", hidden,
                       heads * headDim, false);
    } else {
      std::string m = p + ".conv";
      Value bcx = e.linear(h, m + ".in_proj", 3 * hidden, hidden, bias);
      Value gateIn = e.sliceLast(bcx, 0, hidden);
      Value gateOut = e.sliceLast(bcx, hidden, hidden);
      Value in = arith::MulFOp::create(b, loc, gateIn,
                                       e.sliceLast(bcx, 2 * hidden, hidden));
      Value w3 = e.weight(m + ".conv.weight", {hidden, 1, kernel});
      Value w = tensor::CollapseShapeOp::create(
          b, loc, w3, SmallVector<ReassociationIndices>{{0}, {1, 2}});
      Value cb = bias ? e.weight(m + ".conv.bias", {hidden}) : Value();
      Value state = e.addState(s + ".conv_state", {1, hidden, kernel - 1});
      auto conv = seq::CausalConv1dOp::create(b, loc, in, w, cb, state,
                                              seq::ActivationKindAttr());
      e.setState(s + ".conv_state", conv.getFinalState());
      Value y = arith::MulFOp::create(b, loc, gateOut, conv.getOutput());
      mixed = e.linear(y, m + ".out_proj", hidden, hidden, bias);
    }
    x = e.add(x, mixed);
    h = e.rmsnorm(x, p + ".ffn_norm.weight", hidden, eps);
    Value ff = feedForward(i, h, p + ".feed_forward");
    if (!ff)
      break;
    x = e.endLayer(e.add(x, ff));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.embedding_norm.weight", hidden, eps);
  // lmHead reads tie_word_embeddings; tie_embedding (checked by the
  // builders) agrees.
  bool tied = c.boolean("tie_embedding", true);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/tied);
  return e.linear(x, head, z.vocab, hidden, false);
}

/// SwiGLU w2(silu(w1 h) · w3 h) of `width`.
Value swiGlu(ModelEmitter &e, Value h, const std::string &f, int64_t hidden,
             int64_t width) {
  Value gate = e.linear(h, f + ".w1", width, hidden, false);
  Value up = e.linear(h, f + ".w3", width, hidden, false);
  return e.linear(e.glu(seq::ActivationKind::silu, gate, up), f + ".w2", hidden,
                  width, false);
}

/// tie_embedding is the configs' legacy name for tie_word_embeddings.
void checkTieEmbedding(HfConfig &c) {
  if (c.has("tie_embedding") && c.has("tie_word_embeddings") &&
      c.boolean("tie_word_embeddings", true) !=
          c.boolean("tie_embedding", true))
    c.fail("tie_embedding", "disagrees with tie_word_embeddings");
}

} // namespace

Value buildLfm2(ModelEmitter &e, HfConfig &c, StringRef, int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t heads = c.size("num_attention_heads");
  int64_t kvHeads = c.size("num_key_value_heads", heads, 1 << 24);
  // Lfm2Config takes a legacy block_ff_dim in place of intermediate_size.
  int64_t intermediate = c.has("block_ff_dim")
                             ? c.size("block_ff_dim")
                             : c.size("intermediate_size", 12288, 1 << 24);
  if (c.has("block_ff_dim"))
    c.irrelevant({"intermediate_size"});
  int64_t headDim = c.size("head_dim", heads > 0 ? hidden / heads : 0, 1 << 16);
  double eps = c.nonNegative("norm_eps", 1e-5);
  int64_t kernel = c.size("conv_L_cache", 3, 1 << 10);
  bool bias = c.boolean("conv_bias", false);
  RopeScaling scaling = readRopeScaling(c, /*defaultTheta=*/1000000.0);
  int64_t width = mlpWidth(c, intermediate);
  if (!c.error().empty()) // sizes out of range: nothing sized by them
    return nullptr;
  std::vector<bool> attends = attentionLayers(c, layers);
  // The original implementation's fields that Lfm2Config does not read:
  // accepted where they say what transformers computes.
  c.irrelevant({"block_mlp_init_scale", "block_out_init_scale",
                "block_use_xavier_init", "conv_use_xavier_init"});
  for (llvm::StringRef key : {"block_dim", "conv_dim", "conv_dim_out"})
    if (c.has(key) && c.integer(key, hidden) != hidden)
      c.fail(key, "differs from hidden_size, which transformers uses");
  if (c.has("num_heads") && c.integer("num_heads", heads) != heads)
    c.fail("num_heads", "differs from num_attention_heads");
  if (c.has("block_norm_eps") && c.number("block_norm_eps", eps) != eps)
    c.fail("block_norm_eps", "differs from norm_eps, which transformers uses");
  c.requireBoolean("block_use_swiglu", true,
                   "transformers' LFM2 MLP is always SwiGLU");
  c.requireBoolean("use_pos_enc", true,
                   "transformers' LFM2 attention always applies RoPE");
  if (kernel < 2)
    c.fail("conv_L_cache", "must be at least 2");
  if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
    c.fail("num_key_value_heads",
           "must divide num_attention_heads (" + std::to_string(heads) + ")");
  if (headDim % 2 != 0)
    c.fail("head_dim", "must be even for rotary embeddings");
  checkTieEmbedding(c);
  if (!c.error().empty())
    return nullptr;
  Lfm2Sizes z;
  z.hidden = hidden;
  z.layers = layers;
  z.vocab = vocab;
  z.heads = heads;
  z.kvHeads = kvHeads;
  z.headDim = headDim;
  z.kernel = kernel;
  z.eps = eps;
  z.convBias = bias;
  z.scaling = scaling;
  return emitLfm2(
      e, c, z, attends,
      [&](int64_t, Value h, const std::string &f) {
        return swiGlu(e, h, f, hidden, width);
      },
      maxPositions);
}

Value buildLfm2Moe(ModelEmitter &e, HfConfig &c, StringRef,
                   int64_t maxPositions) {
  Lfm2Sizes z;
  z.hidden = c.size("hidden_size");
  z.layers = c.size("num_hidden_layers", 4096);
  z.vocab = c.size("vocab_size");
  z.heads = c.size("num_attention_heads", 32, 1 << 24);
  z.kvHeads = c.size("num_key_value_heads", 8, 1 << 24);
  z.headDim = c.size("head_dim", z.heads > 0 ? z.hidden / z.heads : 0, 1 << 16);
  z.eps = c.nonNegative("norm_eps", 1e-5);
  z.kernel = c.size("conv_L_cache", 3, 1 << 10);
  z.convBias = c.boolean("conv_bias", false);
  z.scaling = readRopeScaling(c, /*defaultTheta=*/1000000.0);
  int64_t inter = c.size("intermediate_size", 7168, 1 << 24);
  int64_t moeInter = c.size("moe_intermediate_size", 1792, 1 << 24);
  int64_t denseLayers = c.integer("num_dense_layers", 2);
  ExpertSizes experts;
  experts.hidden = z.hidden;
  experts.inter = moeInter;
  experts.experts = c.size("num_experts", 32, 1 << 16);
  experts.topK = c.size("num_experts_per_tok", 4, 1 << 16);
  experts.routing = seq::MoeRoutingKind::sigmoid_topk;
  experts.normalize = c.boolean("norm_topk_prob", true);
  experts.normalizeEpsilon = 1e-6; // Lfm2MoeTopKRouter's
  experts.routedScale = c.number("routed_scaling_factor", 1.0);
  experts.gateLeaf = "w1.weight";
  experts.upLeaf = "w3.weight";
  experts.downLeaf = "w2.weight";
  bool expertBias = c.boolean("use_expert_bias", true);
  c.irrelevant({"output_router_logits"});
  checkTieEmbedding(c);
  if (!c.error().empty())
    return nullptr;
  if (denseLayers < 0)
    c.fail("num_dense_layers", "must be >= 0");
  if (experts.topK > experts.experts)
    c.fail("num_experts_per_tok", "must be in [1, num_experts]");
  if (!std::isfinite(experts.routedScale))
    c.fail("routed_scaling_factor", "must be a finite number");
  if (z.kernel < 2)
    c.fail("conv_L_cache", "must be at least 2");
  if (z.heads % z.kvHeads != 0)
    c.fail("num_key_value_heads",
           "must divide num_attention_heads (" + std::to_string(z.heads) + ")");
  if (z.headDim % 2 != 0)
    c.fail("head_dim", "must be even for rotary embeddings");
  // Lfm2MoeDecoderLayer indexes layer_types (no default): conv, or an
  // attention layer for any other name; seqc takes full_attention only.
  std::vector<bool> attends(z.layers, false);
  std::optional<std::vector<std::string>> types = c.strings("layer_types");
  if (!types) {
    c.fail("layer_types",
           c.has("layer_types") ? "expected a list of strings" : "missing");
  } else if (static_cast<int64_t>(types->size()) != z.layers) {
    c.fail("layer_types", "has " + std::to_string(types->size()) +
                              " entries for " + std::to_string(z.layers) +
                              " layers");
  } else {
    for (int64_t i = 0; i < z.layers; ++i) {
      const std::string &t = (*types)[i];
      if (t != "conv" && t != "full_attention")
        c.fail("layer_types", "'" + t +
                                  "' is not an LFM2-MoE layer type "
                                  "(full_attention, conv)");
      attends[i] = t == "full_attention";
    }
  }
  if (!c.error().empty())
    return nullptr;
  return emitLfm2(
      e, c, z, attends,
      [&](int64_t i, Value h, const std::string &f) -> Value {
        if (i < denseLayers)
          return swiGlu(e, h, f, z.hidden, inter);
        Value logits = e.router(h, f + ".gate", experts.experts, z.hidden);
        Value bias = expertBias
                         ? e.weight(f + ".expert_bias", {experts.experts})
                         : Value();
        return emitStackedExperts(e, h, logits, f, experts, bias);
      },
      maxPositions);
}

} // namespace seqc::hf
