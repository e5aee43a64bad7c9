//===- NemotronH.cpp - Nemotron-H: one mixer per block --------------------===//
//
// Every block is x += mixer(rmsnorm(x)) with one mixer per layer type: a
// Mamba2 mixer (linear_attention), attention without positions
// (full_attention) or a squared-ReLU MLP (mlp), as layers_block_type (or
// the legacy hybrid_override_pattern string) lists them. The Mamba2
// mixer's width is mamba_num_heads · mamba_head_dim and its dt is clamped
// below at time_step_min. An MoE block routes by sigmoid (experts chosen by
// sigmoid + e_score_correction_bias, weighted by their sigmoids) to
// squared-ReLU experts, optionally inside a latent projection, plus a
// shared squared-ReLU MLP.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

enum class BlockType { mamba, attention, mlp, moe };

/// The legacy keyword NemotronHConfig pops in place of `key`, when given.
llvm::StringRef aliased(HfConfig &c, llvm::StringRef key,
                        llvm::StringRef legacy) {
  if (!c.has(legacy))
    return key;
  c.irrelevant({key});
  return legacy;
}

/// The block types: layers_block_type (or its alias layer_types), else
/// the legacy pattern string (M mamba, * attention, - MLP, E MoE).
std::vector<BlockType> blockTypes(HfConfig &c) {
  std::vector<BlockType> blocks;
  std::vector<std::string> names;
  std::string where;
  if (c.has("layers_block_type") && c.has("layer_types")) {
    c.fail("layer_types", "given beside layers_block_type; keep one");
    return blocks;
  }
  llvm::StringRef key =
      c.has("layer_types") ? "layer_types" : "layers_block_type";
  if (std::optional<std::vector<std::string>> types = c.strings(key)) {
    names = *types;
    where = key.str();
    c.irrelevant({"hybrid_override_pattern"});
  } else if (c.has(key)) {
    c.fail(key, "expected a list of strings");
    return blocks;
  } else if (c.has("hybrid_override_pattern")) {
    where = "hybrid_override_pattern";
    for (char ch : c.string("hybrid_override_pattern", ""))
      names.push_back(ch == 'M'   ? "linear_attention"
                      : ch == '*' ? "full_attention"
                      : ch == '-' ? "mlp"
                      : ch == 'E' ? "moe"
                                  : std::string(1, ch));
  } else {
    c.fail("layers_block_type", "missing");
    return blocks;
  }
  for (const std::string &name : names) {
    if (name == "linear_attention" || name == "mamba")
      blocks.push_back(BlockType::mamba);
    else if (name == "full_attention" || name == "attention")
      blocks.push_back(BlockType::attention);
    else if (name == "mlp")
      blocks.push_back(BlockType::mlp);
    else if (name == "moe")
      blocks.push_back(BlockType::moe);
    else
      c.fail(where, "'" + name +
                        "' is not a Nemotron-H block type (linear_attention, "
                        "full_attention, mlp, moe)");
  }
  if (names.empty())
    c.fail(where, "names no blocks");
  if (names.size() > 4096)
    c.fail(where, "names more than 4096 blocks");
  return blocks;
}

/// An MoE block's sizes and routing.
struct MoeSizes {
  int64_t hidden = 0, experts = 8, inter = 7688, shared = 7688, topK = 2;
  /// moe_latent_size: the experts work in this width (0: hidden).
  int64_t latent = 0;
  bool normalize = true;
  double scale = 1.0;
  /// n_group and topk_group: each token draws its experts from its
  /// keptGroups best of `groups` groups.
  int64_t groups = 1, keptGroups = 1;
};

MoeSizes readMoeSizes(HfConfig &c, int64_t hidden, bool relu2) {
  MoeSizes m;
  m.hidden = hidden;
  // num_local_experts is NemotronHConfig's alias of n_routed_experts.
  llvm::StringRef expertsKey =
      aliased(c, "n_routed_experts", "num_local_experts");
  m.experts = c.size(expertsKey, 8, 1 << 16);
  m.inter = c.size("moe_intermediate_size", 7688, 1 << 24);
  m.shared = c.size("moe_shared_expert_intermediate_size", 7688, 1 << 24);
  m.topK = c.size("num_experts_per_tok", 2, 1 << 16);
  if (c.has("moe_latent_size"))
    m.latent = c.size("moe_latent_size", 0, 1 << 24);
  else
    c.present("moe_latent_size"); // null: none
  m.normalize = c.boolean("norm_topk_prob", true);
  m.scale = c.number("routed_scaling_factor", 1.0);
  m.groups = c.size("n_group", 1, 1 << 16);
  m.keptGroups = c.size("topk_group", 1, 1 << 16);
  if (!relu2)
    c.fail("mlp_hidden_act", "MoE experts are supported with relu2 only");
  if (m.topK > m.experts)
    c.fail("num_experts_per_tok", "must be in [1, n_routed_experts]");
  if (!std::isfinite(m.scale))
    c.fail("routed_scaling_factor", "must be a finite number");
  // Grouped selection keeps the experts of topk_group of n_group groups
  // (NemotronHTopkRouter: a group scores its two best experts).
  if (m.keptGroups > m.groups)
    c.fail("topk_group", "must be at most n_group");
  else if (m.keptGroups < m.groups) {
    if (m.experts % m.groups != 0)
      c.fail("n_group", "must divide n_routed_experts");
    else if (m.experts / m.groups < 2)
      c.fail("n_group", "leaves fewer than 2 experts per group (a group "
                        "scores its best two)");
    else if (m.topK > m.keptGroups * (m.experts / m.groups))
      c.fail("num_experts_per_tok",
             "exceeds the experts of the topk_group groups kept");
  }
  return m;
}

/// NemotronHMoE on `h`: sigmoid routing with e_score_correction_bias over
/// relu² experts (in the latent width when moe_latent_size is set), plus
/// the shared relu² MLP.
Value emitMoe(ModelEmitter &e, Value h, const std::string &m, const MoeSizes &z,
              bool bias) {
  OpBuilder &b = e.builder();
  int64_t width = z.latent > 0 ? z.latent : z.hidden;
  Value logits = e.router(h, m + ".gate", z.experts, z.hidden);
  Value selection = e.weight(m + ".gate.e_score_correction_bias", {z.experts});
  Value x = z.latent > 0
                ? e.linear(h, m + ".fc1_latent_proj", z.latent, z.hidden, bias)
                : h;
  bool quantize = e.blockQuantizes(width) && e.blockQuantizes(z.inter);
  ModelEmitter::StackedWeights up = e.stackedWeights(
      m + ".experts.{}.up_proj.weight", z.experts, z.inter, width, quantize);
  ModelEmitter::StackedWeights down = e.stackedWeights(
      m + ".experts.{}.down_proj.weight", z.experts, width, z.inter, quantize);
  if (bool(up.scales) != bool(down.scales) || up.bits != down.bits ||
      bool(up.offsets) != bool(down.offsets)) {
    e.fail("the experts of '" + m +
           "' are stored in different forms (float or block-quantized, 4 or "
           "8 bits, with or without offsets); seq.moe reads them alike");
    return nullptr;
  }
  // seq.moe's experts are gated (act(g x) · u x); relu(u)·u = relu(u)², so
  // a relu-gated expert whose gate is its up projection is relu²(up x).
  Value routed = seq::MoeOp::create(
      b, e.loc(), x, logits, up.values, up.values, down.values, up.scales,
      up.scales, down.scales, up.offsets, up.offsets, down.offsets, selection,
      static_cast<uint64_t>(z.topK), seq::MoeRoutingKind::sigmoid_topk,
      z.normalize, seq::ActivationKind::relu, up.bits,
      llvm::APFloat(static_cast<float>(z.scale)),
      // NemotronHTopkRouter's denominator: sum + 1e-20.
      llvm::APFloat(1e-20f), static_cast<uint64_t>(z.groups),
      b.getI64IntegerAttr(z.keptGroups));
  if (z.latent > 0)
    routed = e.linear(routed, m + ".fc2_latent_proj", z.hidden, z.latent, bias);
  std::string s = m + ".shared_experts";
  Value su =
      e.activation(seq::ActivationKind::relu,
                   e.linear(h, s + ".up_proj", z.shared, z.hidden, bias));
  su = arith::MulFOp::create(b, e.loc(), su, su);
  return e.add(routed,
               e.linear(su, s + ".down_proj", z.hidden, z.shared, bias));
}

} // namespace

Value buildNemotronH(ModelEmitter &e, HfConfig &c, StringRef,
                     int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 21504, 1 << 24);
  double eps = c.nonNegative("layer_norm_epsilon", 1e-5);
  bool mlpBias = c.boolean("mlp_bias", false);
  // mlp_hidden_act: relu2 (squared ReLU) or an activation seq computes.
  bool relu2 = c.string("mlp_hidden_act", "relu2") == "relu2";
  seq::ActivationKind mlpAct =
      relu2 ? seq::ActivationKind::relu
            : activationField(c, "mlp_hidden_act", "relu2");
  // The block list sets the depth; NemotronHConfig ignores this one.
  c.irrelevant({"num_hidden_layers"});
  std::vector<BlockType> blocks = blockTypes(c);

  AttentionSizes attn;
  attn.hidden = hidden;
  attn.heads = c.size("num_attention_heads", 32, 1 << 24);
  attn.kvHeads = c.size("num_key_value_heads", attn.heads, 1 << 24);
  attn.headDim = c.size("head_dim", 128, 1 << 16);
  if (attn.kvHeads > 0 && attn.heads % attn.kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  // NemotronHAttention's projections never have biases; its masks ignore
  // sliding_window.
  c.irrelevant({"attention_bias"});
  if (c.has("sliding_window"))
    c.fail("sliding_window", "is not supported (transformers' Nemotron-H "
                             "ignores it)");

  Mamba2Sizes mamba;
  mamba.hidden = hidden;
  mamba.heads = c.size("mamba_num_heads", 128, 1 << 16);
  mamba.headDim = c.size("mamba_head_dim", 64, 1 << 16);
  mamba.inner = mamba.heads * mamba.headDim;
  mamba.state = c.size("ssm_state_size", 128, 1 << 16);
  mamba.groups = c.size(aliased(c, "n_groups", "mamba_n_groups"), 8, 1 << 16);
  mamba.conv = c.size(aliased(c, "conv_kernel", "mamba_d_conv"), 4, 1 << 10);
  mamba.chunk =
      c.size(aliased(c, "chunk_size", "mamba_chunk_size"), 128, 1 << 16);
  mamba.convBias =
      c.boolean(aliased(c, "use_conv_bias", "mamba_conv_bias"), true);
  mamba.bias = mamba.outBias = c.boolean("use_bias", false);
  mamba.normEpsilon = eps;
  mamba.activation = activationField(c, "mamba_hidden_act", "silu");
  if (mamba.groups > 0 && mamba.heads % mamba.groups != 0)
    c.fail("n_groups", "must divide mamba_num_heads");
  // The mixer clamps dt to [time_step_min, inf); time_step_limit is unread.
  llvm::StringRef minKey = aliased(c, "time_step_min", "mamba_dt_min");
  double dtMin = c.nonNegative(minKey, 0.001);
  if (dtMin > 0)
    mamba.limit = std::make_pair(dtMin, 3.0e38);
  c.irrelevant({"time_step_limit", "mamba_dt_limit", "time_step_max",
                "mamba_dt_max", "time_step_floor", "mamba_dt_init_floor",
                "expand", "mamba_expand", "mamba_proj_bias",
                "use_mamba_kernels", "residual_in_fp32",
                "mamba_ssm_cache_dtype", "rescale_prenorm_residual",
                "num_logits_to_keep"});
  // Multi-token prediction layers serve speculative decoding only.
  if (c.integer("num_nextn_predict_layers", 0) != 0)
    c.fail("num_nextn_predict_layers",
           "multi-token prediction layers are not supported");
  c.irrelevant({"mtp_layers_block_type", "mtp_hybrid_override_pattern"});
  // Parallelism and training settings; n_shared_experts is unread (one
  // shared MLP per MoE block).
  c.irrelevant({"output_router_logits", "n_shared_experts",
                "moe_shared_expert_overlap"});
  MoeSizes moe;
  if (llvm::is_contained(blocks, BlockType::moe))
    moe = readMoeSizes(c, hidden, relu2);
  else
    c.irrelevant({"n_routed_experts", "num_local_experts",
                  "moe_intermediate_size",
                  "moe_shared_expert_intermediate_size", "moe_latent_size",
                  "num_experts_per_tok", "routed_scaling_factor", "n_group",
                  "topk_group", "norm_topk_prob"});
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  e.beginForward();
  Value x = e.tokenEmbedding("backbone.embeddings.weight", vocab, hidden);
  Value positions = e.positions();
  for (size_t i = 0; i < blocks.size() && e.error().empty(); ++i) {
    std::string p = "backbone.layers." + std::to_string(i);
    std::string m = p + ".mixer";
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".norm.weight", hidden, eps);
    Value y;
    switch (blocks[i]) {
    case BlockType::mamba:
      y = emitMamba2Mixer(e, h, m, s, mamba);
      break;
    case BlockType::attention:
      y = emitRopeAttention(e, h, m, s, attn, positions, /*scaling=*/nullptr,
                            maxPositions);
      break;
    case BlockType::mlp: {
      Value up = e.activation(
          mlpAct, e.linear(h, m + ".up_proj", inter, hidden, mlpBias));
      if (relu2)
        up = arith::MulFOp::create(b, e.loc(), up, up);
      y = e.linear(up, m + ".down_proj", hidden, inter, mlpBias);
      break;
    }
    case BlockType::moe:
      y = emitMoe(e, h, m, moe, mlpBias);
      break;
    }
    if (!y)
      break;
    x = e.endLayer(e.add(x, y));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "backbone.norm_f.weight", hidden, eps);
  std::string head =
      e.lmHead(c, "backbone.embeddings", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
