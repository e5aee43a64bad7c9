//===- NemotronH.cpp - Nemotron-H: one mixer per block --------------------===//
//
// Every block is x += mixer(rmsnorm(x)) with one mixer per layer type: a
// Mamba2 mixer (linear_attention), attention without positions
// (full_attention) or a squared-ReLU MLP (mlp), as layers_block_type (or
// the legacy hybrid_override_pattern string) lists them. The Mamba2
// mixer's width is mamba_num_heads · mamba_head_dim and its dt is clamped
// below at time_step_min. MoE blocks (Nemotron-H's grouped sigmoid
// routing) are not implemented and are an import error.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

enum class BlockType { mamba, attention, mlp };

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
    c.fail("layers_block_type", "missing (NemotronHConfig's default has an "
                                "MoE block, which seqc does not implement)");
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
      c.fail(where, "MoE blocks are not supported (Nemotron-H's grouped "
                    "sigmoid routing is not implemented)");
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
  // MoE settings, unread without MoE blocks (which are rejected above).
  c.irrelevant({"n_routed_experts", "num_local_experts", "output_router_logits",
                "n_shared_experts", "moe_intermediate_size",
                "moe_shared_expert_intermediate_size", "moe_latent_size",
                "moe_shared_expert_overlap", "num_experts_per_tok",
                "routed_scaling_factor", "n_group", "topk_group",
                "norm_topk_prob"});
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
    }
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
