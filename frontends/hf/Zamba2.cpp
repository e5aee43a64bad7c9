//===- Zamba2.cpp - Zamba2: Mamba2 layers and shared attention blocks -----===//
//
// Every layer is a Mamba2 block (x += mamba(rmsnorm(x))). A "hybrid" layer
// first runs one of num_mem_blocks shared transformer blocks on the
// concatenation of x and the original embeddings (attention with scores
// scaled by (head_dim / 2)^-0.5, then a gated MLP, no residuals inside;
// per-layer LoRA-style adapters on q/k/v and on the MLP's gate_up), projects
// its output with the layer's own `linear`, and adds it to the Mamba2
// block's input: x += mamba(rmsnorm(x + t)). The shared blocks' weights are
// stored once, under the first hybrid layer that uses each.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// x · A₀ᵀ · A₁ᵀ: a rank-`rank` adapter stored as `<prefix>.0` and `.1`.
Value adapter(ModelEmitter &e, Value x, const std::string &prefix, int64_t out,
              int64_t in, int64_t rank) {
  return e.linear(e.linear(x, prefix + ".0", rank, in, false), prefix + ".1",
                  out, rank, false);
}

/// A shared block's adapter lists hold an entry for every hybrid slot of
/// its block; in a layer's own (untied) copy the other slots' entries are
/// parameters transformers loads and never reads.
void markOtherAdapters(ModelEmitter &e, const std::string &shared, int64_t slot,
                       size_t slots) {
  for (size_t j = 0; j < slots; ++j) {
    if (static_cast<int64_t>(j) == slot)
      continue;
    for (const char *list : {".self_attn.linear_q_adapter_list.",
                             ".self_attn.linear_k_adapter_list.",
                             ".self_attn.linear_v_adapter_list.",
                             ".feed_forward.gate_up_proj_adapter_list."})
      for (const char *part : {".0.weight", ".1.weight"}) {
        std::string name = shared + list + std::to_string(j) + part;
        if (e.hasWeight(name))
          e.markUsed(name);
      }
  }
}

/// Which layers are hybrid (a shared block, then Mamba2), from
/// layers_block_type or its alias layer_types.
std::vector<bool> hybridLayers(HfConfig &c) {
  std::vector<bool> hybrid;
  if (c.has("layers_block_type") && c.has("layer_types")) {
    c.fail("layer_types", "given beside layers_block_type; keep one");
    return hybrid;
  }
  llvm::StringRef key =
      c.has("layer_types") ? "layer_types" : "layers_block_type";
  std::optional<std::vector<std::string>> types = c.strings(key);
  if (!types) {
    c.fail(key, c.has(key) ? "expected a list of strings" : "missing");
    return hybrid;
  }
  for (const std::string &t : *types) {
    if (t != "hybrid" && t != "linear_attention" && t != "mamba")
      c.fail(key, "'" + t +
                      "' is not a Zamba2 layer type (linear_attention/mamba, "
                      "hybrid)");
    hybrid.push_back(t == "hybrid");
  }
  if (types->empty() || types->size() > 4096)
    c.fail(key, "must name between 1 and 4096 layers");
  return hybrid;
}

} // namespace

Value buildZamba2(ModelEmitter &e, HfConfig &c, StringRef,
                  int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 4 * hidden, 1 << 24);
  double eps = c.nonNegative("rms_norm_eps", 1e-5);
  seq::ActivationKind act = activationField(c, "hidden_act", "gelu");
  bool bias = c.boolean("add_bias_linear", false);
  int64_t memBlocks = c.size("num_mem_blocks", 1, 1 << 16);
  bool attentionAdapters = c.boolean("use_shared_attention_adapter", false);
  int64_t rank = c.size("adapter_rank", 128, 1 << 16);
  bool rotary = c.boolean("use_mem_rope", false);
  // Derived by Zamba2Config.__post_init__ whatever config.json says; the
  // layer list sets the depth; kernel and cache choices.
  c.irrelevant({"attention_hidden_size", "attention_head_dim", "head_dim",
                "mamba_headdim", "kv_channels", "num_query_groups",
                "hybrid_layer_ids", "num_hidden_layers", "use_mamba_kernels",
                "use_mem_eff_path", "use_long_context", "time_step_max",
                "time_step_floor", "num_logits_to_keep",
                // The mixer's convolution always has a bias.
                "use_conv_bias"});

  // The shared attention reads [x, embeddings]: 2·hidden wide.
  int64_t wide = 2 * hidden;
  AttentionSizes attn;
  attn.hidden = hidden;
  attn.heads = c.size("num_attention_heads", 32, 1 << 24);
  attn.kvHeads = c.size("num_key_value_heads", attn.heads, 1 << 24);
  attn.headDim = wide / std::max<int64_t>(attn.heads, 1);
  if (attn.heads > 0 && wide % attn.heads != 0)
    c.fail("num_attention_heads", "must divide 2 * hidden_size");
  if (attn.kvHeads > 0 && attn.heads % attn.kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  if (attentionAdapters && attn.kvHeads != attn.heads)
    c.fail("num_key_value_heads",
           "must equal num_attention_heads with use_shared_attention_adapter "
           "(the adapters are 2 * hidden_size wide)");
  // Scores scaled by (head_dim / 2)^-0.5.
  attn.scale = e.builder().getF32FloatAttr(
      static_cast<float>(1.0 / std::sqrt(double(attn.headDim) / 2.0)));
  std::optional<RopeScaling> scaling;
  if (rotary) {
    scaling = readRopeScaling(c, /*defaultTheta=*/10000.0);
    if (attn.headDim % 2 != 0)
      c.fail("num_attention_heads",
             "gives an odd head dim (2 * hidden_size / heads); rotary "
             "embeddings need an even one");
  } else {
    c.irrelevant({"rope_parameters", "rope_scaling", "rope_theta"});
  }

  Mamba2Sizes mamba;
  mamba.hidden = hidden;
  mamba.heads = c.size("n_mamba_heads", 8, 1 << 16);
  mamba.inner = c.size("mamba_expand", 2, 1 << 10) * hidden;
  mamba.headDim = mamba.inner / std::max<int64_t>(mamba.heads, 1);
  mamba.state = c.size("mamba_d_state", 64, 1 << 16);
  mamba.groups = c.size("mamba_ngroups", 1, 1 << 16);
  mamba.conv = c.size("mamba_d_conv", 4, 1 << 10);
  mamba.chunk = c.size("chunk_size", 256, 1 << 16);
  mamba.bias = mamba.outBias = bias;
  mamba.convBias = true;
  // Zamba2MambaMixer's gated norm has a fixed epsilon.
  mamba.normEpsilon = 1e-5;
  double dtMin = c.nonNegative("time_step_min", 0.001);
  if (dtMin > 0)
    mamba.limit = std::make_pair(dtMin, 3.0e38);
  checkMamba2Sizes(c, mamba, "n_mamba_heads", "mamba_ngroups");
  std::vector<bool> hybrid = hybridLayers(c);
  if (!c.error().empty())
    return nullptr;

  // Hybrid layer k uses shared block k % num_mem_blocks, stored under the
  // first hybrid layer that uses it.
  std::vector<int64_t> hybridIds;
  for (size_t i = 0; i < hybrid.size(); ++i)
    if (hybrid[i])
      hybridIds.push_back(static_cast<int64_t>(i));

  bool tied = c.boolean("tie_word_embeddings", true);
  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden);
  Value original = x;
  Value positions = e.positions();
  int64_t k = 0;
  for (size_t i = 0; i < hybrid.size() && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value mixerIn = x;
    std::string mambaPrefix = p;
    if (hybrid[i]) {
      // transformers ties a hybrid layer's block to its owner's only with
      // tie_word_embeddings, and not when the checkpoint holds the layer's
      // own copy: then that copy is used.
      std::string shared = p + ".shared_transformer";
      if (!e.hasWeight(shared + ".input_layernorm.weight") && tied)
        shared = "model.layers." + std::to_string(hybridIds[k % memBlocks]) +
                 ".shared_transformer";
      markOtherAdapters(e, shared, k, hybridIds.size());
      std::string slot = std::to_string(k);
      ++k;
      Value a = e.rmsnorm(e.concatLast({x, original}),
                          shared + ".input_layernorm.weight", wide, eps);
      std::string sa = shared + ".self_attn";
      auto project = [&](const char *name, int64_t heads) {
        Value y = e.linear(a, sa + "." + name + "_proj", heads * attn.headDim,
                           wide, false);
        if (attentionAdapters)
          y = e.add(y, adapter(e, a,
                               sa + ".linear_" + name + "_adapter_list." + slot,
                               wide, wide, rank));
        return e.splitHeads(y, heads, attn.headDim);
      };
      Value q = project("q", attn.heads);
      Value kk = project("k", attn.kvHeads);
      Value v = project("v", attn.kvHeads);
      if (scaling) {
        q = rope(e, q, positions, *scaling);
        kk = rope(e, kk, positions, *scaling);
      }
      ModelEmitter::KvCache cache =
          e.cacheKeysValues(s, kk, v, maxPositions, /*ring=*/false);
      Value kvLength =
          arith::AddIOp::create(e.builder(), e.loc(), e.position(), e.length());
      Value o = seq::AttentionOp::create(
          e.builder(), e.loc(), q, cache.keys, cache.values, Value(), kvLength,
          cache.keyScales, cache.valueScales, attn.scale, true, nullptr,
          nullptr, nullptr, nullptr, nullptr, nullptr);
      Value t = e.linear(e.mergeHeads(o), sa + ".o_proj", hidden,
                         attn.heads * attn.headDim, false);
      t = e.rmsnorm(t, shared + ".pre_ff_layernorm.weight", hidden, eps);
      std::string f = shared + ".feed_forward";
      Value gateUp =
          e.add(e.linear(t, f + ".gate_up_proj", 2 * inter, hidden, bias),
                adapter(e, t, f + ".gate_up_proj_adapter_list." + slot,
                        2 * inter, hidden, rank));
      t = e.linear(e.glu(act, e.sliceLast(gateUp, 0, inter),
                         e.sliceLast(gateUp, inter, inter)),
                   f + ".down_proj", hidden, inter, bias);
      t = e.linear(t, p + ".linear", hidden, hidden, false);
      mixerIn = e.add(x, t);
      mambaPrefix = p + ".mamba_decoder";
    }
    Value h = e.rmsnorm(mixerIn, mambaPrefix + ".input_layernorm.weight",
                        hidden, eps);
    x = e.endLayer(
        e.add(x, emitMamba2Mixer(e, h, mambaPrefix + ".mamba", s, mamba)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.final_layernorm.weight", hidden, eps);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/true);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
